package dev.vigil.schemas;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates and describes the catalogue's topics. Creating is idempotent, and returns only once every
 * partition is served by its leader, so that producers can write at once.
 *
 * <p>Why wait: the controller acknowledges a new topic before the broker has applied it. A producer
 * that writes at once can have its first batch for a partition refused (NOT_LEADER_OR_FOLLOWER)
 * while a later batch gets in; brokers before Kafka 4.5 (KAFKA-15591) then take the later batch as
 * the producer's first, and every retry of the earlier one fails with OUT_OF_ORDER_SEQUENCE_NUMBER
 * until its delivery timeout: records lost despite acks=all and idempotence.
 */
public final class TopicAdmin {

  /** What happened to one topic. */
  public enum Outcome {
    CREATED,
    ALREADY_EXISTS
  }

  /** A topic as the cluster has it. */
  public record Status(String name, boolean exists, int partitions, int expectedPartitions) {}

  /** How long {@link #create} waits for the topics' partitions to be served. */
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Admin admin;
  private final short replicationFactor;
  private final int minInsyncReplicas;

  /**
   * Creates topics with {@code replicationFactor} replicas and {@link #defaultMinInsyncReplicas the
   * default} {@code min.insync.replicas} for it.
   */
  public TopicAdmin(Admin admin, short replicationFactor) {
    this(admin, replicationFactor, defaultMinInsyncReplicas(replicationFactor));
  }

  /**
   * Creates topics with {@code replicationFactor} replicas, each with the topic config {@code
   * min.insync.replicas=minInsyncReplicas}: an {@code acks=all} write succeeds only once that many
   * replicas have it, and is refused (not lost) while fewer are in sync.
   *
   * @throws IllegalArgumentException unless 1 &lt;= minInsyncReplicas &lt;= replicationFactor
   */
  public TopicAdmin(Admin admin, short replicationFactor, int minInsyncReplicas) {
    checkReplication(replicationFactor, minInsyncReplicas);
    this.admin = admin;
    this.replicationFactor = replicationFactor;
    this.minInsyncReplicas = minInsyncReplicas;
  }

  /**
   * Refuses a replication factor below 1 and a {@code min.insync.replicas} outside 1..replication
   * factor (Kafka would take the topic and then refuse every {@code acks=all} write).
   */
  public static void checkReplication(int replicationFactor, int minInsyncReplicas) {
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(
          "replication factor must be at least 1, not " + replicationFactor);
    }
    if (minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
      throw new IllegalArgumentException(
          "min.insync.replicas must be between 1 and the replication factor "
              + replicationFactor
              + ", not "
              + minInsyncReplicas);
    }
  }

  /**
   * {@code min.insync.replicas} for a replication factor: one replica may be missing (a broker
   * restarting) without refusing writes, and never fewer than two copies once there are three: 1 →
   * 1, 2 → 1, 3 → 2, 5 → 2.
   */
  public static int defaultMinInsyncReplicas(int replicationFactor) {
    return Math.max(1, Math.min(2, replicationFactor - 1));
  }

  public short replicationFactor() {
    return replicationFactor;
  }

  public int minInsyncReplicas() {
    return minInsyncReplicas;
  }

  /**
   * Creates every topic in {@code topics} that does not exist yet, then waits until every partition
   * of every one of them is served by its leader ({@link #awaitServed}).
   */
  public Map<String, Outcome> create(List<Topic<?>> topics)
      throws InterruptedException, TimeoutException {
    List<NewTopic> requests = new ArrayList<>();
    for (Topic<?> t : topics) {
      Map<String, String> configs = new HashMap<>(t.configs());
      configs.put("min.insync.replicas", String.valueOf(minInsyncReplicas));
      requests.add(new NewTopic(t.name(), t.partitions(), replicationFactor).configs(configs));
    }
    var result = admin.createTopics(requests);
    Map<String, Outcome> outcomes = new LinkedHashMap<>();
    for (Topic<?> t : topics) {
      try {
        result.values().get(t.name()).get(30, TimeUnit.SECONDS);
        outcomes.put(t.name(), Outcome.CREATED);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TopicExistsException) {
          outcomes.put(t.name(), Outcome.ALREADY_EXISTS);
        } else {
          throw new IllegalStateException(
              "cannot create topic " + t.name() + ": " + e.getCause().getMessage(), e.getCause());
        }
      }
    }
    awaitServed(topics.stream().map(Topic::name).toList(), READY_TIMEOUT);
    return outcomes;
  }

  /**
   * Waits until every partition of the topics named {@code names} has a leader that serves it: the
   * cluster's metadata names a leader, and that leader answers a list-offsets request for the
   * partition (it does so only once it has applied the partition, as a produce request needs).
   *
   * @throws TimeoutException naming a partition that was not served in time
   */
  public void awaitServed(List<String> names, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String waitingFor = names.toString();
    long pause = 20;
    while (true) {
      try {
        waitingFor = unservedPartition(names);
        if (waitingFor == null) {
          return;
        }
      } catch (ExecutionException e) {
        // Not known or not led yet (UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, ...):
        // retry.
        waitingFor = names + " (" + e.getCause().getMessage() + ")";
      } catch (TimeoutException e) {
        waitingFor = names + " (no answer)";
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "partition " + waitingFor + " has no serving leader after " + timeout);
      }
      Thread.sleep(pause);
      pause = Math.min(500, pause * 2);
    }
  }

  /** The first partition not served yet, or {@code null} when all are. */
  private String unservedPartition(List<String> names)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<String, TopicDescription> described =
        admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (String name : names) {
      TopicDescription d = described.get(name);
      if (d == null || d.partitions().isEmpty()) {
        return name + " (no partitions yet)";
      }
      for (TopicPartitionInfo p : d.partitions()) {
        if (p.leader() == null || p.leader().isEmpty()) {
          return name + "-" + p.partition();
        }
        latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest());
      }
    }
    admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
    return null;
  }

  /** How each of {@code topics} stands on the cluster. */
  public List<Status> describe(List<Topic<?>> topics)
      throws InterruptedException, TimeoutException {
    try {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<String> names = topics.stream().map(Topic::name).filter(existing::contains).toList();
      Map<String, TopicDescription> described =
          names.isEmpty()
              ? Map.of()
              : admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      List<Status> out = new ArrayList<>();
      for (Topic<?> t : topics) {
        TopicDescription d = described.get(t.name());
        out.add(
            new Status(t.name(), d != null, d == null ? 0 : d.partitions().size(), t.partitions()));
      }
      return out;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot list topics: " + e.getCause().getMessage(), e);
    }
  }
}
