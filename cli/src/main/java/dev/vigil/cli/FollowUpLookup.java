package dev.vigil.cli;

import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUpId;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The latest record of one follow-up key on {@code vigil.followups}. Streams writes follow-ups with
 * the default partitioner, so only the key's partition is read, backwards from its end in windows
 * of {@link #WINDOW} records, until a record of the key is found or the partition's start is
 * reached. A follow-up that changed recently is therefore found after one window, whatever the
 * retention.
 */
final class FollowUpLookup {

  /** Records read per step backwards. */
  static final int WINDOW = 2_000;

  private final Properties clientProperties;
  private final Duration timeout;

  FollowUpLookup(Properties clientProperties, Duration timeout) {
    this.clientProperties = clientProperties;
    this.timeout = timeout;
  }

  /** Kafka could not be read within the time allowed. */
  static final class LookupException extends Exception {
    private static final long serialVersionUID = 1L;

    LookupException(String message) {
      super(message);
    }
  }

  /** The latest follow-up record with the key of {@code id}, if there is one. */
  Optional<FollowUp> latest(FollowUpId id) throws LookupException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String topic = Topics.FOLLOWUPS.name();
    String key = id.key();
    Properties props = new Properties();
    props.putAll(clientProperties);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(WINDOW));
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "vigil-ack-check");
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> partitions;
      try {
        partitions = consumer.partitionsFor(topic, remaining(deadline));
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        throw new LookupException(
            "could not read " + topic + " within " + timeout.toSeconds() + " s");
      }
      if (partitions == null || partitions.isEmpty()) {
        throw new LookupException("topic " + topic + " does not exist (run `vigil topics create`)");
      }
      int p =
          BuiltInPartitioner.partitionForKey(
              key.getBytes(StandardCharsets.UTF_8), partitions.size());
      TopicPartition tp = new TopicPartition(topic, p);
      consumer.assign(List.of(tp));
      long start;
      long end;
      try {
        start = consumer.beginningOffsets(List.of(tp), remaining(deadline)).get(tp);
        end = consumer.endOffsets(List.of(tp), remaining(deadline)).get(tp);
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        throw new LookupException(
            "could not read " + topic + " within " + timeout.toSeconds() + " s");
      }
      for (long to = end; to > start; to -= WINDOW) {
        long from = Math.max(start, to - WINDOW);
        Optional<FollowUp> found = lastIn(consumer, tp, key, from, to, deadline);
        if (found.isPresent()) {
          return found;
        }
      }
      return Optional.empty();
    }
  }

  /** The last record of {@code key} at offsets {@code [from, to)}. */
  private Optional<FollowUp> lastIn(
      KafkaConsumer<String, byte[]> consumer,
      TopicPartition tp,
      String key,
      long from,
      long to,
      long deadline)
      throws LookupException {
    consumer.seek(tp, from);
    FollowUp last = null;
    long position = from;
    while (position < to) {
      if (System.nanoTime() > deadline) {
        throw new LookupException(
            "could not read "
                + tp
                + " up to offset "
                + to
                + " within "
                + timeout.toSeconds()
                + " s");
      }
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200)).records(tp)) {
        if (r.offset() >= to) {
          break;
        }
        if (key.equals(r.key()) && r.value() != null) {
          try {
            last = Json.read(r.value(), FollowUp.class);
          } catch (RuntimeException unreadable) {
            // Not a follow-up Vigil can read: the record before it decides.
          }
        }
      }
      position = consumer.position(tp, remaining(deadline));
    }
    return Optional.ofNullable(last);
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }
}
