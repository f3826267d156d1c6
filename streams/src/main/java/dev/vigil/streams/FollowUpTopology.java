package dev.vigil.streams;

import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.JsonSerde;
import dev.vigil.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.state.Stores;

/**
 * Follow-ups for fail-open, breakglass and dry-run admissions: the signals from continuous
 * validation and people's acknowledgements ({@code vigil.followup-acks}, keyed by follow-up key)
 * drive the lifecycle; every change goes to {@code vigil.followups}.
 */
public final class FollowUpTopology {

  private FollowUpTopology() {}

  /** Adds the follow-up lifecycle to {@code builder}, fed by {@code signals}. */
  public static void addTo(StreamsBuilder builder, KStream<String, FollowUpSignal> signals,
      StreamsSettings settings, VigilMetrics metrics) {
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(StoreNames.FOLLOWUPS), Serdes.String(),
        new JsonSerde<>(FollowUpState.class)));
    KStream<String, FollowUpAck> acks = builder.stream(Topics.FOLLOWUP_ACKS.name(),
        ContinuousValidationTopology.consumed(Topics.FOLLOWUP_ACKS, "followup-acks-source"));
    signals
        .mapValues(FollowUpInput::of, Named.as("signal-as-input"))
        .merge(acks.mapValues(FollowUpInput::of, Named.as("ack-as-input")), Named.as("followup-inputs"))
        .process(() -> new FollowUpProcessor(settings, metrics), Named.as("followup-lifecycle"),
            StoreNames.FOLLOWUPS)
        .to(Topics.FOLLOWUPS.name(),
            ContinuousValidationTopology.produced(Topics.FOLLOWUPS, "followups-sink"));
  }
}
