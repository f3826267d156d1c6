package dev.vigil.policyreports;

import dev.vigil.schemas.settings.RunningMarker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
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
  private final Properties streamsProperties;
  private volatile boolean closing;

  private PolicyReportsApp(ReportWriter writer, KafkaStreams streams, Properties props) {
    this.writer = writer;
    this.streams = streams;
    this.streamsProperties = props;
  }

  /**
   * Starts the application; {@code sink} writes the reports, {@code clientProperties} are Kafka
   * security settings. Local state left by a run that did not close cleanly is wiped first and
   * restored from the changelog ({@link RunningMarker}, ADR 0120).
   */
  public static PolicyReportsApp start(
      PolicyReportSettings settings,
      ReportSink sink,
      MeterRegistry registry,
      Map<String, String> clientProperties) {
    ReportWriter writer =
        new ReportWriter(sink, settings.writesPerSecond(), settings.retryBackoff(), registry);
    Properties props = settings.streamsProperties(clientProperties);
    KafkaStreams streams =
        new KafkaStreams(
            PolicyReportTopology.build(settings.flushInterval(), writer::offer), props);
    streams.setUncaughtExceptionHandler(
        e -> {
          LOG.error("policy-report stream thread failed; replacing it", e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    RunningMarker.markInUse(props, streams::cleanUp);
    streams.start();
    return new PolicyReportsApp(writer, streams, props);
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
    if (streams.close(Duration.ofSeconds(30))
        && streams.state() == KafkaStreams.State.NOT_RUNNING) {
      RunningMarker.unmark(streamsProperties);
    }
    writer.close();
  }
}
