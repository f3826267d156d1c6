package dev.vigil.ingest.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Counters exist at 0 before their first event, so that Prometheus' increase() sees that event. */
class MicrometerIngestMetricsTest {

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  Counter counter(String name, String... tags) {
    return registry.find(name).tags(tags).counter();
  }

  @Test
  void countersAlertsReadAreRegisteredAtZeroBeforeAnyEvent() {
    new MicrometerIngestMetrics(registry).knownClusters(List.of("prod", "staging"));

    for (String cluster : List.of("prod", "staging")) {
      for (String mechanism :
          List.of(
              "image_policy_webhook",
              "validating_webhook",
              "mutating_webhook",
              "gke_binary_authorization")) {
        assertEquals(
            0.0,
            counter(
                    "vigil_ingest_admissions",
                    "cluster",
                    cluster,
                    "signal",
                    "failed_open",
                    "mechanism",
                    mechanism)
                .count(),
            cluster + " " + mechanism);
      }
      for (String signal : List.of("breakglass", "dry_run", "blocked", "none")) {
        assertEquals(
            0.0,
            counter(
                    "vigil_ingest_admissions",
                    "cluster",
                    cluster,
                    "signal",
                    signal,
                    "mechanism",
                    "")
                .count(),
            cluster + " " + signal);
      }
    }
    assertEquals(
        0.0, counter("vigil_ingest_dead_lettered", "source", "ingest.attestations").count());
    assertEquals(0.0, counter("vigil_ingest_dead_lettered", "source", "k8s-audit").count());
    assertEquals(0.0, counter("vigil_ingest_policies_rejected", "kind", "BINAUTHZ_POLICY").count());
    assertEquals(
        0.0, counter("vigil_ingest_records_published", "topic", "vigil.pod-events").count());
    assertEquals(
        0.0,
        counter(
                "vigil_ingest_publish_failures",
                "topic",
                "vigil.admission-events",
                "reason",
                "timeout")
            .count());
    assertEquals(
        1.0, registry.find("vigil.component.info").tag("component", "ingest").gauge().value());
  }

  @Test
  void theReceiversCountersAndInfoExistOnlyWhereTheReceiverRuns() {
    MicrometerIngestMetrics metrics = new MicrometerIngestMetrics(registry);
    assertNull(
        counter("vigil_ingest_events_received", "source", "k8s-audit"),
        "a process without a receiver must not look like a silent receiver");
    assertNull(registry.find("vigil.component.info").tag("component", "audit-receiver").gauge());

    metrics.auditReceiver();

    assertEquals(0.0, counter("vigil_ingest_events_received", "source", "k8s-audit").count());
    assertEquals(0.0, counter("vigil_ingest_events_received", "source", "gke-audit").count());
    assertEquals(
        0.0, counter("vigil_ingest_unauthenticated_requests", "endpoint", "audit").count());
    assertNotNull(registry.find("vigil.component.info").tag("component", "audit-receiver").gauge());
  }

  @Test
  void theFirstEventCountsOneOnTheSeriesRegisteredAtZero() {
    MicrometerIngestMetrics metrics =
        new MicrometerIngestMetrics(registry).knownClusters(List.of("prod"));

    metrics.policyRejected("ATTESTOR");
    metrics.deadLettered("k8s-audit", 3);

    assertEquals(1.0, counter("vigil_ingest_policies_rejected", "kind", "ATTESTOR").count());
    assertEquals(3.0, counter("vigil_ingest_dead_lettered", "source", "k8s-audit").count());
    assertEquals(
        1,
        registry.find("vigil_ingest_policies_rejected").tag("kind", "ATTESTOR").counters().size());
  }

  @Test
  void requestDurationsHaveBuckets() {
    MicrometerIngestMetrics metrics = new MicrometerIngestMetrics(registry);

    metrics.httpRequest("audit", 200, Duration.ofMillis(30));

    Timer t =
        registry
            .find("vigil_ingest_http_requests")
            .tags("endpoint", "audit", "status", "200")
            .timer();
    CountAtBucket[] buckets = t.takeSnapshot().histogramCounts();
    assertEquals(MicrometerIngestMetrics.REQUEST_BUCKETS.length, buckets.length);
    for (CountAtBucket b : buckets) {
      double upper = b.bucket(java.util.concurrent.TimeUnit.MILLISECONDS);
      assertEquals(upper >= 30 ? 1.0 : 0.0, b.count(), "bucket le=" + upper + "ms");
    }
  }
}
