package dev.vigil.policyreports;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running PolicyReport writer: its own Kafka Streams application (so judging never waits for it)
 * and the writer thread that talks to the API servers. {@code vigil policy-reports} and {@code
 * vigil run --policy-reports} start it here.
 */
public final class PolicyReportsApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyReportsApp.class);

  private final ReportWriter writer;
  private final KafkaStreams streams;
  private volatile boolean closing;

  private PolicyReportsApp(ReportWriter writer, KafkaStreams streams) {
    this.writer = writer;
    this.streams = streams;
  }

  /**
   * Starts the application; {@code sink} writes the reports, {@code clientProperties} are Kafka
   * security settings.
   */
  public static PolicyReportsApp start(
      PolicyReportSettings settings,
      ReportSink sink,
      MeterRegistry registry,
      Map<String, String> clientProperties) {
    ReportWriter writer =
        new ReportWriter(sink, settings.writesPerSecond(), settings.retryBackoff(), registry);
    KafkaStreams streams =
        new KafkaStreams(
            PolicyReportTopology.build(settings.flushInterval(), writer::offer),
            settings.streamsProperties(clientProperties));
    streams.setUncaughtExceptionHandler(
        e -> {
          LOG.error("policy-report stream thread failed; replacing it", e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    streams.start();
    return new PolicyReportsApp(writer, streams);
  }

  /** The Kafka Streams state (RUNNING once the stores are restored). */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /**
   * Empty while the application works or may still work; else why it stopped for good (a failed
   * thread it could not replace, or stopped without {@link #close}): reports are no longer updated.
   */
  public Map<String, String> unhealthy() {
    return unhealthy(streams.state(), closing);
  }

  static Map<String, String> unhealthy(KafkaStreams.State state, boolean closing) {
    if (closing) {
      return Map.of();
    }
    switch (state) {
      case ERROR:
      case PENDING_ERROR:
      case NOT_RUNNING:
      case PENDING_SHUTDOWN:
        return Map.of(
            "policy-reports",
            state
                + ": the PolicyReport writer's Kafka Streams stopped (see the log); "
                + "PolicyReports are no longer updated");
      default:
        return Map.of();
    }
  }

  @Override
  public void close() {
    closing = true;
    streams.close(Duration.ofSeconds(30));
    writer.close();
  }
}
