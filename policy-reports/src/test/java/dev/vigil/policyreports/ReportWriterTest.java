package dev.vigil.policyreports;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Decision;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The writer never holds up its caller, keeps the latest report per namespace and retries failures.
 */
class ReportWriterTest {

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  static NamespaceReport report(String ns, String... pods) {
    List<PodEntry> entries = new java.util.ArrayList<>();
    for (String pod : pods) {
      entries.add(
          PodEntry.apply(null, PodChange.of(Records.verdict(ns, pod, Decision.ALLOW, Records.T0))));
    }
    return new NamespaceReport(Records.CLUSTER, ns, entries);
  }

  double count(String outcome) {
    return registry.get("vigil.policy.reports.writes").tag("outcome", outcome).counter().count();
  }

  @Test
  void aHangingApiServerNeverBlocksTheOfferAndOnlyTheLatestReportIsWritten() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<NamespaceReport> written = new CopyOnWriteArrayList<>();
    ReportSink hanging =
        r -> {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          written.add(r);
          return ReportSink.Outcome.APPLIED;
        };
    try (ReportWriter writer = new ReportWriter(hanging, 1000, Duration.ofMillis(10), registry)) {
      writer.offer(report("prod", "a"));
      await().until(() -> writer.pending() == 0); // the first write is under way, and hangs
      long start = System.nanoTime();
      for (int i = 0; i < 1000; i++) {
        writer.offer(report("prod", "a", "b" + i));
      }
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "offers return at once");
      assertEquals(1, writer.pending(), "latest wins: one report per namespace waits");
      release.countDown();
      await().until(() -> written.size() == 2);
      assertEquals(
          List.of("a", "b999"), written.get(1).pods().stream().map(PodEntry::pod).toList());
    }
  }

  @Test
  void aFailedWriteIsCountedAndRetried() {
    AtomicBoolean down = new AtomicBoolean(true);
    List<NamespaceReport> written = new CopyOnWriteArrayList<>();
    ReportSink flaky =
        r -> {
          if (down.get()) {
            throw new IllegalStateException("503 Service Unavailable");
          }
          written.add(r);
          return ReportSink.Outcome.APPLIED;
        };
    try (ReportWriter writer = new ReportWriter(flaky, 1000, Duration.ofMillis(50), registry)) {
      writer.offer(report("prod", "a"));
      await().until(() -> count("failed") >= 2);
      assertTrue(written.isEmpty());
      down.set(false);
      await().until(() -> written.size() == 1);
      assertEquals(1.0, count("applied"));
    }
  }

  @Test
  void writesAreSpacedByTheRateLimit() {
    List<Long> at = new CopyOnWriteArrayList<>();
    ReportSink timed =
        r -> {
          at.add(System.nanoTime());
          return ReportSink.Outcome.APPLIED;
        };
    try (ReportWriter writer = new ReportWriter(timed, 10, Duration.ofMillis(50), registry)) {
      for (String ns : List.of("a", "b", "c", "d")) {
        writer.offer(report(ns, "p"));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> at.size() == 4);
      assertTrue(
          at.get(3) - at.get(0) >= TimeUnit.MILLISECONDS.toNanos(290),
          "4 writes at 10/s take at least 0.3 s: " + (at.get(3) - at.get(0)) / 1_000_000 + " ms");
    }
  }
}
