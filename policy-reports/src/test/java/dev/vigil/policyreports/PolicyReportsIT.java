package dev.vigil.policyreports;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.ViolationTransition.Transition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PolicyReport application on a real broker against the mock API server: records on the topics
 * become one report per namespace; after a restart on a fresh state directory (state restored from
 * the changelog) the report is written again and then applied over, with no duplicate result.
 */
class PolicyReportsIT {

  @TempDir static Path dir;
  static KafkaCluster kafka;
  static final List<Topic<?>> INPUTS =
      List.of(Topics.VERDICTS, Topics.VIOLATIONS, Topics.POD_EVENTS);

  @BeforeAll
  static void start() throws Exception {
    kafka = KafkaClusters.forTests(dir.resolve("kafka"));
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      List<NewTopic> topics = new ArrayList<>();
      for (Topic<?> t : INPUTS) {
        topics.add(new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.configs()));
      }
      admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
      new TopicAdmin(admin, (short) 1)
          .awaitServed(INPUTS.stream().map(Topic::name).toList(), Duration.ofSeconds(60));
    }
  }

  @AfterAll
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
  }

  static void send(Topic<?> topic, String key, Object value) {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("acks", "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic.name(), key, Json.write(value)));
    }
  }

  static PolicyReportsApp app(ApplyingMockServer api, Path state) {
    PolicyReportSettings s =
        new PolicyReportSettings(
            kafka.bootstrapServers(),
            "vigil-policy-reports-it",
            Duration.ofMillis(500),
            20,
            Duration.ofMillis(200),
            state,
            1);
    PolicyReportsApp app =
        PolicyReportsApp.start(
            s,
            new KubernetesReportSink(Map.of(Records.CLUSTER, api.client)),
            new SimpleMeterRegistry(),
            Map.of());
    await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING);
    return app;
  }

  static List<String> pods(GenericKubernetesResource report) {
    List<String> names = new ArrayList<>();
    for (Map<String, Object> r : ApplyingMockServer.results(report)) {
      names.add((String) ((Map<?, ?>) ((List<?>) r.get("resources")).get(0)).get("name"));
    }
    return names;
  }

  @Test
  void recordsBecomeOneReportPerNamespaceThatARestartAppliesOver() {
    try (ApplyingMockServer api = new ApplyingMockServer()) {
      try (PolicyReportsApp app = app(api, dir.resolve("state-1"))) {
        send(
            Topics.VERDICTS,
            Records.CLUSTER + "/prod/a",
            Records.verdict("prod", "a", Decision.ALLOW, Records.T0));
        send(
            Topics.VERDICTS,
            Records.CLUSTER + "/prod/b",
            Records.verdict("prod", "b", Decision.DENY, Records.T0));
        send(
            Topics.VIOLATIONS,
            Records.CLUSTER + "/prod/b",
            Records.violation(
                "prod",
                "b",
                Transition.OPENED,
                Decision.DENY,
                Severity.HIGH,
                Records.T0.plusSeconds(1)));
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    api.report("prod") != null
                        && pods(api.report("prod")).equals(List.of("a", "b"))
                        && "high"
                            .equals(
                                ApplyingMockServer.results(api.report("prod"))
                                    .get(1)
                                    .get("severity")));
        assertEquals(
            Map.of("pass", 1, "fail", 1, "warn", 0, "error", 0, "skip", 0),
            ApplyingMockServer.summary(api.report("prod")));
      }

      // While it is down, someone deletes the report: the restarted application (restoring its
      // state from the changelog into a fresh directory) writes every namespace it holds again.
      api.client
          .genericKubernetesResources(KubernetesReportSink.POLICY_REPORTS)
          .inNamespace("prod")
          .withName(NamespaceReport.NAME)
          .delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> api.report("prod") == null);
      try (PolicyReportsApp app = app(api, dir.resolve("state-2"))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> api.report("prod") != null);
        assertEquals(List.of("a", "b"), pods(api.report("prod")));
        send(
            Topics.VERDICTS,
            Records.CLUSTER + "/prod/c",
            Records.verdict("prod", "c", Decision.UNKNOWN, Records.T0));
        send(
            Topics.POD_EVENTS,
            Records.CLUSTER + "/prod/a",
            Records.deleted("prod", "a", Records.T0.plusSeconds(5)));
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> List.of("b", "c").equals(pods(api.report("prod"))));
        assertEquals(1, api.reports("prod").size(), "one report in the namespace");
        assertEquals(
            Map.of("pass", 0, "fail", 1, "warn", 0, "error", 1, "skip", 0),
            ApplyingMockServer.summary(api.report("prod")));
      }
    }
  }
}
