package dev.vigil.policyreports;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.WorkloadRef;
import dev.vigil.streams.StreamsSettings;
import dev.vigil.streams.VigilStreamsApp;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real broker: pod events judged by the real streams application become
 * PolicyReports in the mock API server, one per namespace, and a deleted pod's namespace loses its
 * report.
 */
class StreamsToPolicyReportIT {

  static final Duration WAIT = Duration.ofSeconds(120);
  static final String IMAGE = "us-docker.pkg.dev/acme/app/api@sha256:" + "c3".repeat(32);

  @TempDir Path dir;

  static PodEvent pod(PodEvent.Type type, String ns, String name, long rv) {
    return new PodEvent(
        name + "@" + rv,
        Records.CLUSTER,
        type,
        ns,
        name,
        "uid-" + name,
        "default",
        "Running",
        new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, ns, name),
        List.of(new ContainerImage("app", ContainerImage.Kind.CONTAINER, IMAGE, IMAGE)),
        Map.of(),
        Map.of(),
        String.valueOf(rv),
        Instant.now());
  }

  static String result(GenericKubernetesResource report) {
    return (String) ApplyingMockServer.results(report).get(0).get("result");
  }

  @Test
  void judgedPodsBecomeReportsPerNamespace() throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"));
        ApplyingMockServer api = new ApplyingMockServer()) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        new TopicAdmin(admin, (short) 1).create(Topics.ALL);
      }
      PolicyReportSettings settings =
          new PolicyReportSettings(
              kafka.bootstrapServers(),
              "vigil-policy-reports-e2e",
              Duration.ofMillis(500),
              20,
              Duration.ofMillis(200),
              dir.resolve("reports-state"),
              1);
      try (KafkaProducer<String, byte[]> producer =
              new KafkaProducer<>(
                  Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
                  new org.apache.kafka.common.serialization.StringSerializer(),
                  new ByteArraySerializer());
          VigilStreamsApp streams =
              VigilStreamsApp.start(
                  StreamsSettings.defaults(kafka.bootstrapServers(), dir.resolve("streams-state")),
                  new SimpleMeterRegistry());
          PolicyReportsApp reports =
              PolicyReportsApp.start(
                  settings,
                  new KubernetesReportSink(Map.of(Records.CLUSTER, api.client)),
                  new SimpleMeterRegistry(),
                  Map.of())) {
        streams.awaitRunning(WAIT);
        await().atMost(WAIT).until(() -> reports.state() == KafkaStreams.State.RUNNING);
        PolicyDocument policy =
            PolicyDocument.of(
                "*",
                PolicyDocument.Kind.BINAUTHZ_POLICY,
                "projects/acme/policy",
                1,
                PolicyDocument.Format.YAML,
                Records.POLICY,
                "test",
                Instant.now());
        producer
            .send(new ProducerRecord<>(Topics.POLICIES.name(), policy.key(), Json.write(policy)))
            .get();
        for (PodEvent e :
            List.of(
                pod(PodEvent.Type.ADDED, "default", "ok", 1),
                pod(PodEvent.Type.ADDED, "prod", "bad", 2),
                pod(PodEvent.Type.ADDED, "sandbox", "trial", 3))) {
          producer
              .send(new ProducerRecord<>(Topics.POD_EVENTS.name(), e.key(), Json.write(e)))
              .get();
        }

        await()
            .atMost(WAIT)
            .until(
                () ->
                    api.report("default") != null
                        && api.report("prod") != null
                        && api.report("sandbox") != null
                        && "fail".equals(result(api.report("prod")))
                        // a pod judged before the policy reached the global store is UNKNOWN
                        // (error) until the policy's arrival re-judges it: wait for that too
                        && "pass".equals(result(api.report("default")))
                        && "warn".equals(result(api.report("sandbox"))));
        assertEquals("pass", result(api.report("default")));
        assertEquals("warn", result(api.report("sandbox")));
        Map<String, Object> bad = ApplyingMockServer.results(api.report("prod")).get(0);
        assertEquals("kubernetesNamespaceAdmissionRules[prod]", bad.get("rule"));
        assertEquals(
            "defaultAdmissionRule",
            ApplyingMockServer.results(api.report("default")).get(0).get("rule"));
        assertEquals(
            Map.of(
                "apiVersion",
                "v1",
                "kind",
                "Pod",
                "name",
                "bad",
                "namespace",
                "prod",
                "uid",
                "uid-bad"),
            ((List<?>) bad.get("resources")).get(0));
        assertEquals(
            "sha256:" + "c3".repeat(32), ((Map<?, ?>) bad.get("properties")).get("digest.app"));

        PodEvent gone = pod(PodEvent.Type.DELETED, "prod", "bad", 4);
        producer
            .send(new ProducerRecord<>(Topics.POD_EVENTS.name(), gone.key(), Json.write(gone)))
            .get();
        await().atMost(WAIT).until(() -> api.report("prod") == null);
        assertEquals("pass", result(api.report("default")), "other namespaces keep theirs");
      }
    }
  }
}
