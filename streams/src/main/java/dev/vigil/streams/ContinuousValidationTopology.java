package dev.vigil.streams;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.JsonSerde;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Continuous validation: global stores for policies, attestations and image metadata; the
 * per-partition validation processor over pod and admission events; verdicts, violation transitions
 * and dead letters out; follow-up signals re-keyed by workload for {@link FollowUpTopology}.
 */
public final class ContinuousValidationTopology {

  private ContinuousValidationTopology() {}

  /**
   * What continuous validation hands to the follow-ups: the signals, already re-partitioned by
   * follow-up key, and the admission events as read (for the bypass correlation).
   */
  public record Outputs(
      KStream<String, FollowUpSignal> signals, KStream<String, AdmissionEvent> admissions) {}

  /**
   * Adds continuous validation to {@code builder}; a pod record on another partition than {@code
   * kafka.pod-partitioning} gives it among {@code checkedPartitions} is counted (0: not checked).
   */
  public static Outputs addTo(
      StreamsBuilder builder,
      StreamsSettings settings,
      ValidationEngine engine,
      VigilMetrics metrics,
      FactsCache cache,
      int podPartitions,
      int checkedPartitions) {
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(StoreNames.POLICIES),
                Serdes.String(),
                Serdes.ByteArray())
            .withLoggingDisabled(),
        Topics.POLICIES_ACCEPTED.name(),
        consumed(Topics.POLICIES_ACCEPTED, "accepted-policies-source"),
        GlobalStoreProcessors.PolicyKeeper::new);
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.ATTESTATIONS),
                Serdes.String(),
                Serdes.ByteArray())
            .withLoggingDisabled(),
        Topics.ATTESTATIONS.name(),
        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("attestation-keeper"),
        () -> GlobalStoreProcessors.FactKeeper.attestations(cache));
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.IMAGE_METADATA),
                Serdes.String(),
                Serdes.ByteArray())
            .withLoggingDisabled(),
        Topics.IMAGE_METADATA.name(),
        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("image-metadata-keeper"),
        () -> GlobalStoreProcessors.FactKeeper.metadata(cache));

    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.PODS), Serdes.String(), new PodStateCodec()));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.TEMPLATES),
                Serdes.String(),
                new TemplateStateCodec())
            .withCachingEnabled());
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.TEMPLATE_PODS),
            Serdes.String(),
            Serdes.String()));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.TEMPLATES_BY_DIGEST),
            Serdes.String(),
            Serdes.String()));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.PENDING_ADMISSIONS),
            Serdes.String(),
            new JsonSerde<>(PendingAdmissions.class)));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.PROGRESS), Serdes.String(), Serdes.String()));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.HYGIENE_PODS),
            Serdes.String(),
            new HygieneStateCodec()));
    HygieneMetrics hygieneMetrics = new HygieneMetrics(metrics.registry());

    KStream<String, PodEvent> podEvents =
        builder.stream(Topics.POD_EVENTS.name(), consumed(Topics.POD_EVENTS, "pod-events-source"));
    KStream<String, AdmissionEvent> admissions =
        builder.stream(
            Topics.ADMISSION_EVENTS.name(),
            consumed(Topics.ADMISSION_EVENTS, "admission-events-source"));

    KStream<String, ValidationOutput> out =
        podEvents
            .mapValues(PodInput::of, Named.as("pod-event-as-input"))
            .merge(
                admissions.mapValues(PodInput::of, Named.as("admission-event-as-input")),
                Named.as("pod-inputs"))
            .process(
                () ->
                    new ContinuousValidationProcessor(
                        settings, engine, metrics, cache, hygieneMetrics, checkedPartitions),
                Named.as("continuous-validation"),
                StoreNames.PODS,
                StoreNames.TEMPLATES,
                StoreNames.TEMPLATE_PODS,
                StoreNames.TEMPLATES_BY_DIGEST,
                StoreNames.PENDING_ADMISSIONS,
                StoreNames.PROGRESS,
                StoreNames.HYGIENE_PODS);

    var branches =
        out.split(Named.as("validation-output-"))
            .branch(
                (k, v) -> v.verdict() != null,
                Branched.withConsumer(
                    s ->
                        s.mapValues(ValidationOutput::verdict, Named.as("verdict-value"))
                            .to(Topics.VERDICTS.name(), produced(Topics.VERDICTS, "verdicts-sink")),
                    "verdicts"))
            .branch(
                (k, v) -> v.violation() != null,
                Branched.withConsumer(
                    s ->
                        s.mapValues(ValidationOutput::violation, Named.as("violation-value"))
                            .to(
                                Topics.VIOLATIONS.name(),
                                produced(Topics.VIOLATIONS, "violations-sink")),
                    "violations"))
            .branch(
                (k, v) -> v.templateVerdict() != null,
                Branched.withConsumer(
                    s ->
                        s.mapValues(
                                ValidationOutput::templateVerdict,
                                Named.as("template-verdict-value"))
                            .to(
                                Topics.TEMPLATE_VERDICTS.name(),
                                produced(Topics.TEMPLATE_VERDICTS, "template-verdicts-sink")),
                    "template-verdicts"))
            .branch(
                (k, v) -> v.deadLetter() != null,
                Branched.withConsumer(
                    s ->
                        s.mapValues(ValidationOutput::deadLetter, Named.as("dead-letter-value"))
                            .to(
                                Topics.DEAD_LETTER.name(),
                                produced(Topics.DEAD_LETTER, "dead-letters-sink")),
                    "dead-letters"))
            // (no nodes yet: the hygiene topology, added last, reads it)
            .branch((k, v) -> v.workloadTags() != null, Branched.withFunction(s -> s, "tags"))
            .defaultBranch(Branched.withFunction(s -> s, "signals"));
    KStream<String, FollowUpSignal> signals =
        branches
            .get("validation-output-signals")
            .mapValues(ValidationOutput::signal, Named.as("signal-value"))
            .repartition(
                Repartitioned.with(Serdes.String(), new JsonSerde<>(FollowUpSignal.class))
                    .withName(StoreNames.FOLLOWUP_SIGNALS)
                    .withNumberOfPartitions(podPartitions));
    // Registry hygiene's per-workload rule, over the tags the pods run (the per-pod rules are
    // judged
    // by the processor above, ADR 0175). Added after the follow-up signals, so that the follow-up
    // sub-topology keeps its number.
    HygieneTopology.addTo(
        builder,
        branches
            .get("validation-output-tags")
            .mapValues(ValidationOutput::workloadTags, Named.as("hygiene-tags-value")),
        hygieneMetrics,
        podPartitions);
    return new Outputs(signals, admissions);
  }

  /**
   * The policy gate (its own sub-topology over the single partition of {@code vigil.policies}):
   * accepted revisions and withdrawals to {@code vigil.policies.accepted}, rejected ones to the
   * dead-letter topic. Added after the rest, so that the sub-topologies of earlier versions keep
   * their numbers (task ids, state directories).
   */
  static void addPolicyGate(StreamsBuilder builder, ValidationEngine engine, VigilMetrics metrics) {
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.POLICY_GATE),
            Serdes.String(),
            Topics.POLICIES.valueSerde()));
    builder.stream(
            Topics.POLICIES.name(),
            Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("policies-source"))
        .process(
            () -> new PolicyGate(engine.parser(), metrics),
            Named.as("policy-gate"),
            StoreNames.POLICY_GATE)
        .split(Named.as("policy-gate-"))
        .branch(
            (k, v) -> v instanceof PolicyGate.Rejected,
            Branched.withConsumer(
                s ->
                    s.mapValues(
                            v -> ((PolicyGate.Rejected) v).deadLetter(),
                            Named.as("rejected-policy-value"))
                        .to(
                            Topics.DEAD_LETTER.name(),
                            produced(Topics.DEAD_LETTER, "rejected-policies-sink")),
                "rejected"))
        .defaultBranch(
            Branched.withConsumer(
                s ->
                    s.mapValues(
                            v -> v instanceof PolicyGate.Accepted a ? a.document() : null,
                            Named.as("accepted-policy-value"))
                        .to(
                            Topics.POLICIES_ACCEPTED.name(),
                            produced(Topics.POLICIES_ACCEPTED, "accepted-policies-sink")),
                "accepted"));
  }

  /** How Vigil reads a catalogue topic, with a named source. */
  static <V> Consumed<String, V> consumed(Topic<V> topic, String name) {
    return Consumed.with(topic.keySerde(), topic.valueSerde()).withName(name);
  }

  /** How Vigil writes a catalogue topic, with a named sink. */
  static <V> Produced<String, V> produced(Topic<V> topic, String name) {
    return Produced.with(topic.keySerde(), topic.valueSerde()).withName(name);
  }
}
