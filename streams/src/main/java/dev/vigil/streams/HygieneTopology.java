package dev.vigil.streams;

import dev.vigil.schemas.JsonSerde;
import dev.vigil.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Registry hygiene (ADR 0115): findings of category {@code hygiene} on {@code vigil.violations},
 * beside continuous validation and never changing its decisions. The validation processor judges
 * the per-pod rules ({@code hygiene/image-by-tag}, {@code
 * hygiene/pull-secret-for-artifact-registry}, {@link HygieneLifecycle}) for each pod event it takes
 * (ADR 0175); the tags each pod runs go, re-keyed by workload through {@code
 * hygiene-workload-tags}, to {@code tag-moved} ({@code hygiene/tag-moved}) in a sub-topology of its
 * own, added here.
 */
final class HygieneTopology {

  private HygieneTopology() {}

  /**
   * Adds {@code hygiene/tag-moved} over {@code tags} (the pods' running tags, keyed by workload),
   * for pod topics of {@code podPartitions} partitions.
   */
  static void addTo(
      StreamsBuilder builder,
      KStream<String, HygieneOutput.WorkloadTags> tags,
      HygieneMetrics metrics,
      int podPartitions) {
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.HYGIENE_WORKLOAD_PODS),
            Serdes.String(),
            new ForgivingJsonSerde<>(TagMovedProcessor.WorkloadPod.class)));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.HYGIENE_TAG_DIGESTS),
            Serdes.String(),
            new ForgivingJsonSerde<>(TagMovedProcessor.TagDigests.class)));
    tags.repartition(
            Repartitioned.with(Serdes.String(), new JsonSerde<>(HygieneOutput.WorkloadTags.class))
                .withName(StoreNames.HYGIENE_WORKLOAD_TAGS)
                .withNumberOfPartitions(podPartitions))
        .process(
            () -> new TagMovedProcessor(metrics),
            Named.as("tag-moved"),
            StoreNames.HYGIENE_WORKLOAD_PODS,
            StoreNames.HYGIENE_TAG_DIGESTS)
        .to(
            Topics.VIOLATIONS.name(),
            ContinuousValidationTopology.produced(Topics.VIOLATIONS, "tag-moved-violations-sink"));
  }
}
