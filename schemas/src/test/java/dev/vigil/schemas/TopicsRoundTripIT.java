package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The catalogue's topics exist on a real broker and carry every message type intact. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TopicsRoundTripIT {

  KafkaCluster kafka;
  Admin admin;

  @BeforeAll
  void startBrokerAndCreateTopics(@TempDir Path dir) throws Exception {
    kafka = KafkaClusters.forTests(dir);
    admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    new TopicAdmin(admin, (short) 1).create(Topics.ALL);
  }

  @AfterAll
  void stop() {
    admin.close();
    kafka.close();
  }

  @Test
  void creatingTopicsAgainChangesNothing() throws Exception {
    Map<String, TopicAdmin.Outcome> again = new TopicAdmin(admin, (short) 1).create(Topics.ALL);

    assertEquals(Set.of(TopicAdmin.Outcome.ALREADY_EXISTS), Set.copyOf(again.values()));
    for (TopicAdmin.Status s : new TopicAdmin(admin, (short) 1).describe(Topics.ALL)) {
      assertTrue(s.exists(), s.name());
      assertEquals(s.expectedPartitions(), s.partitions(), s.name());
    }
  }

  @Test
  void policiesAcceptedPoliciesAttestationsAndImageMetadataAreCompacted() throws Exception {
    List<ConfigResource> resources =
        Topics.ALL.stream()
            .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name()))
            .toList();
    Map<ConfigResource, Config> configs =
        admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
    Set<String> compacted =
        configs.entrySet().stream()
            .filter(e -> e.getValue().get("cleanup.policy").value().equals("compact"))
            .map(e -> e.getKey().name())
            .collect(Collectors.toSet());

    assertEquals(
        Set.of(
            "vigil.policies",
            "vigil.policies.accepted",
            "vigil.attestations",
            "vigil.image-metadata"),
        compacted);
  }

  @Test
  void everyMessageTypeRoundTripsThroughKafkaWithCloudEventsHeaders() throws Exception {
    for (Topic<?> topic : Topics.ALL) {
      roundTrip(topic);
    }
  }

  private <V> void roundTrip(Topic<V> topic) {
    V sample = Samples.sample(topic);
    Instant time = Instant.parse("2026-11-20T10:00:00Z");
    Map<String, Object> producerProps =
        Map.of(
            "bootstrap.servers",
            kafka.bootstrapServers(),
            "acks",
            "all",
            "enable.idempotence",
            "true");
    try (KafkaProducer<String, V> producer =
        new KafkaProducer<>(
            producerProps, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(
          new ProducerRecord<>(
              topic.name(),
              null,
              "key-1",
              sample,
              CloudEvents.headers(topic, "id-" + topic.name(), "/vigil/test", time)));
      producer.flush();
    }

    List<ConsumerRecord<String, V>> got = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", kafka.bootstrapServers()),
            topic.keySerde().deserializer(),
            topic.valueSerde().deserializer())) {
      List<TopicPartition> parts =
          consumer.partitionsFor(topic.name()).stream()
              .map(p -> new TopicPartition(topic.name(), p.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (got.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(got::add);
      }
    }

    assertEquals(1, got.size(), topic.name());
    ConsumerRecord<String, V> r = got.get(0);
    assertEquals("key-1", r.key());
    assertEquals(sample, r.value(), topic.name());
    assertEquals("id-" + topic.name(), CloudEvents.get(r.headers(), CloudEvents.ID));
    assertEquals(topic.ceType(), CloudEvents.get(r.headers(), CloudEvents.TYPE));
    assertEquals("1.0", CloudEvents.get(r.headers(), CloudEvents.SPECVERSION));
    assertEquals("/vigil/test", CloudEvents.get(r.headers(), CloudEvents.SOURCE));
    assertEquals("2026-11-20T10:00:00Z", CloudEvents.get(r.headers(), CloudEvents.TIME));
  }
}
