package dev.vigil.ingest.metrics;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * {@link IngestMetrics} recorded into a Micrometer registry, as {@code vigil_ingest_*} meters.
 *
 * <p>Every counter whose label values are known before the first event is registered at 0 when this
 * is created ({@link #knownClusters} adds the cluster-labelled ones): a series that appears only on
 * its first change is born at a non-zero value, and Prometheus' {@code increase()} never sees that
 * first change (issue 21: the first dead letters and the first rejected policy fired no alert).
 */
public final class MicrometerIngestMetrics implements IngestMetrics {

  /** The audit sources of {@code vigil_ingest_events_received_total} and its siblings. */
  public static final List<String> AUDIT_SOURCES = List.of("k8s-audit", "gke-audit");

  /**
   * The sources of {@code vigil_ingest_dead_lettered_total}: the audit sources and the file feeds.
   */
  public static final List<String> DEAD_LETTER_SOURCES =
      List.of("k8s-audit", "gke-audit", "ingest.attestations", "ingest.image-metadata");

  /**
   * The endpoints of {@code vigil_ingest_http_requests_seconds} and {@code
   * ..._unauthenticated_requests_total}.
   */
  public static final List<String> ENDPOINTS = List.of("audit", "gke-pubsub");

  /** The phases of {@code vigil_ingest_http_timeouts_total}. */
  public static final List<String> TIMEOUT_PHASES = List.of("headers", "body", "response");

  /** The topics ingest publishes to. */
  public static final List<String> TOPICS =
      List.of(
          Topics.POD_EVENTS.name(),
          Topics.ADMISSION_EVENTS.name(),
          Topics.POLICIES.name(),
          Topics.ATTESTATIONS.name(),
          Topics.IMAGE_METADATA.name(),
          Topics.DEAD_LETTER.name());

  /** The signals of {@code vigil_ingest_admissions_total}, besides {@code failed_open}. */
  public static final List<String> SIGNALS = List.of("breakglass", "dry_run", "blocked", "none");

  /** Buckets of the request timer: the receiver answers after Kafka acknowledged the batch. */
  static final Duration[] REQUEST_BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private final MeterRegistry registry;

  /**
   * Registers the process' {@code vigil_component_info{component="ingest"}} and the counters at 0.
   */
  public MicrometerIngestMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    componentInfo(registry, "ingest", MicrometerIngestMetrics.class);
    DEAD_LETTER_SOURCES.forEach(s -> deadLettered(s, 0));
    for (String topic : TOPICS) {
      recordsPublished(topic, 0);
      for (PublishFailure reason : PublishFailure.values()) {
        publishFailure(topic, reason);
      }
    }
    for (PolicyDocument.Kind kind : PolicyDocument.Kind.values()) {
      policyRejectedCounter(kind.name());
    }
  }

  /**
   * Registers at 0 the counters labelled by cluster, for the clusters this process watches or
   * receives audit events from: admissions for every signal (and every fail-open mechanism) and
   * suppressed pod events.
   */
  public MicrometerIngestMetrics knownClusters(Collection<String> clusters) {
    for (String cluster : clusters) {
      for (AdmissionEvent.FailedOpen.Mechanism m : AdmissionEvent.FailedOpen.Mechanism.values()) {
        admissionCounter(cluster, "failed_open", lower(m.name()));
      }
      SIGNALS.forEach(signal -> admissionCounter(cluster, signal, ""));
      podEventsSuppressed(cluster);
    }
    return this;
  }

  /**
   * Registers {@code vigil_component_info{component="audit-receiver"}} and, at 0, the receiver's
   * counters: events received and duplicates dropped per audit source, unauthenticated requests per
   * endpoint, timeouts per phase. Only a process that runs the receiver has them, so that the "no
   * audit events" alert does not fire where no receiver is meant to run.
   */
  public MicrometerIngestMetrics auditReceiver() {
    componentInfo(registry, "audit-receiver", MicrometerIngestMetrics.class);
    for (String source : AUDIT_SOURCES) {
      eventsReceived(source, 0);
      duplicatesDropped(source, 0);
    }
    ENDPOINTS.forEach(this::unauthenticatedCounter);
    TIMEOUT_PHASES.forEach(this::timeoutCounter);
    return this;
  }

  /**
   * {@code vigil_component_info{component, version} 1}: which Vigil parts a scrape target runs, so
   * that alerts find Vigil's targets whatever their job is called (one {@code vigil run}, or pods
   * found by annotation).
   */
  private static void componentInfo(MeterRegistry registry, String component, Class<?> from) {
    String version = from.getPackage().getImplementationVersion();
    Gauge.builder("vigil.component.info", () -> 1)
        .description("1 for each Vigil component this process runs")
        .tags("component", component, "version", version == null ? "development" : version)
        .register(registry);
  }

  @Override
  public void httpRequest(String endpoint, int status, Duration took) {
    Timer.builder("vigil_ingest_http_requests")
        .description("HTTP requests to ingest's receivers, by endpoint and status")
        .tag("endpoint", endpoint)
        .tag("status", String.valueOf(status))
        .serviceLevelObjectives(REQUEST_BUCKETS)
        .register(registry)
        .record(took);
  }

  @Override
  public void unauthenticated(String endpoint) {
    unauthenticatedCounter(endpoint).increment();
  }

  @Override
  public void forbidden(String endpoint) {
    counter(
            "vigil_ingest_forbidden_requests",
            "Requests whose credentials may not post for that cluster",
            "endpoint",
            endpoint)
        .increment();
  }

  @Override
  public void requestTimedOut(String phase) {
    timeoutCounter(phase).increment();
  }

  @Override
  public void eventsReceived(String source, int count) {
    counter("vigil_ingest_events_received", "Events read, before filtering", "source", source)
        .increment(count);
  }

  @Override
  public void duplicatesDropped(String source, int count) {
    counter("vigil_ingest_duplicates_dropped", "Redelivered events dropped", "source", source)
        .increment(count);
  }

  @Override
  public void recordsPublished(String topic, int count) {
    counter("vigil_ingest_records_published", "Records Kafka acknowledged", "topic", topic)
        .increment(count);
  }

  @Override
  public void deadLettered(String source, int count) {
    counter("vigil_ingest_dead_lettered", "Inputs sent to the dead-letter topic", "source", source)
        .increment(count);
  }

  @Override
  public void publishFailed(String topic, PublishFailure reason) {
    publishFailure(topic, reason).increment();
  }

  @Override
  public void podEventSuppressed(String clusterId) {
    podEventsSuppressed(clusterId).increment();
  }

  @Override
  public void policyRejected(String kind) {
    policyRejectedCounter(kind).increment();
  }

  @Override
  public void revoked(String topic, int count) {
    counter(
            "vigil_ingest_revoked",
            "Tombstones written for facts (attestations, image metadata, policy documents)"
                + " their source no longer holds",
            "topic",
            topic)
        .increment(count);
  }

  @Override
  public void feedFailed(String feed, String reason) {
    Counter.builder("vigil_ingest_feed_failures")
        .description("Polls of a fact source that failed; nothing was revoked")
        .tag("feed", feed)
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  @Override
  public void admission(AdmissionEvent e) {
    String signal =
        e.failedOpen() != null
            ? "failed_open"
            : e.breakglass()
                ? "breakglass"
                : e.dryRun() ? "dry_run" : e.blocked() ? "blocked" : "none";
    String mechanism = e.failedOpen() == null ? "" : lower(e.failedOpen().mechanism().name());
    admissionCounter(e.clusterId(), signal, mechanism).increment();
  }

  private Counter admissionCounter(String cluster, String signal, String mechanism) {
    return Counter.builder("vigil_ingest_admissions")
        .description("Admission events Kafka acknowledged, by cluster and enforcement signal")
        .tags("cluster", cluster, "signal", signal, "mechanism", mechanism)
        .register(registry);
  }

  private Counter publishFailure(String topic, PublishFailure reason) {
    return Counter.builder("vigil_ingest_publish_failures")
        .description("Batches Kafka did not acknowledge")
        .tags("topic", topic, "reason", lower(reason.name()))
        .register(registry);
  }

  private Counter podEventsSuppressed(String cluster) {
    return counter(
        "vigil_ingest_pod_events_suppressed",
        "Pod updates with no change that matters",
        "cluster",
        cluster);
  }

  private Counter policyRejectedCounter(String kind) {
    return counter(
        "vigil_ingest_policies_rejected",
        "Policy documents rejected; the last good one stays",
        "kind",
        kind);
  }

  private Counter unauthenticatedCounter(String endpoint) {
    return counter(
        "vigil_ingest_unauthenticated_requests",
        "Requests without valid credentials",
        "endpoint",
        endpoint);
  }

  private Counter timeoutCounter(String phase) {
    return counter(
        "vigil_ingest_http_timeouts",
        "Connections closed because a request or response missed its deadline",
        "phase",
        phase);
  }

  private Counter counter(String name, String description, String tag, String value) {
    return Counter.builder(name).description(description).tag(tag, value).register(registry);
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
