package dev.vigil.ingest;

import dev.vigil.ingest.audit.AuditWebhookHandler;
import dev.vigil.ingest.audit.Deduplicator;
import dev.vigil.ingest.http.Authenticator;
import dev.vigil.ingest.http.HttpsReceiverServer;
import dev.vigil.ingest.http.IngestRouter;
import dev.vigil.ingest.http.Tls;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** An HTTPS audit receiver on a loopback port, with clients to post to it. */
public final class ReceiverFixture implements AutoCloseable {

  public static final String TOKEN = "s3cret-token";
  public static final long MAX_BODY = 1024 * 1024;

  public final TestPki pki = new TestPki();
  public final HttpsReceiverServer server;
  public final HttpClient withToken;
  public final HttpClient withCertificate;

  public ReceiverFixture(
      RecordPublisher publisher,
      IngestMetrics metrics,
      Set<String> clusters,
      dev.vigil.ingest.gke.PubSubPushHandler pubsub) {
    AuditWebhookHandler audit =
        new AuditWebhookHandler(
            publisher, new Deduplicator(10_000), metrics, Clock.systemUTC(), MAX_BODY);
    IngestRouter router =
        new IngestRouter(
            new Authenticator(Set.of(TOKEN), true),
            clusters,
            audit,
            pubsub,
            () -> "vigil_ingest_test 1\n",
            metrics);
    server =
        HttpsReceiverServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            Tls.serverContext(pki.serverKey.getPrivate(), pki.serverChain(), List.of(pki.ca)),
            true,
            router,
            MAX_BODY,
            4);
    withToken =
        HttpClient.newBuilder()
            .sslContext(pki.clientContext(false))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    withCertificate =
        HttpClient.newBuilder()
            .sslContext(pki.clientContext(true))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  public URI uri(String path) {
    return URI.create("https://127.0.0.1:" + server.port() + path);
  }

  /** POSTs with the bearer token (or {@code token} when not null), returning the response. */
  public HttpResponse<String> post(String path, byte[] body, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return send(withToken, b.build());
  }

  public HttpResponse<String> post(String path, byte[] body) {
    return post(path, body, TOKEN);
  }

  public static HttpResponse<String> send(HttpClient client, HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
