package dev.vigil.cli.run;

import dev.vigil.ingest.feeds.JsonFileFeed;
import dev.vigil.ingest.feeds.PolicyFilePublisher;
import dev.vigil.ingest.feeds.PolicyTopic;
import dev.vigil.ingest.feeds.PolicyValidator;
import dev.vigil.ingest.http.HttpsReceiverServer;
import dev.vigil.ingest.http.IngestReceivers;
import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.metrics.MicrometerIngestMetrics;
import dev.vigil.ingest.watch.PodWatcher;
import dev.vigil.schemas.PolicyDocument;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running ingest side: watchers, receivers and feeds publishing to Kafka. */
public final class IngestRuntime implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(IngestRuntime.class);

  private final KafkaRecordPublisher publisher;
  private final List<PodWatcher> watchers;
  private final HttpsReceiverServer receiver;
  private final ScheduledExecutorService scheduler;
  private final List<PolicyFilePublisher> policies;

  private IngestRuntime(KafkaRecordPublisher publisher, List<PodWatcher> watchers, HttpsReceiverServer receiver,
      ScheduledExecutorService scheduler, List<PolicyFilePublisher> policies) {
    this.publisher = publisher;
    this.watchers = watchers;
    this.receiver = receiver;
    this.scheduler = scheduler;
    this.policies = policies;
  }

  /** Starts everything {@code plan} asks for. */
  public static IngestRuntime start(IngestPlan plan, KafkaAccess kafka, PrometheusMeterRegistry registry,
      Clock clock) {
    MicrometerIngestMetrics metrics = new MicrometerIngestMetrics(registry).knownClusters(plan.clusterIds());
    if (plan.receiver() != null) {
      metrics.auditReceiver();
    }
    KafkaRecordPublisher publisher = new KafkaRecordPublisher(kafka.bootstrapServers(), kafka.clientProperties(),
        "/vigil/ingest", Duration.ofSeconds(10), metrics);
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, r -> {
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
      if (plan.policy() != null) {
        files.put(PolicyDocument.Kind.BINAUTHZ_POLICY, plan.policy());
      }
      if (plan.platformPolicy() != null) {
        files.put(PolicyDocument.Kind.PLATFORM_POLICY, plan.platformPolicy());
      }
      if (plan.attestors() != null) {
        files.put(PolicyDocument.Kind.ATTESTOR, plan.attestors());
      }
      for (Map.Entry<PolicyDocument.Kind, Path> f : files.entrySet()) {
        String name = f.getValue().getFileName().toString();
        String key = f.getKey() + "/" + plan.policyScope() + "/" + name;
        PolicyDocument last = PolicyTopic.latest(kafka.bootstrapServers(), kafka.clientProperties(), key,
            Duration.ofSeconds(15));
        PolicyFilePublisher p = new PolicyFilePublisher(f.getValue(), f.getKey(), plan.policyScope(), name,
            PolicyValidator.standard(), publisher, metrics, clock, last);
        p.check();
        p.watch(scheduler, plan.feedInterval());
        policies.add(p);
      }
      if (plan.attestations() != null) {
        JsonFileFeed feed = JsonFileFeed.attestations(plan.attestations(), publisher, metrics, clock);
        feed.scan();
        feed.watch(scheduler, plan.feedInterval());
      }
      if (plan.imageMetadata() != null) {
        JsonFileFeed feed = JsonFileFeed.imageMetadata(plan.imageMetadata(), publisher, metrics, clock);
        feed.scan();
        feed.watch(scheduler, plan.feedInterval());
      }
      for (IngestPlan.Watch w : plan.watches()) {
        PodWatcher watcher = new PodWatcher(w.clusterId(), w.client(), plan.namespaces(), publisher, metrics, clock,
            Duration.ofMinutes(10));
        watcher.start(Duration.ofSeconds(60));
        watchers.add(watcher);
      }
      if (plan.receiver() != null) {
        receiver = IngestReceivers.start(plan.receiver(), publisher, metrics, registry::scrape, clock);
      }
      return new IngestRuntime(publisher, watchers, receiver, scheduler, policies);
    } catch (Exception e) {
      new IngestRuntime(publisher, watchers, receiver, scheduler, policies).close();
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
