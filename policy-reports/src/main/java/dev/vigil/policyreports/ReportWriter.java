package dev.vigil.policyreports;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes namespace reports on its own thread, so a slow or failing API server never holds up the
 * stream: {@link #offer} never blocks, and the queue keeps only the latest report per namespace
 * (bounded by the number of namespaces). Writes are spaced to at most {@code writesPerSecond}; a
 * failed write is counted, logged and retried after {@code retryBackoff} unless a newer report of
 * the namespace has come meanwhile.
 */
public final class ReportWriter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReportWriter.class);

  private final ReportSink sink;
  private final long gapNanos;
  private final long retryNanos;
  private final Map<String, NamespaceReport> pending = new LinkedHashMap<>();
  private final Map<String, Long> retryAt = new LinkedHashMap<>();
  private final Map<ReportSink.Outcome, Counter> written = new EnumMap<>(ReportSink.Outcome.class);
  private final Counter failed;
  private final Thread thread;
  private volatile boolean closed;

  public ReportWriter(
      ReportSink sink, double writesPerSecond, Duration retryBackoff, MeterRegistry registry) {
    if (!(writesPerSecond > 0)) {
      throw new IllegalArgumentException(
          "writes per second must be positive, was " + writesPerSecond);
    }
    this.sink = sink;
    this.gapNanos = (long) (1_000_000_000L / writesPerSecond);
    this.retryNanos = retryBackoff.toNanos();
    for (ReportSink.Outcome o : ReportSink.Outcome.values()) {
      written.put(
          o,
          Counter.builder("vigil.policy.reports.writes")
              .description("PolicyReport writes to the API servers, by outcome")
              .tag("outcome", o.name().toLowerCase(java.util.Locale.ROOT))
              .register(registry));
    }
    failed =
        Counter.builder("vigil.policy.reports.writes")
            .description("PolicyReport writes to the API servers, by outcome")
            .tag("outcome", "failed")
            .register(registry);
    Gauge.builder("vigil.policy.reports.pending", this, ReportWriter::pending)
        .description("namespace reports waiting to be written")
        .register(registry);
    thread = new Thread(this::run, "vigil-policy-report-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues {@code report}, replacing any older report of its namespace not yet written. */
  public void offer(NamespaceReport report) {
    synchronized (pending) {
      pending.remove(report.key());
      retryAt.remove(report.key());
      pending.put(report.key(), report);
      pending.notifyAll();
    }
  }

  /** Namespace reports waiting to be written. */
  public int pending() {
    synchronized (pending) {
      return pending.size();
    }
  }

  private void run() {
    long next = System.nanoTime();
    while (!closed) {
      NamespaceReport report;
      try {
        report = take();
        long wait = next - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
      } catch (InterruptedException e) {
        return;
      }
      if (report == null) {
        continue;
      }
      next = System.nanoTime() + gapNanos;
      try {
        written.get(sink.write(report)).increment();
      } catch (RuntimeException e) {
        failed.increment();
        LOG.warn(
            "could not write the PolicyReport of {}: {}; retrying in {} s",
            report.key(),
            e.getMessage(),
            retryNanos / 1_000_000_000L);
        synchronized (pending) {
          if (!pending.containsKey(report.key())) {
            pending.put(report.key(), report);
            retryAt.put(report.key(), System.nanoTime() + retryNanos);
          }
        }
      }
    }
  }

  /** The oldest queued report that is due, waiting for one; {@code null} to look again. */
  private NamespaceReport take() throws InterruptedException {
    synchronized (pending) {
      while (pending.isEmpty() && !closed) {
        pending.wait();
      }
      long now = System.nanoTime();
      long soonest = Long.MAX_VALUE;
      for (Iterator<Map.Entry<String, NamespaceReport>> it = pending.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<String, NamespaceReport> e = it.next();
        Long due = retryAt.get(e.getKey());
        if (due == null || due - now <= 0) {
          it.remove();
          retryAt.remove(e.getKey());
          return e.getValue();
        }
        soonest = Math.min(soonest, due - now);
      }
      if (soonest != Long.MAX_VALUE) {
        pending.wait(Math.max(1, soonest / 1_000_000));
      }
      return null;
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (pending) {
      pending.notifyAll();
    }
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
