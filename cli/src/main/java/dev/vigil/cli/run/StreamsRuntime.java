package dev.vigil.cli.run;

import dev.vigil.streams.StreamsSettings;
import dev.vigil.streams.VigilStreamsApp;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The running Kafka Streams side: continuous validation, violations and follow-ups. */
public final class StreamsRuntime implements AutoCloseable {

  private final VigilStreamsApp app;
  private final KafkaStreamsMetrics kafkaMetrics;
  private volatile boolean closing;

  private StreamsRuntime(VigilStreamsApp app, KafkaStreamsMetrics kafkaMetrics) {
    this.app = app;
    this.kafkaMetrics = kafkaMetrics;
  }

  /**
   * Starts one instance with the declared defaults but for {@code overrides} (text by key, e.g.
   * {@code streams.correlation-skew} → {@code 30s}); metrics go to {@code registry}.
   */
  public static StreamsRuntime start(
      KafkaAccess kafka, Path stateDir, Map<String, String> overrides, MeterRegistry registry) {
    return start(
        kafka, StreamsSettings.fromMap(overrides, kafka.bootstrapServers(), stateDir), registry);
  }

  /** Starts one instance; Kafka Streams and client metrics go to {@code registry}. */
  public static StreamsRuntime start(
      KafkaAccess kafka, StreamsSettings settings, MeterRegistry registry) {
    VigilStreamsApp app =
        VigilStreamsApp.start(
            settings,
            dev.vigil.streams.ValidationEngine.standard(),
            registry,
            kafka.clientProperties());
    KafkaStreamsMetrics kafkaMetrics = new KafkaStreamsMetrics(app.kafkaStreams());
    kafkaMetrics.bindTo(registry);
    return new StreamsRuntime(app, kafkaMetrics);
  }

  /** Waits until the instance runs. */
  public StreamsRuntime awaitRunning(Duration timeout) throws Exception {
    app.awaitRunning(timeout);
    return this;
  }

  /** Empty when running; else why not. */
  public Map<String, String> notReady() {
    return StreamsHealth.notReady(app.kafkaStreams());
  }

  /**
   * Empty while the instance works or may still work; else why it stopped for good. Both
   * applications count: with the policy gate stopped, validation would go on under a policy that no
   * edit can change any more, so a restart is due as surely as when validation stops.
   */
  public Map<String, String> unhealthy() {
    if (closing) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>(StreamsHealth.unhealthy(app.kafkaStreams()));
    out.putAll(
        StreamsHealth.unhealthy(
            "policy-gate", app.policyGate(), "policy edits are no longer accepted or rejected"));
    return out;
  }

  public VigilStreamsApp app() {
    return app;
  }

  @Override
  public void close() {
    closing = true;
    kafkaMetrics.close();
    app.close();
  }
}
