package dev.vigil.ingest.feeds;

import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads what the compacted policies topic already holds, so a restarted publisher continues its versions. */
public final class PolicyTopic {

  private PolicyTopic() {}

  /**
   * The document with the highest version published under {@code key} ({@code KIND/scope/name}),
   * or {@code null} when none. Reads the topic from the beginning to its current end.
   */
  public static PolicyDocument latest(String bootstrapServers, Map<String, ?> clientProperties, String key, Duration timeout) {
    Map<String, Object> p = new HashMap<>(clientProperties);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    PolicyDocument last = null;
    try (KafkaConsumer<String, PolicyDocument> consumer = new KafkaConsumer<>(p,
        Topics.POLICIES.keySerde().deserializer(), Topics.POLICIES.valueSerde().deserializer())) {
      List<TopicPartition> parts = consumer.partitionsFor(Topics.POLICIES.name(), timeout).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + Topics.POLICIES.name() + " to its end within " + timeout);
        }
        for (ConsumerRecord<String, PolicyDocument> r : consumer.poll(Duration.ofMillis(200))) {
          if (key.equals(r.key()) && r.value() != null && (last == null || r.value().version() > last.version())) {
            last = r.value();
          }
        }
      }
    }
    return last;
  }
}
