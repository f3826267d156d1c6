package dev.vigil.streams;

import dev.vigil.schemas.JsonSerde;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serde of {@code pods-store}: JSON, but a value that no longer reads (written by a version
 * that is gone, or damaged) reads as null instead of throwing. In a store a null value never
 * exists otherwise, so the scans recognise it, dead-letter the pod and move on, and a pod event for
 * it starts the pod afresh, instead of a punctuator that throws on it forever.
 */
final class PodStateSerde implements Serde<PodState> {

  private final JsonSerde<PodState> json = new JsonSerde<>(PodState.class);

  @Override
  public Serializer<PodState> serializer() {
    return json.serializer();
  }

  @Override
  public Deserializer<PodState> deserializer() {
    Deserializer<PodState> strict = json.deserializer();
    return (topic, data) -> {
      try {
        return strict.deserialize(topic, data);
      } catch (RuntimeException e) {
        return null;
      }
    };
  }
}
