package dev.vigil.streams;

import dev.vigil.schemas.JsonSerde;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * JSON for a state store whose values a processor can do without: a value that no longer reads
 * (written by a version that is gone, or damaged) reads as {@code null}, so the key starts afresh
 * at its next record instead of failing every record of it for good. The hygiene stores, {@code
 * templates-store} and the JSON states {@link PodStateCodec} still reads use it.
 */
class ForgivingJsonSerde<T> implements Serde<T> {

  private final JsonSerde<T> json;

  ForgivingJsonSerde(Class<T> type) {
    this.json = new JsonSerde<>(type);
  }

  @Override
  public Serializer<T> serializer() {
    return json.serializer();
  }

  @Override
  public Deserializer<T> deserializer() {
    Deserializer<T> strict = json.deserializer();
    return (topic, data) -> {
      try {
        return strict.deserialize(topic, data);
      } catch (RuntimeException e) {
        return null;
      }
    };
  }
}
