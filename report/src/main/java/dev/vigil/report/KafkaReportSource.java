package dev.vigil.report;

import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.UnreadableMessageException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the admission-event, violation and follow-up topics for a report's period into a {@link
 * ReportBuilder}, with one consumer that is assigned every partition (no consumer group, nothing
 * committed, {@code read_committed}).
 *
 * <p>Each partition is read from the first offset whose timestamp is at or after the start of what
 * the report needs ({@code offsetsForTimes}): the period's start for admission events, the period's
 * start minus the lookback for violations and follow-ups, both less {@link #TIMESTAMP_SLACK}
 * because a record's Kafka timestamp may be a little earlier than the event time it carries. It
 * stops at the end offsets taken when the read began, so records written meanwhile are not read.
 * Whether a record belongs to the period is decided by the time in the record (its event time), not
 * by its Kafka timestamp. Heartbeats ({@code vigil.heartbeats}, when the topic exists) are read
 * from {@link #HEARTBEAT_LOOKBACK} before the period.
 */
public final class KafkaReportSource {

  /** Kafka timestamps may precede the event time inside a record by this much. */
  public static final Duration TIMESTAMP_SLACK = Duration.ofMinutes(15);

  /**
   * Heartbeats are read from this long before the period, so that the last one before it tells
   * whether Vigil was running when the period began.
   */
  static final Duration HEARTBEAT_LOOKBACK = Duration.ofHours(1);

  private static final Duration POLL = Duration.ofMillis(200);

  /** The revisions the streams policy gate accepted, where that gate runs. */
  static final String ACCEPTED_POLICIES = Topics.POLICIES_ACCEPTED.name();

  private final Properties clientProperties;
  private final Duration timeout;

  /**
   * @param clientProperties Kafka client settings; at least {@code bootstrap.servers}
   * @param timeout how long Kafka may take to answer, and how long a read may make no progress,
   *     before the topics count as unreadable
   */
  public KafkaReportSource(Properties clientProperties, Duration timeout) {
    this.clientProperties = Objects.requireNonNull(clientProperties, "clientProperties");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /** Reads every record the report needs into {@code builder}. */
  public void readInto(ReportBuilder builder, Progress progress) throws TopicsUnreadableException {
    ReportSettings s = builder.settings();
    Map<String, Instant> startAt = new HashMap<>();
    startAt.put(Topics.ADMISSION_EVENTS.name(), s.from().minus(TIMESTAMP_SLACK));
    Instant history = s.from().minus(s.lookback()).minus(TIMESTAMP_SLACK);
    startAt.put(Topics.VIOLATIONS.name(), history);
    startAt.put(Topics.FOLLOWUPS.name(), history);

    // Read when they exist. The policy topics are compacted: read whole, they hold the last
    // revision of each policy and whatever compaction has not yet removed.
    Map<String, Instant> optional =
        Map.of(
            Topics.DEAD_LETTER.name(),
            s.from().minus(TIMESTAMP_SLACK),
            Topics.HEARTBEATS.name(),
            s.from().minus(HEARTBEAT_LOOKBACK),
            Topics.POLICIES.name(),
            Instant.EPOCH,
            ACCEPTED_POLICIES,
            Instant.EPOCH);

    Map<String, Consumer<byte[]>> handlers =
        Map.of(
            Topics.ADMISSION_EVENTS.name(),
            bytes -> builder.admission(read(bytes, Topics.ADMISSION_EVENTS)),
            Topics.VIOLATIONS.name(),
            bytes -> builder.violation(read(bytes, Topics.VIOLATIONS)),
            Topics.FOLLOWUPS.name(),
            bytes -> builder.followUp(read(bytes, Topics.FOLLOWUPS)),
            Topics.DEAD_LETTER.name(),
            bytes -> builder.deadLetter(read(bytes, Topics.DEAD_LETTER)),
            Topics.HEARTBEATS.name(),
            bytes -> builder.heartbeat(read(bytes, Topics.HEARTBEATS)),
            Topics.POLICIES.name(),
            bytes -> builder.policy(read(bytes, Topics.POLICIES)),
            ACCEPTED_POLICIES,
            bytes -> builder.policy(read(bytes, Topics.POLICIES_ACCEPTED)));

    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties())) {
      Map<TopicPartition, Long> start = new HashMap<>();
      Map<TopicPartition, Long> end = new HashMap<>();
      plan(consumer, startAt, optional, start, end);
      start.forEach((tp, from) -> builder.offsets(tp.topic(), tp.partition(), from, end.get(tp)));
      if (start.keySet().stream().anyMatch(tp -> tp.topic().equals(Topics.HEARTBEATS.name()))) {
        builder.heartbeatsRead(); // a period without any heartbeat is then a gap, not unknown
      }

      long total = 0;
      for (TopicPartition tp : start.keySet()) {
        total += Math.max(0, end.get(tp) - start.get(tp));
      }
      Set<TopicPartition> active = new HashSet<>();
      for (TopicPartition tp : start.keySet()) {
        if (start.get(tp) < end.get(tp)) {
          active.add(tp);
        }
      }
      consumer.assign(active);
      for (TopicPartition tp : active) {
        consumer.seek(tp, start.get(tp));
      }

      Map<TopicPartition, Long> position = new HashMap<>(start);
      long read = 0;
      long lastProgress = System.nanoTime();
      progress.update(0, total);
      while (!active.isEmpty()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        for (ConsumerRecord<byte[], byte[]> r : records) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (!active.contains(tp) || r.offset() >= end.get(tp)) {
            continue;
          }
          if (r.value() != null) {
            try {
              handlers.get(r.topic()).accept(r.value());
            } catch (UnreadableMessageException e) {
              builder.unreadable();
            }
          }
        }
        boolean moved = false;
        List<TopicPartition> finished = new ArrayList<>();
        for (TopicPartition tp : active) {
          long p = consumer.position(tp, timeout);
          if (p != position.get(tp)) {
            read += Math.min(p, end.get(tp)) - position.get(tp);
            position.put(tp, Math.min(p, end.get(tp)));
            moved = true;
          }
          if (p >= end.get(tp)) {
            finished.add(tp);
          }
        }
        if (!finished.isEmpty()) {
          finished.forEach(active::remove);
          consumer.assign(active);
        }
        if (moved) {
          lastProgress = System.nanoTime();
          progress.update(read, total);
        } else if (System.nanoTime() - lastProgress > timeout.toNanos()) {
          throw new TopicsUnreadableException(
              "no records could be read for "
                  + timeout.toSeconds()
                  + " s from "
                  + bootstrap()
                  + " (still to read: "
                  + active
                  + ")",
              null);
        }
      }
      progress.update(total, total);
    } catch (TimeoutException e) {
      throw new TopicsUnreadableException(
          "Kafka at " + bootstrap() + " did not answer within " + timeout.toSeconds() + " s", e);
    } catch (KafkaException e) {
      throw new TopicsUnreadableException(
          "cannot read from Kafka at " + bootstrap() + ": " + e.getMessage(), e);
    }
  }

  /** Finds the partitions of the three topics and the offsets to read each from and to. */
  private void plan(
      KafkaConsumer<byte[], byte[]> consumer,
      Map<String, Instant> startAt,
      Map<String, Instant> optional,
      Map<TopicPartition, Long> start,
      Map<TopicPartition, Long> end)
      throws TopicsUnreadableException {
    Map<String, List<PartitionInfo>> topics = consumer.listTopics(timeout);
    List<String> missing =
        startAt.keySet().stream().filter(t -> !topics.containsKey(t)).sorted().toList();
    if (!missing.isEmpty()) {
      throw new TopicsUnreadableException(
          "missing topic"
              + (missing.size() > 1 ? "s " : " ")
              + String.join(", ", missing)
              + " on "
              + bootstrap()
              + " (vigil topics create makes them)",
          null);
    }
    Map<String, Instant> read = new HashMap<>(startAt);
    optional.forEach(
        (topic, at) -> {
          if (topics.containsKey(topic)) {
            read.put(topic, at);
          }
        });
    if (read.containsKey(ACCEPTED_POLICIES)) {
      // What streams accepted is what was in force; vigil.policies also holds rejected revisions.
      read.remove(Topics.POLICIES.name());
    }
    Map<TopicPartition, Long> query = new HashMap<>();
    read.forEach(
        (topic, at) -> {
          for (PartitionInfo p : topics.get(topic)) {
            query.put(new TopicPartition(topic, p.partition()), Math.max(0, at.toEpochMilli()));
          }
        });
    end.putAll(consumer.endOffsets(query.keySet(), timeout));
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, timeout);
    for (TopicPartition tp : query.keySet()) {
      OffsetAndTimestamp o = found.get(tp);
      start.put(tp, o == null ? end.get(tp) : Math.min(o.offset(), end.get(tp)));
    }
  }

  private Properties consumerProperties() {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "vigil-report");
    p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
    // Bound what the consumer buffers (the default allows 50 MiB per fetch) so small heaps suffice.
    p.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
    p.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(1024 * 1024));
    int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    p.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(ms));
    p.putIfAbsent(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(ms));
    return p;
  }

  private String bootstrap() {
    return String.valueOf(clientProperties.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
  }

  private static <V> V read(byte[] bytes, Topic<V> topic) {
    return Json.read(bytes, topic.valueType());
  }
}
