package dev.vigil.schemas;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A Kafka topic Vigil writes or reads: its name, how records are keyed and what they hold, and how
 * the topic is created.
 *
 * @param schema the JSON Schema file under {@code schemas/} that describes the value
 * @param ceType the CloudEvents {@code type} of its records
 */
public record Topic<V>(
    String name,
    String keyDescription,
    Class<V> valueType,
    String schema,
    String ceType,
    int partitions,
    Cleanup cleanup,
    Duration retention) {

  /** The topic's cleanup policy. */
  public enum Cleanup {
    DELETE("delete"),
    COMPACT("compact");

    private final String kafkaName;

    Cleanup(String kafkaName) {
      this.kafkaName = kafkaName;
    }

    /** The value of Kafka's {@code cleanup.policy}. */
    public String kafkaName() {
      return kafkaName;
    }
  }

  public Topic {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(valueType, "valueType");
    Objects.requireNonNull(cleanup, "cleanup");
    if (partitions < 1) {
      throw new IllegalArgumentException(name + ": partitions must be at least 1");
    }
  }

  /** Keys are UTF-8 strings on every Vigil topic. */
  public Serde<String> keySerde() {
    return Serdes.String();
  }

  /** The JSON serde for the value. */
  public JsonSerde<V> valueSerde() {
    return new JsonSerde<>(valueType);
  }

  /** Topic-level settings for {@code AdminClient.createTopics}. */
  public Map<String, String> configs() {
    if (cleanup == Cleanup.COMPACT) {
      return Map.of(
          "cleanup.policy", cleanup.kafkaName(),
          "min.compaction.lag.ms", "0",
          "segment.ms", String.valueOf(Duration.ofHours(1).toMillis()));
    }
    return Map.of(
        "cleanup.policy", cleanup.kafkaName(),
        "retention.ms", String.valueOf(retention == null ? -1 : retention.toMillis()));
  }
}
