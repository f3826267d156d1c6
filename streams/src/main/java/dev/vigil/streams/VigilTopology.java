package dev.vigil.streams;

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
    return build(settings, engine, metrics, new ChangeFeed());
  }

  static Topology build(StreamsSettings settings, ValidationEngine engine, VigilMetrics metrics, ChangeFeed feed) {
    StreamsBuilder builder = new StreamsBuilder();
    var signals = ContinuousValidationTopology.addTo(builder, settings, engine, metrics, feed);
    FollowUpTopology.addTo(builder, signals, settings, metrics);
    return builder.build(settings.streamsProperties());
  }
}
