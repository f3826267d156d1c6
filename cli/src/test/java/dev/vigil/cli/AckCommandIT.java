package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.cli.run.KafkaAccess;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.FollowUpId;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil ack} through the embedded broker. */
class AckCommandIT {

  static final String ID = "us-central1-a.prod/payments/DEPLOYMENT/api/BREAKGLASS#2";

  @Test
  void unusableArgumentsExitTwoWithoutTouchingKafka() {
    String kafka = "127.0.0.1:9";
    List<String[]> cases =
        List.of(
            new String[] {"ack", ID, "--bootstrap-servers", kafka},
            new String[] {"ack", ID, "--by", " ", "--bootstrap-servers", kafka},
            new String[] {
              "ack",
              "us-central1-a.prod/payments/DEPLOYMENT/api/BREAKGLASS",
              "--by",
              "a",
              "--bootstrap-servers",
              kafka
            },
            new String[] {
              "ack",
              "payments/DEPLOYMENT/api/BREAKGLASS#1",
              "--by",
              "a",
              "--bootstrap-servers",
              kafka
            },
            new String[] {
              "ack", "c/payments/DEPLOYMENT/api/OUTAGE#1", "--by", "a", "--bootstrap-servers", kafka
            },
            new String[] {
              "ack", "c/payments/GADGET/api/FAIL_OPEN#1", "--by", "a", "--bootstrap-servers", kafka
            },
            new String[] {
              "ack",
              "c/payments/DEPLOYMENT/api/FAIL_OPEN#0",
              "--by",
              "a",
              "--bootstrap-servers",
              kafka
            },
            new String[] {
              "ack", ID, "--by", "a", "--resolve", "--reopen", "--bootstrap-servers", kafka
            },
            new String[] {
              "ack",
              ID,
              "--by",
              "a",
              "--until",
              "2020-01-01T00:00:00Z",
              "--bootstrap-servers",
              kafka
            },
            new String[] {"ack", ID, "--by", "a", "--until", "soon", "--bootstrap-servers", kafka},
            new String[] {
              "ack", ID, "--by", "a", "--until", "8h", "--resolve", "--bootstrap-servers", kafka
            },
            new String[] {"ack", ID, "--by", "a", "--ticket", " ", "--bootstrap-servers", kafka});
    for (String[] args : cases) {
      VigilRun run = vigil(args);
      assertEquals(2, run.code(), String.join(" ", args) + " -> " + run.err());
      assertTrue(run.out().isEmpty(), String.join(" ", args));
      assertTrue(!run.err().isBlank(), String.join(" ", args));
    }
    assertTrue(
        vigil("ack", "x/DEPLOYMENT/api/BREAKGLASS#1", "--by", "a", "--bootstrap-servers", kafka)
            .err()
            .contains("FOLLOWUP_ID"));
  }

  @Test
  void writesTheAcknowledgementKeyedByTheFollowUpKey(@TempDir Path dir) throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      KafkaAccess.of(kafka.bootstrapServers()).createTopicsNow();
      publish(kafka.bootstrapServers(), List.of(followUp(ID, FollowUp.State.ESCALATED)));

      VigilRun ack =
          vigil(
              "ack",
              ID,
              "--by",
              "alice@acme.example",
              "--note",
              "planned hotfix, SEC-7",
              "--bootstrap-servers",
              kafka.bootstrapServers());
      VigilRun resolve =
          vigil(
              "ack",
              ID,
              "--by",
              "bob",
              "--resolve",
              "--bootstrap-servers",
              kafka.bootstrapServers());

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
      assertEquals(
          new FollowUpAck(
              ID,
              FollowUpAck.Action.ACKNOWLEDGE,
              "alice@acme.example",
              "planned hotfix, SEC-7",
              value.at()),
          value);
      assertEquals(
          Topics.FOLLOWUP_ACKS.ceType(), CloudEvents.get(first.headers(), CloudEvents.TYPE));
      assertEquals(
          FollowUpAck.Action.RESOLVE,
          Json.read(records.get(1).value(), FollowUpAck.class).action());
    }
  }

  @Test
  void anAcknowledgementUntilATimeCarriesItsExpiryAndTicketAndRenewsAnAcknowledgedOne(
      @TempDir Path dir) throws Exception {
    String acked = "us-central1-a.prod/payments/DEPLOYMENT/worker/FAIL_OPEN#1";
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      KafkaAccess.of(bootstrap).createTopicsNow();
      publish(
          bootstrap,
          List.of(
              followUp(ID, FollowUp.State.ESCALATED),
              followUp(acked, FollowUp.State.ACKNOWLEDGED)));

      Instant before = Instant.now();
      VigilRun timed =
          vigil(
              "ack",
              ID,
              "--by",
              "alice",
              "--note",
              "hotfix",
              "--until",
              "7d",
              "--ticket",
              "SEC-42",
              "--bootstrap-servers",
              bootstrap);
      VigilRun same = vigil("ack", acked, "--by", "a", "--bootstrap-servers", bootstrap);
      VigilRun renew =
          vigil(
              "ack",
              acked,
              "--by",
              "a",
              "--until",
              "2099-01-01T00:00:00Z",
              "--bootstrap-servers",
              bootstrap);

      assertEquals(0, timed.code(), timed.err());
      JsonNode printed = Json.mapper().readTree(timed.out());
      assertEquals("SEC-42", printed.path("ticket").asText());
      assertRefused(same, "another --until or --ticket renews it");
      assertEquals(0, renew.code(), renew.err());
      List<FollowUpAck> written =
          readAll(bootstrap, 2).stream().map(r -> Json.read(r.value(), FollowUpAck.class)).toList();
      assertEquals(2, written.size());
      FollowUpAck first = written.get(0);
      assertEquals("SEC-42", first.ticket());
      Duration ahead = Duration.between(before, first.acknowledgedUntil());
      assertTrue(
          ahead.compareTo(Duration.ofDays(7)) >= 0
              && ahead.compareTo(Duration.ofDays(7).plusMinutes(5)) < 0,
          ahead.toString());
      assertEquals(Instant.parse("2099-01-01T00:00:00Z"), written.get(1).acknowledgedUntil());
    }
  }

  @Test
  void refusesWhatStreamsWouldIgnoreAndWritesNothing(@TempDir Path dir) throws Exception {
    String closed = "us-central1-a.prod/payments/DEPLOYMENT/worker/FAIL_OPEN#1";
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      KafkaAccess.of(bootstrap).createTopicsNow();
      String oldCycle = ID.replace("#2", "#1");
      List<FollowUp> history = new ArrayList<>();
      history.add(followUp(oldCycle, FollowUp.State.OPEN));
      history.add(followUp(oldCycle, FollowUp.State.RESOLVED));
      history.add(followUp(ID, FollowUp.State.OPEN));
      history.add(followUp(closed, FollowUp.State.OPEN));
      history.add(followUp(closed, FollowUp.State.ACKNOWLEDGED));
      // Other workloads' follow-ups on the same partition after the last record of ID, more than
      // one look-up window of them: the look-up has to step back past them.
      history.addAll(samePartitionOthers(FollowUpId.parse(ID).key(), FollowUpLookup.WINDOW + 300));
      publish(bootstrap, history);

      VigilRun unknown =
          vigil(
              "ack",
              "us-central1-a.prod/payments/DEPLOYMENT/nosuch/BREAKGLASS#1",
              "--by",
              "a",
              "--bootstrap-servers",
              bootstrap);
      VigilRun staleCycle = vigil("ack", oldCycle, "--by", "a", "--bootstrap-servers", bootstrap);
      VigilRun futureCycle =
          vigil("ack", ID.replace("#2", "#3"), "--by", "a", "--bootstrap-servers", bootstrap);
      VigilRun alreadyClosed = vigil("ack", closed, "--by", "a", "--bootstrap-servers", bootstrap);
      VigilRun reopenOpen =
          vigil("ack", ID, "--by", "a", "--reopen", "--bootstrap-servers", bootstrap);

      assertRefused(
          unknown,
          "no follow-up us-central1-a.prod/payments/DEPLOYMENT/nosuch/BREAKGLASS on vigil.followups");
      assertRefused(staleCycle, "the latest is " + ID + " (OPEN)");
      assertRefused(futureCycle, "the latest is " + ID + " (OPEN)");
      assertRefused(alreadyClosed, "is already closed (ACKNOWLEDGED");
      assertRefused(reopenOpen, "is not closed (OPEN)");
      assertTrue(readAll(bootstrap, 1).isEmpty(), "a refused ack must not be written");

      VigilRun current = vigil("ack", ID, "--by", "a", "--bootstrap-servers", bootstrap);
      VigilRun reopen =
          vigil("ack", closed, "--by", "a", "--reopen", "--bootstrap-servers", bootstrap);
      assertEquals(0, current.code(), current.err());
      assertEquals(0, reopen.code(), reopen.err());
      assertEquals(
          List.of(ID, closed),
          readAll(bootstrap, 2).stream()
              .map(r -> Json.read(r.value(), FollowUpAck.class).followUpId())
              .toList());
    }
  }

  @Test
  void kafkaThatCannotBeReadIsAFailureNotAnAck() {
    VigilRun run =
        vigil("ack", ID, "--by", "a", "--timeout", "2", "--bootstrap-servers", "127.0.0.1:9");
    assertEquals(1, run.code(), run.err());
    assertTrue(run.err().contains("cannot check the follow-up, nothing written"), run.err());
    assertTrue(run.out().isEmpty());
  }

  private static void assertRefused(VigilRun run, String message) {
    assertEquals(3, run.code(), run.err());
    assertTrue(run.err().contains(message), run.err());
    assertTrue(run.err().contains("nothing written"), run.err());
    assertTrue(run.out().isEmpty(), run.out());
  }

  private static FollowUp followUp(String id, FollowUp.State state) {
    FollowUpId parsed = FollowUpId.parse(id);
    Instant at = Instant.parse("2026-11-02T10:00:00Z");
    return new FollowUp(
        id,
        parsed.clusterId(),
        parsed.owner(),
        parsed.kind(),
        state,
        state.name().toLowerCase(),
        null,
        1,
        List.of("pod"),
        List.of("registry.example/app:1"),
        List.of("alice@acme.example"),
        null,
        at,
        at,
        at,
        null,
        null,
        null);
  }

  /** {@code n} follow-ups of other workloads whose keys land on the partition of {@code key}. */
  private static List<FollowUp> samePartitionOthers(String key, int n) {
    int partitions = Topics.FOLLOWUPS.partitions();
    int target =
        BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), partitions);
    List<FollowUp> out = new ArrayList<>();
    for (int i = 0; out.size() < n; i++) {
      String id = "us-central1-a.prod/batch/JOB/job-" + i + "/FAIL_OPEN#1";
      String k = FollowUpId.parse(id).key();
      if (BuiltInPartitioner.partitionForKey(k.getBytes(StandardCharsets.UTF_8), partitions)
          == target) {
        out.add(followUp(id, FollowUp.State.OPEN));
      }
    }
    return out;
  }

  private static void publish(String bootstrap, List<FollowUp> followUps) {
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrap, "linger.ms", "5"),
            new StringSerializer(),
            new ByteArraySerializer())) {
      for (FollowUp f : followUps) {
        producer.send(new ProducerRecord<>(Topics.FOLLOWUPS.name(), f.key(), Json.write(f)));
      }
      producer.flush();
    }
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, int expected) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", bootstrap),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(Topics.FOLLOWUP_ACKS.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
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
