package dev.vigil.streams;

import dev.vigil.schemas.PodPartitioning;
import dev.vigil.schemas.settings.KafkaSettings;
import dev.vigil.schemas.settings.StartupException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * At start, before any task runs: do the pods a task keeps sit on the partitions {@code
 * kafka.pod-partitioning} gives them? A task keeps the pods of its input partition, so state
 * written under the other layout would hold pods whose events now go to other tasks: they would
 * never see a DELETED again and stay running, with their violations, forever (ADR 0160). Reads the
 * first keys of each partition of the pods store's changelog; only keys that the two layouts place
 * on different partitions tell them apart, and the layout most of those agree with is the one the
 * state was written under.
 */
final class PodLayoutCheck {

  /** Keys read per partition at most. */
  static final int SAMPLE = 200;

  private PodLayoutCheck() {}

  /**
   * Fails, naming the setting, when the pods store of {@code applicationId} was written under
   * another layout than {@code configured}; nothing to check for a new application.
   */
  static void check(
      Map<String, Object> clientConfig,
      String applicationId,
      PodPartitioning configured,
      Duration timeout) {
    String topic = applicationId + "-" + StoreNames.PODS + "-changelog";
    Map<String, Object> c = new HashMap<>(clientConfig);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Asking for a topic that is not there must not create it (with the broker's default count).
    c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        return; // a new application: nothing written yet
      }
      List<TopicPartition> parts = new ArrayList<>();
      infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
      List<String> keys = new ArrayList<>();
      List<Integer> partitions = new ArrayList<>();
      sample(consumer, parts, timeout, keys, partitions);
      PodPartitioning other =
          configured == PodPartitioning.WORKLOAD ? PodPartitioning.POD : PodPartitioning.WORKLOAD;
      String mismatch = mismatch(keys, partitions, parts.size(), configured, other);
      if (mismatch != null) {
        throw new StartupException(
            "the pods Kafka Streams keeps ("
                + topic
                + ") were placed by "
                + other.wireName()
                + ", but "
                + KafkaSettings.POD_PARTITIONING.key()
                + " is "
                + configured.wireName()
                + " ("
                + mismatch
                + "): give "
                + KafkaSettings.POD_PARTITIONING.flag()
                + " "
                + other.wireName()
                + " to ingest and streams (or "
                + KafkaSettings.POD_PARTITIONING.env()
                + "), or reset the streams application to start over (README, Operations:"
                + " upgrading)");
      }
    }
  }

  /** Reads up to {@link #SAMPLE} keys from the start of each partition, within {@code timeout}. */
  private static void sample(
      KafkaConsumer<byte[], byte[]> consumer,
      List<TopicPartition> parts,
      Duration timeout,
      List<String> keys,
      List<Integer> partitions) {
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    Map<TopicPartition, Long> ends = consumer.endOffsets(parts, timeout);
    Map<Integer, Integer> taken = new HashMap<>();
    List<TopicPartition> open = new ArrayList<>();
    for (TopicPartition tp : parts) {
      if (consumer.position(tp, timeout) < ends.getOrDefault(tp, 0L)) {
        open.add(tp);
      }
    }
    consumer.assign(open);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!open.isEmpty() && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        if (r.key() != null && taken.merge(r.partition(), 1, Integer::sum) <= SAMPLE) {
          keys.add(new String(r.key(), StandardCharsets.UTF_8));
          partitions.add(r.partition());
        }
      }
      open.removeIf(
          tp ->
              taken.getOrDefault(tp.partition(), 0) >= SAMPLE
                  || consumer.position(tp, timeout) >= ends.getOrDefault(tp, 0L));
      consumer.assign(open);
    }
  }

  /**
   * Why the keys show the {@code other} layout (a sample key and where each layout puts it), or
   * null: among the keys the two place differently, more sit where {@code other} puts them.
   */
  static String mismatch(
      List<String> keys,
      List<Integer> partitions,
      int n,
      PodPartitioning configured,
      PodPartitioning other) {
    int agree = 0;
    int disagree = 0;
    String example = null;
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      int mine = configured.partition(k, n);
      int theirs = other.partition(k, n);
      if (mine == theirs) {
        continue;
      }
      int at = partitions.get(i);
      if (at == mine) {
        agree++;
      } else if (at == theirs) {
        disagree++;
        if (example == null) {
          example =
              "pod "
                  + k
                  + " is on partition "
                  + at
                  + ", "
                  + configured.wireName()
                  + " would place it on "
                  + mine;
        }
      }
    }
    return disagree > agree ? example : null;
  }
}
