package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.kafka.DeadLetters;
import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.kafka.EmbeddedKafkaCluster;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import dev.vigil.streams.StreamsSettings;
import dev.vigil.streams.VigilStreamsApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vigil's topics on a replicated cluster (one controller and three brokers, in process): {@code
 * vigil topics create --replication-factor 3 --min-insync-replicas 2} gives every topic three
 * replicas and the min ISR as a topic config, and ingest's producer (acks=all, idempotent) keeps
 * every record it acknowledges while one broker is down, and refuses (never pretends) while two
 * are; Kafka Streams creates its changelogs with {@code streams.replication-factor} 3 and min ISR
 * 2.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicatedClusterIT {

  @TempDir static Path dir;
  static EmbeddedKafkaCluster cluster;
  static Admin admin;

  @BeforeAll
  static void start() {
    cluster = EmbeddedKafkaCluster.start(dir, 3);
    admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()));
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(2));
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void topicsAreReplicatedAndAcknowledgedWritesSurviveABrokerGoingAway() throws Exception {
    assertEquals(3, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());

    VigilRun refused =
        vigil(
            "topics",
            "create",
            "--bootstrap-servers",
            cluster.bootstrapServers(),
            "--replication-factor",
            "3",
            "--min-insync-replicas",
            "4");
    assertEquals(2, refused.code(), refused.out() + refused.err());
    assertTrue(
        refused
            .err()
            .contains("min.insync.replicas must be between 1 and the replication factor 3"),
        refused.err());

    VigilRun created =
        vigil(
            "topics",
            "create",
            "--bootstrap-servers",
            cluster.bootstrapServers(),
            "--replication-factor",
            "3",
            "--min-insync-replicas",
            "2");
    assertEquals(0, created.code(), created.out() + created.err());
    assertTrue(
        created.out().startsWith("replication factor 3, min.insync.replicas 2"), created.out());

    List<String> names = Topics.ALL.stream().map(Topic::name).toList();
    Map<String, TopicDescription> described =
        admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
    List<ConfigResource> resources =
        names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
    Map<ConfigResource, Config> configs =
        admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
    for (Topic<?> t : Topics.ALL) {
      TopicDescription d = described.get(t.name());
      assertEquals(t.partitions(), d.partitions().size(), t.name());
      for (TopicPartitionInfo p : d.partitions()) {
        assertEquals(3, p.replicas().size(), t.name() + "-" + p.partition() + " replicas");
        assertEquals(3, p.isr().size(), t.name() + "-" + p.partition() + " in sync");
      }
      Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()));
      assertEquals("2", c.get("min.insync.replicas").value(), t.name());
      assertEquals(t.cleanup().kafkaName(), c.get("cleanup.policy").value(), t.name());
    }

    // The dead-letter topic has one partition: stop its leader, the producer follows the new one.
    String topic = Topics.DEAD_LETTER.name();
    int leader = leaderOf(topic);
    try (RecordPublisher publisher = publisher(Duration.ofSeconds(30))) {
      publisher.publishAll(letters(0, 50));
      cluster.stopBroker(leader);
      publisher.publishAll(letters(50, 100));
    }
    assertTrue(leaderOf(topic) != leader, "leadership moved away from stopped broker " + leader);
    assertEquals(
        100, readAll(topic), "every acknowledged record is there after the leader went away");

    // Two of three brokers down: acks=all with min.insync.replicas=2 refuses rather than keep one
    // copy.
    int second = cluster.runningBrokers().get(0);
    cluster.stopBroker(second);
    try (RecordPublisher publisher = publisher(Duration.ofSeconds(2))) {
      assertThrows(
          dev.vigil.ingest.kafka.PublishException.class,
          () -> publisher.publishAll(letters(100, 101)));
    }
    cluster.startBroker(second);
    try (RecordPublisher publisher = publisher(Duration.ofSeconds(60))) {
      publisher.publishAll(letters(101, 110));
    }
    assertEquals(109, readAll(topic), "the refused record is not there; the later ones are");
    cluster.startBroker(leader);
  }

  @Test
  @Order(2)
  void streamsReplicatesItsChangelogsAsConfigured() throws Exception {
    VigilStreamsApp.start(
            StreamsSettings.fromMap(
                Map.of(
                    StreamsSettings.APPLICATION_ID.key(), "replicated",
                    StreamsSettings.REPLICATION_FACTOR.key(), "3"),
                cluster.bootstrapServers(),
                dir.resolve("streams-state")),
            new SimpleMeterRegistry())
        .awaitRunning(Duration.ofSeconds(90))
        .close();

    List<String> internal =
        admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
            .filter(n -> n.startsWith("replicated-"))
            .sorted()
            .toList();
    assertTrue(
        internal.stream().anyMatch(n -> n.endsWith("pods-store-changelog")), internal.toString());
    Map<String, TopicDescription> described =
        admin.describeTopics(internal).allTopicNames().get(30, TimeUnit.SECONDS);
    Map<ConfigResource, Config> configs =
        admin
            .describeConfigs(
                internal.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                    .toList())
            .all()
            .get(30, TimeUnit.SECONDS);
    for (String name : internal) {
      assertEquals(3, described.get(name).partitions().get(0).replicas().size(), name);
      assertEquals(
          "2",
          configs
              .get(new ConfigResource(ConfigResource.Type.TOPIC, name))
              .get("min.insync.replicas")
              .value(),
          name);
    }
  }

  private static RecordPublisher publisher(Duration ackTimeout) {
    return new KafkaRecordPublisher(
        cluster.bootstrapServers(),
        Map.of(),
        "/vigil/test/replicated",
        ackTimeout,
        IngestMetrics.NOOP);
  }

  private static List<Outgoing<DeadLetter>> letters(int from, int to) {
    return IntStream.range(from, to)
        .mapToObj(
            i ->
                DeadLetters.of(
                    "test", "record-" + i, "payload " + i, "Test", "number " + i, Instant.now()))
        .toList();
  }

  private static int leaderOf(String topic) throws Exception {
    return admin
        .describeTopics(List.of(topic))
        .allTopicNames()
        .get(30, TimeUnit.SECONDS)
        .get(topic)
        .partitions()
        .get(0)
        .leader()
        .id();
  }

  private static int readAll(String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", cluster.bootstrapServers());
    p.put("isolation.level", "read_committed");
    List<String> keys = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (consumer.position(tp) < end && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> keys.add(r.key()));
      }
    }
    Map<String, Integer> counts = new HashMap<>();
    keys.forEach(k -> counts.merge(k, 1, Integer::sum));
    assertTrue(counts.values().stream().allMatch(n -> n == 1), "no record twice: " + counts);
    return keys.size();
  }
}
