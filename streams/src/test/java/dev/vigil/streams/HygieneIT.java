package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.HygieneTest.container;
import static dev.vigil.streams.HygieneTest.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.Transition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry hygiene on a real broker, exactly-once, through the application as it starts in
 * production (co-partitioning check, the {@code hygiene-workload-tags} repartition topic): an
 * allowlisted Artifact Registry image by tag with a pull secret yields both findings, a third-party
 * registry with a pull secret none, and a tag that moved under a workload a tag-moved finding.
 */
class HygieneIT {

  @TempDir Path dir;

  @Test
  void findingsReachTheViolationsTopicCommitted() throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        new TopicAdmin(admin, (short) 1).create(Topics.ALL);
      }
      Properties p = new Properties();
      p.put("bootstrap.servers", kafka.bootstrapServers());
      p.put("acks", "all");
      StreamsSettings settings =
          StreamsSettings.defaults(kafka.bootstrapServers(), dir.resolve("state"))
              .withApplicationId("vigil-hygiene-it");
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
        // The policy first: the application starts once the policy gate has taken it.
        PolicyDocument allowlist =
            Fixtures.enforced(1, "ALWAYS_DENY", "us-docker.pkg.dev/acme/**", "ghcr.io/acme/**");
        send(producer, allowlist.key(), Json.write(allowlist), Topics.POLICIES.name());
        try (VigilStreamsApp app = VigilStreamsApp.start(settings, new SimpleMeterRegistry());
            TestBroker.Outputs out =
                new TestBroker.Outputs(
                    kafka.bootstrapServers(), List.of(Topics.VERDICTS, Topics.VIOLATIONS))) {
          PodEvent ar =
              pod(
                  PodEvent.Type.ADDED,
                  "api-1",
                  10,
                  deployment("payments", "api"),
                  List.of("ar-key"),
                  container("api", HygieneTest.AR + ":2.0", 'a'));
          PodEvent thirdParty =
              pod(
                  PodEvent.Type.ADDED,
                  "tool-1",
                  10,
                  deployment("tools", "tool"),
                  List.of("ghcr-key"),
                  container("cli", "ghcr.io/acme/cli:1", 'c'));
          PodEvent moved =
              pod(
                  PodEvent.Type.ADDED,
                  "api-2",
                  10,
                  deployment("payments", "api"),
                  List.of(),
                  container("api", HygieneTest.AR + ":2.0", 'b'));
          for (PodEvent e : List.of(ar, thirdParty, moved)) {
            send(producer, e.key(), Json.write(e), Topics.POD_EVENTS.name());
          }

          List<ViolationTransition> hygiene =
              out.await(
                  Topics.VIOLATIONS,
                  ViolationTransition.class,
                  6,
                  v -> v.category() == ViolationCategory.HYGIENE);

          assertEquals(
              List.of(HygieneTest.BY_TAG, HygieneTest.PULL_SECRET, HygieneTest.TAG_MOVED),
              rules(hygiene, "api-1"));
          assertEquals(
              List.of(HygieneTest.BY_TAG),
              rules(hygiene, "tool-1"),
              "a third-party registry's pull secret is fine");
          assertEquals(List.of(HygieneTest.BY_TAG, HygieneTest.TAG_MOVED), rules(hygiene, "api-2"));
          assertTrue(hygiene.stream().allMatch(v -> v.transition() == Transition.OPENED));
          // The allowlist decides the policy: every pod allowed, none with a policy violation.
          List<Verdict> verdicts = out.await(Topics.VERDICTS, Verdict.class, 3, v -> true);
          assertTrue(
              verdicts.stream().allMatch(v -> v.decision() == Decision.ALLOW), verdicts.toString());
          assertEquals(
              List.of(),
              out.await(
                  Topics.VIOLATIONS,
                  ViolationTransition.class,
                  0,
                  v -> v.category() == ViolationCategory.POLICY));
          assertTrue(app.state().isRunningOrRebalancing());
        }
      }
    }
  }

  private static List<String> rules(List<ViolationTransition> all, String pod) {
    return all.stream()
        .filter(v -> v.podName().equals(pod))
        .map(v -> v.rules().get(0))
        .sorted()
        .toList();
  }

  private static void send(
      KafkaProducer<byte[], byte[]> producer, String key, byte[] value, String topic)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
  }
}
