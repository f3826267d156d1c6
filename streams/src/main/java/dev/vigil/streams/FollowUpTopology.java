package dev.vigil.streams;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.JsonSerde;
import dev.vigil.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Follow-ups for fail-open, breakglass and dry-run admissions: the signals from continuous
 * validation, people's acknowledgements ({@code vigil.followup-acks}, keyed by follow-up key) and
 * the evidence of the bypass correlation ({@link BypassCorrelator}: denied, then fail-open
 * admissions) drive the lifecycle; every change goes to {@code vigil.followups}.
 */
public final class FollowUpTopology {

  private FollowUpTopology() {}

  /**
   * Adds the follow-up lifecycle to {@code builder}, fed by {@code signals}, and the bypass
   * correlation, fed by {@code admissions}; the internal topics have {@code podPartitions}
   * partitions (the acknowledgements are read with them).
   */
  public static void addTo(
      StreamsBuilder builder,
      KStream<String, FollowUpSignal> signals,
      KStream<String, AdmissionEvent> admissions,
      StreamsSettings settings,
      VigilMetrics metrics,
      int podPartitions) {
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.FOLLOWUPS),
            Serdes.String(),
            new JsonSerde<>(FollowUpState.class)));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.FOLLOWUP_EVIDENCE_WAITING),
            Serdes.String(),
            new JsonSerde<>(BypassEvidence.class)));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.FOLLOWUP_ACK_EXPIRY),
            Serdes.String(),
            Serdes.String()));
    // In memory (ADR 0120): a persistent window store that a partition never wrote to has a
    // directory and no checkpoint, so under exactly-once every reassignment found it "corrupted",
    // closed the task dirty and so aborted the transaction that the thread's other tasks shared.
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StoreNames.BYPASS_ADMISSIONS),
            Serdes.String(),
            Serdes.ByteArray()));
    KStream<String, FollowUpAck> acks =
        builder.stream(
            Topics.FOLLOWUP_ACKS.name(),
            ContinuousValidationTopology.consumed(Topics.FOLLOWUP_ACKS, "followup-acks-source"));
    KStream<String, BypassEvidence> evidence =
        admissions
            .filter((k, a) -> BypassCorrelator.correlated(a), Named.as("bypass-candidates"))
            .flatMap((k, a) -> BypassCorrelator.subjects(a), Named.as("bypass-subjects"))
            .repartition(
                Repartitioned.with(Serdes.String(), Topics.ADMISSION_EVENTS.valueSerde())
                    .withName(StoreNames.BYPASS_CORRELATION)
                    .withNumberOfPartitions(podPartitions))
            .process(
                () -> new BypassCorrelator(settings),
                Named.as("bypass-correlation"),
                StoreNames.BYPASS_ADMISSIONS)
            .repartition(
                Repartitioned.with(Serdes.String(), new JsonSerde<>(BypassEvidence.class))
                    .withName(StoreNames.FOLLOWUP_EVIDENCE)
                    .withNumberOfPartitions(podPartitions));
    signals
        .mapValues(FollowUpInput::of, Named.as("signal-as-input"))
        .merge(
            acks.mapValues(FollowUpInput::of, Named.as("ack-as-input")),
            Named.as("followup-inputs"))
        .merge(
            evidence.mapValues(FollowUpInput::of, Named.as("evidence-as-input")),
            Named.as("followup-all-inputs"))
        .process(
            () -> new FollowUpProcessor(settings, metrics),
            Named.as("followup-lifecycle"),
            StoreNames.FOLLOWUPS,
            StoreNames.FOLLOWUP_EVIDENCE_WAITING,
            StoreNames.FOLLOWUP_ACK_EXPIRY)
        .to(
            Topics.FOLLOWUPS.name(),
            ContinuousValidationTopology.produced(Topics.FOLLOWUPS, "followups-sink"));
  }
}
