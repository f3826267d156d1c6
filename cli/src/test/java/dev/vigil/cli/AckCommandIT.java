package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.cli.run.KafkaAccess;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil ack} through the embedded broker. */
class AckCommandIT {

  static final String ID = "us-central1-a.prod/payments/DEPLOYMENT/api/BREAKGLASS#2";



  @Test
  void unusableArgumentsExitTwoWithoutTouchingKafka() {
    String kafka = "127.0.0.1:9";
    List<String[]> cases = List.of(
        new String[] {"ack", ID, "--bootstrap-servers", kafka},
        new String[] {"ack", ID, "--by", " ", "--bootstrap-servers", kafka},
        new String[] {"ack", "us-central1-a.prod/payments/DEPLOYMENT/api/BREAKGLASS", "--by", "a", "--bootstrap-servers", kafka},
        new String[] {"ack", "payments/DEPLOYMENT/api/BREAKGLASS#1", "--by", "a", "--bootstrap-servers", kafka},
        new String[] {"ack", "c/payments/DEPLOYMENT/api/OUTAGE#1", "--by", "a", "--bootstrap-servers", kafka},
        new String[] {"ack", "c/payments/GADGET/api/FAIL_OPEN#1", "--by", "a", "--bootstrap-servers", kafka},
        new String[] {"ack", "c/payments/DEPLOYMENT/api/FAIL_OPEN#0", "--by", "a", "--bootstrap-servers", kafka},
        new String[] {"ack", ID, "--by", "a", "--resolve", "--reopen", "--bootstrap-servers", kafka});
    for (String[] args : cases) {
      VigilRun run = vigil(args);
      assertEquals(2, run.code(), String.join(" ", args) + " -> " + run.err());
      assertTrue(run.out().isEmpty(), String.join(" ", args));
      assertTrue(!run.err().isBlank(), String.join(" ", args));
    }
    assertTrue(vigil("ack", "x/DEPLOYMENT/api/BREAKGLASS#1", "--by", "a", "--bootstrap-servers", kafka).err()
        .contains("FOLLOWUP_ID"));
  }

  @Test
  void writesTheAcknowledgementKeyedByTheFollowUpKey(@TempDir Path dir) throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      KafkaAccess.of(kafka.bootstrapServers()).createTopicsNow();

      VigilRun ack = vigil("ack", ID, "--by", "alice@acme.example", "--note", "planned hotfix, SEC-7",
          "--bootstrap-servers", kafka.bootstrapServers());
      VigilRun resolve = vigil("ack", ID, "--by", "bob", "--resolve", "--bootstrap-servers", kafka.bootstrapServers());

      assertEquals(0, ack.code(), ack.err());
      assertEquals(0, resolve.code(), resolve.err());
      JsonNode printed = Json.mapper().readTree(ack.out());
      assertEquals(ID, printed.path("followupId").asText());
      assertEquals("ACKNOWLEDGE", printed.path("action").asText());
      assertEquals("vigil.followup-acks", printed.path("topic").asText());

      List<ConsumerRecord<String, byte[]>> records = readAll(kafka.bootstrapServers(), 2);
      assertEquals(2, records.size());
      ConsumerRecord<String, byte[]> first = records.get(0);
      assertEquals("us-central1-a.prod/payments/DEPLOYMENT/api/BREAKGLASS", first.key());
      FollowUpAck value = Json.read(first.value(), FollowUpAck.class);
      assertEquals(new FollowUpAck(ID, FollowUpAck.Action.ACKNOWLEDGE, "alice@acme.example", "planned hotfix, SEC-7",
          value.at()), value);
      assertEquals(Topics.FOLLOWUP_ACKS.ceType(), CloudEvents.get(first.headers(), CloudEvents.TYPE));
      assertEquals(FollowUpAck.Action.RESOLVE, Json.read(records.get(1).value(), FollowUpAck.class).action());
    }
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, int expected) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
        new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(Topics.FOLLOWUP_ACKS.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    out.sort(java.util.Comparator.comparingLong(ConsumerRecord::offset));
    return out;
  }
}
