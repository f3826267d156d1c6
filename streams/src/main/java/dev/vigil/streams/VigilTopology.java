package dev.vigil.streams;

import dev.vigil.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;

/**
 * Vigil's whole Kafka Streams topology: {@link ContinuousValidationTopology} feeding {@link
 * FollowUpTopology}. {@link VigilStreamsApp} and the tests both build it here.
 */
public final class VigilTopology {

  private VigilTopology() {}

  /** The topology with the real validator. */
  public static Topology build(StreamsSettings settings, VigilMetrics metrics) {
    return build(settings, ValidationEngine.standard(), metrics);
  }

  /** The topology with the real validator and metrics in {@code registry}. */
  public static Topology build(StreamsSettings settings, MeterRegistry registry) {
    return build(settings, ValidationEngine.standard(), new VigilMetrics(registry, Clock.systemUTC()));
  }

  /** The topology with a given validation engine (tests may supply their own). */
  public static Topology build(StreamsSettings settings, ValidationEngine engine, VigilMetrics metrics) {
    return build(settings, engine, metrics, Topics.POD_PARTITIONS);
  }

  /**
   * The topology for pod topics of {@code podPartitions} partitions (the internal topics read with
   * them are created with as many; {@link CoPartitioning}).
   */
  public static Topology build(StreamsSettings settings, ValidationEngine engine, VigilMetrics metrics,
      int podPartitions) {
    StreamsBuilder builder = new StreamsBuilder();
    var signals = ContinuousValidationTopology.addTo(builder, settings, engine, metrics, new FactsCache(),
        podPartitions);
    FollowUpTopology.addTo(builder, signals, settings, metrics);
    ContinuousValidationTopology.addPolicyGate(builder, engine, metrics);
    return builder.build(settings.streamsProperties());
  }
}
