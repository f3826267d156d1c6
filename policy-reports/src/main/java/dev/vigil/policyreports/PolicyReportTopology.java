package dev.vigil.policyreports;

import dev.vigil.schemas.JsonSerde;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.ViolationCategory;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The PolicyReport topology: every pod's latest verdict ({@code vigil.verdicts}), its open policy
 * violation ({@code vigil.violations} of category {@code policy}: severity, failing rules) and its
 * end ({@code vigil.pod-events}: deleted or finished) are re-keyed by {@code cluster/namespace}, so
 * one task holds a whole namespace; {@link NamespaceReportProcessor} keeps each pod's entry in a
 * store and hands the changed namespaces' reports to the writer every flush interval.
 */
public final class PolicyReportTopology {

  public static final String PODS_STORE = "policy-report-pods";
  public static final String DIRTY_STORE = "policy-report-dirty";
  static final String REPARTITION = "policy-report-by-namespace";

  private PolicyReportTopology() {}

  /** The topology; {@code reports} takes each changed namespace's report (it must not block). */
  public static Topology build(Duration flushInterval, Consumer<NamespaceReport> reports) {
    StreamsBuilder b = new StreamsBuilder();
    JsonSerde<PodChange> changes = new JsonSerde<>(PodChange.class);

    KStream<String, PodChange> verdicts =
        source(b, Topics.VERDICTS, "verdicts")
            .mapValues(PodChange::of, Named.as("policy-report-verdicts"));
    // Registry-hygiene findings share the topic but are no Binary Authorization result: left out.
    KStream<String, PodChange> violations =
        source(b, Topics.VIOLATIONS, "violations")
            .filter(
                (k, v) -> v.category() == ViolationCategory.POLICY,
                Named.as("policy-report-policy-violations"))
            .mapValues(PodChange::of, Named.as("policy-report-violations"));
    KStream<String, PodChange> gone =
        source(b, Topics.POD_EVENTS, "pod-events")
            .filter((k, e) -> e != null && ended(e), Named.as("policy-report-pods-ended"))
            .mapValues(
                e -> PodChange.gone(e.name(), e.uid(), e.observedAt()),
                Named.as("policy-report-gone"));

    StoreBuilder<KeyValueStore<String, PodEntry>> pods =
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(PODS_STORE),
            Serdes.String(),
            new JsonSerde<>(PodEntry.class));
    StoreBuilder<KeyValueStore<String, Long>> dirty =
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(DIRTY_STORE), Serdes.String(), Serdes.Long());
    b.addStateStore(pods);
    b.addStateStore(dirty);

    verdicts
        .merge(violations, Named.as("policy-report-merge-violations"))
        .merge(gone, Named.as("policy-report-merge-gone"))
        .filter((k, c) -> k != null && k.indexOf('/') > 0, Named.as("policy-report-keyed"))
        .selectKey((k, c) -> namespaceKey(k), Named.as("policy-report-namespace-key"))
        .repartition(
            Repartitioned.<String, PodChange>as(REPARTITION)
                .withKeySerde(Serdes.String())
                .withValueSerde(changes))
        .process(
            () -> new NamespaceReportProcessor(flushInterval, reports),
            Named.as("policy-report-namespaces"),
            PODS_STORE,
            DIRTY_STORE);
    return b.build();
  }

  private static <V> KStream<String, V> source(StreamsBuilder b, Topic<V> topic, String name) {
    return b.stream(
            topic.name(),
            Consumed.with(topic.keySerde(), topic.valueSerde())
                .withName("policy-report-" + name + "-source"))
        .filter((k, v) -> v != null, Named.as("policy-report-" + name + "-present"));
  }

  /** A pod that is deleted, or finished (Succeeded/Failed), runs no image: it leaves the report. */
  static boolean ended(PodEvent e) {
    return e.type() == PodEvent.Type.DELETED
        || "Succeeded".equals(e.phase())
        || "Failed".equals(e.phase());
  }

  /** {@code cluster/namespace} of a {@code cluster/namespace/name} key. */
  static String namespaceKey(String podKey) {
    return podKey.substring(0, podKey.lastIndexOf('/'));
  }
}
