package dev.vigil.ingest.feeds;

import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.schemas.CloudEvents;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads what a compacted topic holds now: every live key (its latest record is not a tombstone) and
 * the {@value Outgoing#ORIGIN_HEADER} header of that record, so a restarted feed knows what each of
 * its files contributed and a person can see where a fact came from.
 */
public final class TopicIndex {

  private TopicIndex() {}

  /**
   * Live key → origin of its latest record ({@code null} when the record has no origin header).
   *
   * @throws IllegalStateException when the topic cannot be read to its end within {@code timeout}
   */
  public static Map<String, String> liveKeys(
      String bootstrapServers, Map<String, ?> clientProperties, String topic, Duration timeout) {
    Map<String, String> live = new HashMap<>();
    readToEnd(
        bootstrapServers,
        clientProperties,
        topic,
        timeout,
        r -> {
          if (r.key() == null) {
            return;
          }
          if (r.value() == null) {
            live.remove(r.key());
          } else {
            live.put(r.key(), CloudEvents.get(r.headers(), Outgoing.ORIGIN_HEADER));
          }
        });
    return live;
  }

  /**
   * Hands every record of {@code topic}, from the beginning to the end it had when called, to
   * {@code each}.
   */
  static void readToEnd(
      String bootstrapServers,
      Map<String, ?> clientProperties,
      String topic,
      Duration timeout,
      Consumer<ConsumerRecord<String, byte[]>> each) {
    Map<String, Object> p = new HashMap<>(clientProperties);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          consumer.partitionsFor(topic, timeout).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read " + topic + " to its end within " + timeout);
        }
        consumer.poll(Duration.ofMillis(200)).forEach(each);
      }
    }
  }
}
