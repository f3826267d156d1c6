package dev.vigil.ingest.http;

import dev.vigil.ingest.audit.AuditWebhookHandler;
import dev.vigil.ingest.audit.Deduplicator;
import dev.vigil.ingest.gke.PubSubPushHandler;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Starts ingest's HTTPS receivers (audit webhook, GKE Pub/Sub push, health, metrics) from settings.
 */
public final class IngestReceivers {

  private IngestReceivers() {}

  /**
   * The routing function for {@code settings}, without a server: for in-process callers and tests.
   */
  public static IngestRouter router(
      ReceiverSettings settings,
      RecordPublisher publisher,
      IngestMetrics metrics,
      Supplier<String> metricsText,
      Clock clock) {
    AuditWebhookHandler audit =
        new AuditWebhookHandler(
            publisher,
            new Deduplicator(settings.dedupWindow()),
            metrics,
            clock,
            settings.maxBodyBytes());
    PubSubPushHandler pubsub =
        settings.gkePubSub()
            ? new PubSubPushHandler(publisher, settings.gkeDefaultCluster(), metrics, clock)
            : null;
    return new IngestRouter(
        new Authenticator(settings.access(), settings.clientCaPem() != null),
        settings.clusters(),
        audit,
        pubsub,
        metricsText,
        metrics);
  }

  /**
   * Starts serving HTTPS.
   *
   * @param metricsText the {@code /metrics} page (e.g. {@code PrometheusMeterRegistry::scrape}), or
   *     {@code null}
   */
  public static HttpsReceiverServer start(
      ReceiverSettings settings,
      RecordPublisher publisher,
      IngestMetrics metrics,
      Supplier<String> metricsText,
      Clock clock) {
    SSLContext tls =
        Tls.fromPem(settings.certificatePem(), settings.privateKeyPem(), settings.clientCaPem());
    return HttpsReceiverServer.start(
        new InetSocketAddress(settings.host(), settings.port()),
        tls,
        settings.clientCaPem() != null,
        router(settings, publisher, metrics, metricsText, clock),
        settings.maxBodyBytes(),
        settings.threads(),
        settings.limits(),
        metrics,
        false);
  }
}
