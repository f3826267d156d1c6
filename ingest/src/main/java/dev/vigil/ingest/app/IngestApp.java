package dev.vigil.ingest.app;

import dev.vigil.ingest.cosign.CosignFeed;
import dev.vigil.ingest.cosign.CosignSignatures;
import dev.vigil.ingest.feeds.GoogleTokens;
import dev.vigil.ingest.feeds.GrafeasPoller;
import dev.vigil.ingest.feeds.JsonFileFeed;
import dev.vigil.ingest.feeds.PolicyFilePublisher;
import dev.vigil.ingest.feeds.PolicyTopic;
import dev.vigil.ingest.feeds.PolicyValidator;
import dev.vigil.ingest.feeds.TopicIndex;
import dev.vigil.ingest.http.HttpsReceiverServer;
import dev.vigil.ingest.http.IngestReceivers;
import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.MicrometerIngestMetrics;
import dev.vigil.ingest.watch.PodWatcher;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.settings.KafkaSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running ingest instance: pod watchers, the HTTPS receivers and the policy and fact feeds,
 * publishing to Kafka. {@code vigil ingest}, {@code vigil run}, the demo and the integration tests
 * start it here, from an {@link IngestPlan} (itself built from {@link IngestSettings}).
 */
public final class IngestApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(IngestApp.class);

  private final KafkaRecordPublisher publisher;
  private final List<PodWatcher> watchers;
  private final HttpsReceiverServer receiver;
  private final ScheduledExecutorService scheduler;
  private final List<PolicyFilePublisher> policies;

  private IngestApp(
      KafkaRecordPublisher publisher,
      List<PodWatcher> watchers,
      HttpsReceiverServer receiver,
      ScheduledExecutorService scheduler,
      List<PolicyFilePublisher> policies) {
    this.publisher = publisher;
    this.watchers = watchers;
    this.receiver = receiver;
    this.scheduler = scheduler;
    this.policies = policies;
  }

  /**
   * Starts everything {@code plan} asks for, publishing to {@code kafka}; metrics go to {@code
   * registry}, and the receivers serve {@code metricsText} (or nothing when {@code null}) on {@code
   * /metrics}.
   */
  public static IngestApp start(
      IngestPlan plan,
      KafkaSettings kafka,
      MeterRegistry registry,
      Supplier<String> metricsText,
      Clock clock) {
    IngestSettings.Feeds feeds = plan.feeds();
    MicrometerIngestMetrics metrics =
        new MicrometerIngestMetrics(registry).knownClusters(plan.clusterIds());
    if (plan.receiver() != null) {
      metrics.auditReceiver();
    }
    KafkaRecordPublisher publisher =
        new KafkaRecordPublisher(
            kafka.bootstrapServers(),
            kafka.clientProperties(),
            kafka.podPartitioning(),
            "/vigil/ingest",
            Duration.ofSeconds(10),
            metrics);
    // Two threads: a Grafeas listing that waits out its retries does not hold up the file feeds.
    ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "vigil-ingest-feeds");
              t.setDaemon(true);
              return t;
            });
    List<PodWatcher> watchers = new ArrayList<>();
    List<PolicyFilePublisher> policies = new ArrayList<>();
    HttpsReceiverServer receiver = null;
    try {
      // Policies first, so streams judges the first pods against them.
      Map<PolicyDocument.Kind, Path> files = new LinkedHashMap<>();
      if (feeds.policy() != null) {
        files.put(PolicyDocument.Kind.BINAUTHZ_POLICY, feeds.policy());
      }
      if (feeds.platformPolicy() != null) {
        files.put(PolicyDocument.Kind.PLATFORM_POLICY, feeds.platformPolicy());
      }
      if (feeds.attestors() != null) {
        files.put(PolicyDocument.Kind.ATTESTOR, feeds.attestors());
      }
      for (Map.Entry<PolicyDocument.Kind, Path> f : files.entrySet()) {
        String name = f.getValue().getFileName().toString();
        String key = f.getKey() + "/" + feeds.policyScope() + "/" + name;
        PolicyDocument last =
            PolicyTopic.latest(
                kafka.bootstrapServers(), kafka.clientProperties(), key, Duration.ofSeconds(15));
        PolicyFilePublisher p =
            new PolicyFilePublisher(
                f.getValue(),
                f.getKey(),
                feeds.policyScope(),
                name,
                PolicyValidator.standard(),
                publisher,
                metrics,
                clock,
                last);
        p.check();
        p.watch(scheduler, feeds.interval());
        policies.add(p);
      }
      Map<String, Map<String, String>> onTopics =
          new HashMap<>(); // what each feed restores from, read once
      Function<String, Map<String, String>> liveKeys =
          topic ->
              onTopics.computeIfAbsent(
                  topic,
                  t ->
                      TopicIndex.liveKeys(
                          kafka.bootstrapServers(),
                          kafka.clientProperties(),
                          t,
                          Duration.ofSeconds(15)));
      List<JsonFileFeed> fileFeeds = new ArrayList<>();
      if (feeds.attestations() != null) {
        fileFeeds.add(JsonFileFeed.attestations(feeds.attestations(), publisher, metrics, clock));
      }
      if (feeds.imageMetadata() != null) {
        fileFeeds.add(JsonFileFeed.imageMetadata(feeds.imageMetadata(), publisher, metrics, clock));
      }
      for (JsonFileFeed feed : fileFeeds) {
        // What each file contributed before a restart, so that files deleted meanwhile are revoked.
        feed.restore(liveKeys.apply(feed.topic().name()));
        feed.scan();
        feed.watch(scheduler, feeds.interval());
      }
      if (feeds.grafeas() != null) {
        IngestSettings.Grafeas g = feeds.grafeas();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        GrafeasPoller.Tokens tokens =
            g.googleCredentials() ? GoogleTokens.fromEnvironment(http, clock) : () -> null;
        GrafeasPoller poller =
            new GrafeasPoller(
                g.endpoint(),
                g.project(),
                tokens,
                http,
                GrafeasPoller.Retry.STANDARD,
                publisher,
                metrics,
                clock);
        poller.restore(liveKeys.apply(Topics.ATTESTATIONS.name()));
        poller.watch(scheduler, g.interval());
      }
      RecordPublisher podPublisher = publisher;
      if (feeds.cosign() != null) {
        IngestSettings.Cosign c = feeds.cosign();
        // A docker config's credentials first; Google's registries then get an ADC token; others
        // anonymous.
        var google = CosignSignatures.anonymous();
        try {
          google =
              CosignSignatures.google(
                  GoogleTokens.fromEnvironment(HttpClient.newHttpClient(), clock));
        } catch (java.io.IOException e) {
          LOG.warn("cosign: Google's registries are read anonymously: {}", e.getMessage());
        }
        CosignSignatures registries =
            new CosignSignatures(
                c.dockerConfig() == null
                    ? google
                    : CosignSignatures.either(
                        CosignSignatures.dockerConfig(c.dockerConfig()), google),
                c.plainHttpRegistries()::contains);
        CosignFeed cosign =
            new CosignFeed(registries, publisher, metrics, clock, c.ttl(), 100_000)
                .restore(liveKeys.apply(Topics.ATTESTATIONS.name()));
        cosign.watch(scheduler, feeds.interval());
        podPublisher = cosign.tap(publisher); // learns the images pods run from the pod events
      }
      for (IngestPlan.Watch w : plan.watches()) {
        PodWatcher watcher =
            new PodWatcher(
                w.clusterId(),
                w.client(),
                plan.namespaces(),
                podPublisher,
                metrics,
                clock,
                Duration.ofMinutes(10));
        watcher.start(Duration.ofSeconds(60));
        watchers.add(watcher);
      }
      if (plan.receiver() != null) {
        receiver = IngestReceivers.start(plan.receiver(), publisher, metrics, metricsText, clock);
      }
      return new IngestApp(publisher, watchers, receiver, scheduler, policies);
    } catch (Exception e) {
      new IngestApp(publisher, watchers, receiver, scheduler, policies).close();
      throw new IllegalStateException("ingest did not start: " + e.getMessage(), e);
    }
  }

  /** The HTTPS receiver's port, or -1 when it is off. */
  public int receiverPort() {
    return receiver == null ? -1 : receiver.port();
  }

  /** Components not ready yet, with the reason. */
  public Map<String, String> notReady() {
    Map<String, String> m = new LinkedHashMap<>();
    for (PodWatcher w : watchers) {
      if (!w.isWatching()) {
        m.put("watcher " + w.clusterId(), "not watching");
      }
    }
    return m;
  }

  /** Checks the policy files now instead of at the next interval. */
  public void checkPoliciesNow() {
    policies.forEach(PolicyFilePublisher::check);
  }

  /** Number of pod watchers. */
  public int watcherCount() {
    return watchers.size();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    if (receiver != null) {
      receiver.close();
    }
    watchers.forEach(PodWatcher::close);
    publisher.close();
  }
}
