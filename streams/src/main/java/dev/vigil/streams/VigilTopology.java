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
    return build(
        settings, ValidationEngine.standard(), new VigilMetrics(registry, Clock.systemUTC()));
  }

  /**
   * Both applications in one topology, the policy gate last: what {@code TopologyTestDriver} runs
   * and {@code docs/streams-topology.md} pins. {@link VigilStreamsApp} runs them as two
   * applications, {@link #policyGate} first (ADR 0010).
   */
  public static Topology build(
      StreamsSettings settings, ValidationEngine engine, VigilMetrics metrics) {
    StreamsBuilder builder = new StreamsBuilder();
    // TopologyTestDriver puts every record on partition 0: no partition check (ADR 0160).
    addValidation(builder, settings, engine, metrics, Topics.POD_PARTITIONS, 0);
    ContinuousValidationTopology.addPolicyGate(builder, engine, metrics);
    return builder.build(settings.streamsProperties());
  }

  /**
   * The main application: continuous validation and follow-ups, for pod topics of {@code
   * podPartitions} partitions (the internal topics read with them are created with as many; {@link
   * CoPartitioning}). Its global policy store reads what {@link #policyGate} accepted.
   */
  public static Topology validation(
      StreamsSettings settings, ValidationEngine engine, VigilMetrics metrics, int podPartitions) {
    StreamsBuilder builder = new StreamsBuilder();
    addValidation(builder, settings, engine, metrics, podPartitions, podPartitions);
    return builder.build(settings.streamsProperties());
  }

  /** The policy gate application ({@code vigil.policies} → {@code vigil.policies.accepted}). */
  public static Topology policyGate(
      StreamsSettings settings, ValidationEngine engine, VigilMetrics metrics) {
    StreamsBuilder builder = new StreamsBuilder();
    ContinuousValidationTopology.addPolicyGate(builder, engine, metrics);
    return builder.build(settings.policyGateProperties());
  }

  private static void addValidation(
      StreamsBuilder builder,
      StreamsSettings settings,
      ValidationEngine engine,
      VigilMetrics metrics,
      int podPartitions,
      int checkedPartitions) {
    var validation =
        ContinuousValidationTopology.addTo(
            builder, settings, engine, metrics, new FactsCache(), podPartitions, checkedPartitions);
    FollowUpTopology.addTo(
        builder, validation.signals(), validation.admissions(), settings, metrics, podPartitions);
  }
}
