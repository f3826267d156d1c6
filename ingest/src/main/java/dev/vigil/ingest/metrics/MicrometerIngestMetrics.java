package dev.vigil.ingest.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Objects;

/** {@link IngestMetrics} recorded into a Micrometer registry, as {@code vigil_ingest_*} meters. */
public final class MicrometerIngestMetrics implements IngestMetrics {

  private final MeterRegistry registry;

  public MicrometerIngestMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  @Override
  public void httpRequest(String endpoint, int status, Duration took) {
    Timer.builder("vigil_ingest_http_requests")
        .description("HTTP requests to ingest's receivers, by endpoint and status")
        .tag("endpoint", endpoint)
        .tag("status", String.valueOf(status))
        .register(registry)
        .record(took);
  }

  @Override
  public void unauthenticated(String endpoint) {
    counter("vigil_ingest_unauthenticated_requests", "Requests without valid credentials", "endpoint", endpoint)
        .increment();
  }

  @Override
  public void requestTimedOut(String phase) {
    counter("vigil_ingest_http_timeouts", "Connections closed because a request or response missed its deadline",
        "phase", phase).increment();
  }

  @Override
  public void eventsReceived(String source, int count) {
    counter("vigil_ingest_events_received", "Events read, before filtering", "source", source).increment(count);
  }

  @Override
  public void duplicatesDropped(String source, int count) {
    counter("vigil_ingest_duplicates_dropped", "Redelivered events dropped", "source", source).increment(count);
  }

  @Override
  public void recordsPublished(String topic, int count) {
    counter("vigil_ingest_records_published", "Records Kafka acknowledged", "topic", topic).increment(count);
  }

  @Override
  public void deadLettered(String source, int count) {
    counter("vigil_ingest_dead_lettered", "Inputs sent to the dead-letter topic", "source", source).increment(count);
  }

  @Override
  public void publishFailed(String topic, PublishFailure reason) {
    Counter.builder("vigil_ingest_publish_failures")
        .description("Batches Kafka did not acknowledge")
        .tag("topic", topic)
        .tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT))
        .register(registry)
        .increment();
  }

  @Override
  public void podEventSuppressed(String clusterId) {
    counter("vigil_ingest_pod_events_suppressed", "Pod updates with no change that matters", "cluster", clusterId)
        .increment();
  }

  @Override
  public void policyRejected(String kind) {
    counter("vigil_ingest_policies_rejected", "Policy documents rejected; the last good one stays", "kind", kind)
        .increment();
  }

  @Override
  public void revoked(String topic, int count) {
    counter("vigil_ingest_revoked", "Tombstones written for facts (attestations, image metadata, policy documents)"
        + " their source no longer holds", "topic", topic).increment(count);
  }

  @Override
  public void feedFailed(String feed, String reason) {
    Counter.builder("vigil_ingest_feed_failures").description("Polls of a fact source that failed; nothing was revoked")
        .tag("feed", feed).tag("reason", reason).register(registry).increment();
  }

  @Override
  public void admission(dev.vigil.schemas.AdmissionEvent e) {
    String signal = e.failedOpen() != null ? "failed_open"
        : e.breakglass() ? "breakglass" : e.dryRun() ? "dry_run" : e.blocked() ? "blocked" : "none";
    String mechanism = e.failedOpen() == null ? ""
        : e.failedOpen().mechanism().name().toLowerCase(java.util.Locale.ROOT);
    Counter.builder("vigil_ingest_admissions")
        .description("Admission events Kafka acknowledged, by cluster and enforcement signal")
        .tags("cluster", e.clusterId(), "signal", signal, "mechanism", mechanism)
        .register(registry)
        .increment();
  }

  private Counter counter(String name, String description, String tag, String value) {
    return Counter.builder(name).description(description).tag(tag, value).register(registry);
  }
}
