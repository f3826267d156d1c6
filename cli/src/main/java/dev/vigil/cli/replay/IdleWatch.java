package dev.vigil.cli.replay;

import dev.vigil.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Decides when the pipeline is idle: the streams application has committed every record of its
 * input topics (consumer group lag 0), and for a quiet period no topic grew and no committed offset
 * moved (so repartitioned signals, punctuations and re-evaluations have run their course).
 */
final class IdleWatch implements AutoCloseable {

  private static final Set<String> SOURCES =
      Set.of(Topics.POD_EVENTS.name(), Topics.ADMISSION_EVENTS.name(), Topics.FOLLOWUP_ACKS.name());

  private final Admin admin;
  private final String groupId;

  IdleWatch(String bootstrapServers, String groupId) {
    this.admin =
        Admin.create(
            Map.of(
                "bootstrap.servers",
                bootstrapServers,
                "request.timeout.ms",
                10_000,
                "default.api.timeout.ms",
                15_000));
    this.groupId = groupId;
  }

  /** What the broker says now: end offsets of every topic, and the group's committed offsets. */
  record Snapshot(Map<TopicPartition, Long> ends, Map<TopicPartition, Long> committed) {

    /** Records of the source topics not yet committed by the streams application. */
    long sourceLag() {
      long lag = 0;
      for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
        if (SOURCES.contains(e.getKey().topic()) && e.getValue() > 0) {
          lag += Math.max(0, e.getValue() - committed.getOrDefault(e.getKey(), 0L));
        }
      }
      return lag;
    }
  }

  Snapshot snapshot() throws Exception {
    Set<String> names = admin.listTopics().names().get();
    Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get();
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (TopicDescription d : topics.values()) {
      d.partitions()
          .forEach(
              p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
    }
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
        admin.listOffsets(request).all().get();
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
    return new Snapshot(
        ends.entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())),
        committed.entrySet().stream()
            .filter(e -> e.getValue() != null)
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())));
  }

  /**
   * Waits until the source lag is 0 and nothing moved for {@code quiet}, and at least until {@code
   * notBeforeNanos} ({@link System#nanoTime()}).
   *
   * @throws TimeoutException when that did not happen within {@code timeout}
   */
  void await(Duration quiet, long notBeforeNanos, Duration timeout, Duration poll)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Snapshot last = null;
    long stableSince = System.nanoTime();
    while (true) {
      Snapshot now = snapshot();
      long t = System.nanoTime();
      if (last == null || !now.equals(last) || now.sourceLag() > 0) {
        stableSince = t;
      }
      last = now;
      if (now.sourceLag() == 0 && t - stableSince >= quiet.toNanos() && t >= notBeforeNanos) {
        return;
      }
      if (t > deadline) {
        throw new TimeoutException(
            "the pipeline did not become idle within "
                + timeout
                + " (records not yet"
                + " processed: "
                + now.sourceLag()
                + ")");
      }
      Thread.sleep(poll.toMillis());
    }
  }

  /** Topics Vigil reads back after a replay. */
  static List<String> outputs() {
    return List.of(Topics.FOLLOWUPS.name(), Topics.VIOLATIONS.name(), Topics.DEAD_LETTER.name());
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
