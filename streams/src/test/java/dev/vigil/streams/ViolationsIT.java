package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.Transition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Violation schema v2 against a real broker, exactly-once: what a SIEM reading {@code
 * vigil.violations} (read_committed) gets for a policy edit that concerns another namespace
 * (nothing), one that changes a violating pod's failing rule (one CHANGED), and a deleted pod
 * (RESOLVED); every record validates against {@code violation-transition.schema.json} v2.
 */
class ViolationsIT {

  static final Duration WAIT = Duration.ofSeconds(90);
  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final String WEB = "us-docker.pkg.dev/acme/app/web";

  @TempDir static Path dir;
  static KafkaCluster kafka;
  static KafkaProducer<byte[], byte[]> producer;

  @BeforeAll
  static void broker() throws Exception {
    kafka = KafkaClusters.forTests(dir.resolve("kafka"));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      new TopicAdmin(admin, (short) 1).create(Topics.ALL);
    }
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @AfterAll
  static void stop() {
    if (producer != null) {
      producer.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  static <V> void send(Topic<V> topic, String key, V value) throws Exception {
    producer.send(new ProducerRecord<>(topic.name(), key.getBytes(StandardCharsets.UTF_8),
        value == null ? null : Json.write(value))).get();
  }

  static void send(PolicyDocument d) throws Exception {
    send(Topics.POLICIES, d.key(), d);
  }

  static void send(PodEvent e) throws Exception {
    send(Topics.POD_EVENTS, e.key(), e);
  }

  static JsonSchema violationSchema() throws Exception {
    try (InputStream in = ViolationsIT.class.getClassLoader()
        .getResourceAsStream("schemas/" + Topics.VIOLATIONS.schema())) {
      JsonNode node = Json.mapper().readTree(in);
      assertEquals("https://vigil.dev/schemas/violation-transition/v2", node.get("$id").asText());
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
          .getSchema(node, SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    }
  }

  @Test
  void aSiemSeesOnlyRealChangesAndEveryRecordIsSchemaV2() throws Exception {
    StreamsSettings settings = StreamsSettings.defaults(kafka.bootstrapServers(), dir.resolve("state"))
        .withApplicationId("vigil-violations-it")
        .withChangePollInterval(Duration.ofMillis(500));
    try (VigilStreamsApp app = VigilStreamsApp.start(settings, new SimpleMeterRegistry());
        Outputs out = new Outputs()) {
      // given the policy is in force (a compliant pod is judged ALLOW) and one pod violates it
      send(new Fixtures.Signer().attestor(1));
      send(QuietViolationsTest.policy(1, "DRYRUN_AUDIT_LOG_ONLY", false));
      send(added("web", "web-1", 10, deployment("web", "web"), image(WEB, 'b')));
      out.await(Topics.VERDICTS, Verdict.class, 1, v -> v.podName().equals("web-1") && v.decision() == Decision.ALLOW);
      send(added("payments", "api-1", 11, deployment("payments", "api"), image(API, 'a')));
      ViolationTransition opened = out.await(Topics.VIOLATIONS, ViolationTransition.class, 1, x -> true).get(0);
      assertEquals(Transition.OPENED, opened.transition());
      assertEquals(Decision.DENY, opened.current());
      assertEquals(Severity.HIGH, opened.severity());

      // when a policy edit concerns another namespace
      send(QuietViolationsTest.policy(2, "ENFORCED_BLOCK_AND_AUDIT_LOG", false));
      // then both pods are judged again under it (in the transaction that would hold any transition) ...
      out.await(Topics.VERDICTS, Verdict.class, 2, judgedUnder("policy@2"));
      // ... and the violations topic holds nothing new
      assertEquals(1, out.records(Topics.VIOLATIONS.name()).size(), out.records(Topics.VIOLATIONS.name()).toString());

      // when an edit changes the violating pod's failing rule
      send(QuietViolationsTest.policy(3, "ENFORCED_BLOCK_AND_AUDIT_LOG", true));
      out.await(Topics.VERDICTS, Verdict.class, 2, judgedUnder("policy@3"));
      // then exactly one CHANGED
      List<ViolationTransition> all = out.await(Topics.VIOLATIONS, ViolationTransition.class, 2, x -> true);
      assertEquals(2, all.size(), all.toString());
      assertEquals(Transition.CHANGED, all.get(1).transition());
      assertEquals(List.of("kubernetesServiceAccountAdmissionRules[payments:default]"), all.get(1).rules());
      assertEquals(opened.violationId(), all.get(1).violationId());

      // and a deleted pod resolves it
      send(Fixtures.pod(PodEvent.Type.DELETED, "payments", "api-1", 12, deployment("payments", "api"), image(API, 'a')));
      ViolationTransition resolved = out.await(Topics.VIOLATIONS, ViolationTransition.class, 3, x -> true).get(2);
      assertEquals(Transition.RESOLVED, resolved.transition());
      assertTrue(resolved.policyVersions().stream().anyMatch(v -> v.endsWith("policy@3")), resolved.toString());

      // every record on the topic, as written, is a v2 document and says so in its CloudEvents type
      JsonSchema schema = violationSchema();
      List<ConsumerRecord<byte[], byte[]>> records = out.records(Topics.VIOLATIONS.name());
      assertEquals(3, records.size());
      for (ConsumerRecord<byte[], byte[]> r : records) {
        JsonNode doc = Json.mapper().readTree(r.value());
        Set<ValidationMessage> errors = schema.validate(doc);
        assertTrue(errors.isEmpty(), errors + " in " + doc);
        assertEquals("dev.vigil.violation-transition.v2", CloudEvents.get(r.headers(), CloudEvents.TYPE));
        for (String field : List.of("category", "severity", "rules", "summary", "images", "policyVersions")) {
          assertTrue(doc.has(field), field + " in " + doc);
        }
        assertEquals(64 + "sha256:".length(), doc.get("images").get(0).get("digest").asText().length(), doc.toString());
      }
    }
  }

  static Predicate<Verdict> judgedUnder(String version) {
    return v -> v.trigger() == Verdict.Trigger.POLICY_CHANGE
        && v.policyVersions().stream().anyMatch(x -> x.endsWith(version));
  }

  /** Reads the output topics from the beginning, committed records only. */
  static final class Outputs implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, List<ConsumerRecord<byte[], byte[]>>> seen = new java.util.HashMap<>();

    Outputs() {
      Properties p = new Properties();
      p.put("bootstrap.servers", kafka.bootstrapServers());
      p.put("isolation.level", "read_committed");
      consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> parts = new ArrayList<>();
      for (Topic<?> t : List.of(Topics.VERDICTS, Topics.VIOLATIONS)) {
        for (int i = 0; i < t.partitions(); i++) {
          parts.add(new TopicPartition(t.name(), i));
        }
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
    }

    /** Every committed record of {@code topic} so far: read up to the last stable offsets. */
    List<ConsumerRecord<byte[], byte[]>> records(String topic) {
      Set<TopicPartition> parts = consumer.assignment();
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        poll();
      }
      return seen.getOrDefault(topic, List.of());
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
          throw new AssertionError("timed out: " + matching.size() + " of " + n + " matching records on " + topic.name());
        }
        poll();
      }
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
