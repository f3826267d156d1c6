package dev.vigil.reliability.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.streams.StreamsSettings;
import dev.vigil.streams.VigilStreamsApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, fault "two instances, one stopped": both instances hold pods; one is stopped; the other
 * takes over all its partitions, and the re-evaluation after a policy change covers every pod (each
 * pod gets a POLICY_CHANGE verdict under the new policy).
 */
class StreamsTakeoverIT {

  static final int PODS = 60;

  @Test
  void theSurvivorTakesOverAndThePolicyChangeCoversEveryPod(@TempDir Path dir) throws Exception {
    EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    String bootstrap = kafka.bootstrapServers();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).create(Topics.ALL);
    }
    Properties pp = new Properties();
    pp.put("bootstrap.servers", bootstrap);
    pp.put("acks", "all");
    pp.put("enable.idempotence", "true");
    pp.putAll(dev.vigil.schemas.PodPartitioning.WORKLOAD.producerProperties()); // as ingest does
    StreamsSettings base =
        StreamsSettings.defaults(bootstrap, dir.resolve("state-a"))
            .withApplicationId("vigil-takeover")
            .withChangePollInterval(Duration.ofMillis(500));
    try (KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer());
        VigilStreamsApp a = VigilStreamsApp.start(base, new SimpleMeterRegistry());
        World.Outputs out = new World.Outputs(bootstrap, List.of(Topics.VERDICTS))) {
      VigilStreamsApp b =
          VigilStreamsApp.start(
              base.withStateDir(dir.resolve("state-b")), new SimpleMeterRegistry());
      try {
        assertTrue(
            World.await(
                () -> validationTasks(a) > 0 && validationTasks(b) > 0, Duration.ofSeconds(90)),
            "both instances should hold pod partitions");
        PolicyDocument v1 = World.policy(1, "ALWAYS_ALLOW");
        send(producer, Topics.POLICIES.name(), v1.key(), Json.write(v1));
        for (int i = 0; i < PODS; i++) {
          PodEvent e =
              World.pod(
                  PodEvent.Type.ADDED,
                  "payments",
                  "api" + i, // a bare pod each: spread over both instances (ADR 0160)
                  100 + i,
                  World.API + "@" + World.digest('a'));
          send(producer, Topics.POD_EVENTS.name(), e.key(), Json.write(e));
        }
        assertTrue(
            World.await(
                () -> {
                  out.poll(Duration.ofMillis(300));
                  return podsWith(out, v -> v.decision() == Decision.ALLOW).size() == PODS;
                },
                Duration.ofSeconds(90)),
            "every pod judged ALLOW under v1");
      } finally {
        // when one instance stops,
        b.close();
      }
      // then the other takes over every pod partition,
      int partitions = Topics.POD_EVENTS.partitions();
      assertTrue(
          World.await(
              () ->
                  validationTasks(a) == partitions
                      && a.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING,
              Duration.ofSeconds(120)),
          "survivor holds " + validationTasks(a) + " of " + partitions);
      // and a policy change re-evaluates every pod, including those the stopped instance held.
      PolicyDocument v2 = World.policy(2, "ALWAYS_DENY");
      send(producer, Topics.POLICIES.name(), v2.key(), Json.write(v2));
      boolean all =
          World.await(
              () -> {
                out.poll(Duration.ofMillis(300));
                return podsWith(
                            out,
                            v ->
                                v.trigger() == Verdict.Trigger.POLICY_CHANGE
                                    && v.decision() == Decision.DENY)
                        .size()
                    == PODS;
              },
              Duration.ofSeconds(120));
      Set<String> rejudged =
          podsWith(
              out,
              v -> v.trigger() == Verdict.Trigger.POLICY_CHANGE && v.decision() == Decision.DENY);
      System.out.printf(
          "takeover: %d pods, survivor holds %d/%d pod partitions, re-evaluated after the policy"
              + " change: %d%n",
          PODS, validationTasks(a), partitions, rejudged.size());
      assertEquals(PODS, rejudged.size(), "pods re-evaluated: " + rejudged);
      assertTrue(all);
    } finally {
      kafka.close();
    }
  }

  static Set<String> podsWith(World.Outputs out, java.util.function.Predicate<Verdict> p) {
    return out.values(Topics.VERDICTS, Verdict.class).stream()
        .filter(p)
        .map(Verdict::podName)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
  }

  /**
   * Active continuous-validation tasks (sub-topology 3, docs/streams-topology.md) of an instance.
   */
  static int validationTasks(VigilStreamsApp app) {
    return (int)
        app.kafkaStreams().metadataForLocalThreads().stream()
            .flatMap(t -> t.activeTasks().stream())
            .filter(t -> t.taskId().subtopology() == 3)
            .count();
  }
}
