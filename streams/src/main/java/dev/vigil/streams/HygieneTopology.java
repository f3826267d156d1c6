package dev.vigil.streams;

import dev.vigil.schemas.JsonSerde;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Registry hygiene (ADR 0115): findings of category {@code hygiene} on {@code vigil.violations},
 * beside continuous validation and never changing its decisions. {@code hygiene-rules} judges each
 * pod event ({@code hygiene/image-by-tag}, {@code hygiene/pull-secret-for-artifact-registry}) in
 * the pod-events task; the pods' running tags go, re-keyed by workload through {@code
 * hygiene-workload-tags}, to {@code tag-moved} ({@code hygiene/tag-moved}) in a sub-topology of its
 * own.
 */
final class HygieneTopology {

  private HygieneTopology() {}

  /**
   * Adds the hygiene rules over {@code podEvents}, for pod topics of {@code podPartitions}
   * partitions.
   */
  static void addTo(
      StreamsBuilder builder,
      KStream<String, PodEvent> podEvents,
      StreamsSettings settings,
      VigilMetrics vigilMetrics,
      int podPartitions) {
    HygieneMetrics metrics = new HygieneMetrics(vigilMetrics.registry());
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.HYGIENE_PODS),
            Serdes.String(),
            new HygieneStateCodec()));
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

    var branches =
        podEvents
            .process(
                () -> new HygieneProcessor(settings, metrics),
                Named.as("hygiene-rules"),
                StoreNames.HYGIENE_PODS)
            .split(Named.as("hygiene-output-"))
            .branch(
                (k, v) -> v.violation() != null,
                Branched.withConsumer(
                    s ->
                        s.mapValues(HygieneOutput::violation, Named.as("hygiene-violation-value"))
                            .to(
                                Topics.VIOLATIONS.name(),
                                ContinuousValidationTopology.produced(
                                    Topics.VIOLATIONS, "hygiene-violations-sink")),
                    "violations"))
            .defaultBranch(Branched.withFunction(s -> s, "tags"));
    branches
        .get("hygiene-output-tags")
        .mapValues(HygieneOutput::tags, Named.as("hygiene-tags-value"))
        .repartition(
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
