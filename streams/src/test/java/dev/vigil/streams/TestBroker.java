package dev.vigil.streams;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodPartitioning;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The embedded broker of an integration test class ({@code @RegisterExtension static}), started
 * before its tests with Vigil's topics, with an idempotent producer and readers of the output
 * topics (committed records only); stopped and deleted after them.
 */
final class TestBroker implements BeforeAllCallback, AfterAllCallback {

  static final Duration WAIT = Duration.ofSeconds(90);

  private Path dir;
  private KafkaCluster kafka;
  private KafkaProducer<byte[], byte[]> producer;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("vigil-it-kafka");
    kafka = KafkaClusters.forTests(dir);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      new TopicAdmin(admin, (short) 1).create(Topics.ALL);
    }
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.putAll(PodPartitioning.WORKLOAD.producerProperties()); // as ingest places pod records
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (producer != null) {
      producer.close();
    }
    if (kafka != null) {
      kafka.close();
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /**
   * Writes {@code value} as JSON (null: a tombstone) and waits for the broker's acknowledgement.
   */
  <V> void send(Topic<V> topic, String key, V value) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                topic.name(),
                key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : Json.write(value)))
        .get();
  }

  /** Writes raw text (for unreadable input). */
  void sendRaw(String topic, String key, String value) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                topic,
                key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)))
        .get();
  }

  /** A reader of {@code topics} from their beginning. */
  Outputs outputs(List<Topic<?>> topics) {
    return new Outputs(kafka.bootstrapServers(), topics);
  }

  /** Reads topics from the beginning, committed records only. */
  static final class Outputs implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, List<ConsumerRecord<byte[], byte[]>>> seen = new HashMap<>();

    /** A reader of {@code topics} of the cluster at {@code bootstrapServers}. */
    Outputs(String bootstrapServers, List<Topic<?>> topics) {
      Properties p = new Properties();
      p.put("bootstrap.servers", bootstrapServers);
      p.put("isolation.level", "read_committed");
      consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> parts = new ArrayList<>();
      for (Topic<?> t : topics) {
        for (int i = 0; i < t.partitions(); i++) {
          parts.add(new TopicPartition(t.name(), i));
        }
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
    }

    /** Waits until {@code n} records of {@code topic} match, and returns them. */
    <V> List<V> await(Topic<V> topic, Class<V> type, int n, Predicate<V> match) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        List<V> matching = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : seen.getOrDefault(topic.name(), List.of())) {
          V v = Json.read(r.value(), type);
          if (match.test(v)) {
            matching.add(v);
          }
        }
        if (matching.size() >= n) {
          return matching;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "timed out: "
                  + matching.size()
                  + " of "
                  + n
                  + " matching records on "
                  + topic.name());
        }
        poll();
      }
    }

    /** Every committed record of {@code topic} so far: read up to the last stable offsets. */
    List<ConsumerRecord<byte[], byte[]>> records(String topic) {
      Set<TopicPartition> parts = consumer.assignment();
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
          && System.nanoTime() < deadline) {
        poll();
      }
      return seen.getOrDefault(topic, List.of());
    }

    private void poll() {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        if (r.value() != null) {
          seen.computeIfAbsent(r.topic(), k -> new ArrayList<>()).add(r);
        }
      }
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
