package dev.vigil.ingest.audit;

import static dev.vigil.ingest.AuditSamples.KUBE_SYSTEM;
import static dev.vigil.ingest.AuditSamples.NGINX_PRIVILEGED;
import static dev.vigil.ingest.AuditSamples.auditAnnotation;
import static dev.vigil.ingest.AuditSamples.deniedBy;
import static dev.vigil.ingest.AuditSamples.eventList;
import static dev.vigil.ingest.AuditSamples.podAnnotation;
import static dev.vigil.ingest.AuditSamples.podLabel;
import static dev.vigil.ingest.AuditSamples.variant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.ingest.KafkaTopics;
import dev.vigil.ingest.ReceiverFixture;
import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.ingest.metrics.MicrometerIngestMetrics;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.AdmissionEvent.FailedOpen.Mechanism;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The HTTPS audit webhook receiver, posting real audit EventLists, against a real broker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditReceiverIT {

  static final String AUDIT = "/audit/dev-cluster";

  KafkaCluster kafka;
  KafkaRecordPublisher publisher;
  SimpleMeterRegistry registry = new SimpleMeterRegistry();
  ReceiverFixture receiver;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    kafka = KafkaClusters.forTests(dir);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      new TopicAdmin(admin, (short) 1).create(Topics.ALL);
    }
    IngestMetrics metrics = new MicrometerIngestMetrics(registry);
    publisher =
        new KafkaRecordPublisher(
            kafka.bootstrapServers(),
            Map.of(),
            "/vigil/ingest/test",
            Duration.ofSeconds(60),
            metrics);
    KafkaTopics.warmUp(publisher, Duration.ofSeconds(120));
    receiver = new ReceiverFixture(publisher, metrics, Set.of("dev-cluster"), null);
  }

  @AfterAll
  void stop() {
    receiver.close();
    publisher.close();
    kafka.close();
  }

  @Test
  void realEventListBecomesAdmissionEventsWithEverySignal() {
    ObjectNode[] batch = {
      variant(NGINX_PRIVILEGED, "sig-plain", e -> {}),
      variant(
          NGINX_PRIVILEGED,
          "sig-ipw-audit",
          auditAnnotation("imagepolicywebhook.image-policy.k8s.io/failed-open", "true")),
      variant(
          KUBE_SYSTEM,
          "sig-ipw-pod",
          podAnnotation("alpha.image-policy.k8s.io/failed-open", "true")),
      variant(
          KUBE_SYSTEM,
          "sig-validating",
          auditAnnotation(
              "failed-open.validating.webhook.admission.k8s.io/round_0_index_1",
              "policy.sigstore.dev")),
      variant(
          KUBE_SYSTEM,
          "sig-mutating",
          auditAnnotation(
              "failed-open.mutation.webhook.admission.k8s.io/round_0_index_0",
              "defaults.example.com")),
      variant(
          NGINX_PRIVILEGED,
          "sig-bg-annotation",
          podAnnotation("alpha.image-policy.k8s.io/break-glass", "true")),
      variant(
          NGINX_PRIVILEGED, "sig-bg-label", podLabel("image-policy.k8s.io/break-glass", "true")),
      variant(
          NGINX_PRIVILEGED,
          "sig-dry-run",
          auditAnnotation("imagepolicywebhook.image-policy.k8s.io/dry-run", "true")),
      variant(NGINX_PRIVILEGED, "sig-denied", deniedBy("imagepolicywebhook.image-policy.k8s.io")),
      variant(NGINX_PRIVILEGED, "sig-not-kept", e -> e.put("stage", "RequestReceived")),
    };

    HttpResponse<String> r = receiver.post(AUDIT, eventList(batch));

    assertEquals(200, r.statusCode(), r.body());
    Map<String, AdmissionEvent> got = admissions(id -> id.startsWith("sig-"), 9);
    assertEquals(9, got.size(), "published: " + got.keySet());
    assertNull(got.get("sig-plain").failedOpen());
    assertEquals(Mechanism.IMAGE_POLICY_WEBHOOK, got.get("sig-ipw-audit").failedOpen().mechanism());
    assertEquals(Mechanism.IMAGE_POLICY_WEBHOOK, got.get("sig-ipw-pod").failedOpen().mechanism());
    assertEquals(Mechanism.VALIDATING_WEBHOOK, got.get("sig-validating").failedOpen().mechanism());
    assertTrue(got.get("sig-validating").failedOpen().detail().contains("policy.sigstore.dev"));
    assertEquals(Mechanism.MUTATING_WEBHOOK, got.get("sig-mutating").failedOpen().mechanism());
    assertTrue(got.get("sig-bg-annotation").breakglass());
    assertTrue(got.get("sig-bg-label").breakglass());
    assertFalse(got.get("sig-plain").breakglass());
    assertTrue(got.get("sig-dry-run").dryRun());
    assertTrue(got.get("sig-denied").blocked());
    assertEquals("nginx-deployment-544b59f8b8-ffkxm", got.get("sig-plain").name());
    assertEquals("dev-cluster", got.get("sig-plain").clusterId());
  }

  @Test
  void aRedeliveredBatchIsAcknowledgedButPublishedOnce() {
    byte[] batch =
        eventList(variant(KUBE_SYSTEM, "dup-1", e -> {}), variant(KUBE_SYSTEM, "dup-2", e -> {}));

    HttpResponse<String> first = receiver.post(AUDIT, batch);
    HttpResponse<String> again = receiver.post(AUDIT, batch);
    receiver.post(AUDIT, eventList(variant(KUBE_SYSTEM, "dup-marker", e -> {})));

    assertEquals(200, first.statusCode());
    assertEquals(200, again.statusCode());
    assertTrue(again.body().contains("\"duplicates\":2"), again.body());
    List<AdmissionEvent> all =
        KafkaTopics.values(
            KafkaTopics.readUntil(
                kafka.bootstrapServers(),
                Topics.ADMISSION_EVENTS,
                got -> got.stream().anyMatch(c -> c.value().auditId().equals("dup-marker")),
                Duration.ofSeconds(60)));
    assertEquals(
        2,
        all.stream()
            .filter(a -> a.auditId().startsWith("dup-") && !a.auditId().equals("dup-marker"))
            .count());
    assertEquals(
        2.0, registry.counter("vigil_ingest_duplicates_dropped", "source", "k8s-audit").count());
  }

  @Test
  void aMalformedBodyGets400AndADeadLetter() {
    byte[] body =
        "{\"kind\":\"EventList\",\"items\":[{\"auditID\":".getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> r = receiver.post(AUDIT, body);

    assertEquals(400, r.statusCode());
    assertTrue(r.body().startsWith("not an audit EventList: malformed JSON"), r.body());
    List<DeadLetter> letters =
        KafkaTopics.values(
            KafkaTopics.readUntil(
                kafka.bootstrapServers(),
                Topics.DEAD_LETTER,
                got ->
                    got.stream().anyMatch(c -> c.value().errorType().equals("MalformedEventList")),
                Duration.ofSeconds(60)));
    DeadLetter letter =
        letters.stream()
            .filter(d -> d.errorType().equals("MalformedEventList"))
            .findFirst()
            .orElseThrow();
    assertEquals(
        new String(body, StandardCharsets.UTF_8),
        new String(Base64.getDecoder().decode(letter.payloadBase64()), StandardCharsets.UTF_8));
    assertEquals("ingest.audit-webhook", letter.component());
  }

  @Test
  void anUnreadableEventIsDeadLetteredAndTheRestOfItsBatchPublished() {
    ObjectNode noTime =
        variant(
            NGINX_PRIVILEGED,
            "bad-no-time",
            e -> {
              e.remove("requestReceivedTimestamp");
              e.remove("timestamp");
              e.remove("stageTimestamp");
            });

    HttpResponse<String> r =
        receiver.post(AUDIT, eventList(variant(KUBE_SYSTEM, "good-beside-bad", e -> {}), noTime));

    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"deadLettered\":1"), r.body());
    assertEquals(
        Set.of("good-beside-bad"),
        admissions(id -> id.contains("beside-bad") || id.startsWith("bad-"), 1).keySet());
    List<DeadLetter> letters =
        KafkaTopics.values(
            KafkaTopics.readUntil(
                kafka.bootstrapServers(),
                Topics.DEAD_LETTER,
                got -> got.stream().anyMatch(c -> c.value().error().contains("bad-no-time")),
                Duration.ofSeconds(60)));
    assertTrue(
        letters.stream()
            .anyMatch(
                d -> d.error().equals("audit event bad-no-time without requestReceivedTimestamp")));
  }

  @Test
  void anOversizedBodyGets413() {
    byte[] big = new byte[(int) ReceiverFixture.MAX_BODY + 1];
    java.util.Arrays.fill(big, (byte) ' ');

    assertEquals(413, receiver.post(AUDIT, big).statusCode());
  }

  @Test
  void requestsWithoutValidCredentialsGet401AndAreCounted() {
    double before =
        registry.counter("vigil_ingest_unauthenticated_requests", "endpoint", "audit").count();
    byte[] batch = eventList(variant(KUBE_SYSTEM, "unauth-1", e -> {}));

    assertEquals(401, receiver.post(AUDIT, batch, null).statusCode());
    assertEquals(401, receiver.post(AUDIT, batch, "wrong-token").statusCode());
    assertEquals(
        before + 2,
        registry.counter("vigil_ingest_unauthenticated_requests", "endpoint", "audit").count());
  }

  @Test
  void aClientCertificateSignedByTheClientCaIsEnough() {
    HttpRequest request =
        HttpRequest.newBuilder(receiver.uri(AUDIT))
            .POST(
                HttpRequest.BodyPublishers.ofByteArray(
                    eventList(variant(KUBE_SYSTEM, "mtls-1", e -> {}))))
            .build();

    HttpResponse<String> r = ReceiverFixture.send(receiver.withCertificate, request);

    assertEquals(200, r.statusCode(), r.body());
    assertEquals(Set.of("mtls-1"), admissions(id -> id.equals("mtls-1"), 1).keySet());
  }

  @Test
  void healthAnswersWithoutCredentialsAndUnknownClustersAre404() {
    HttpResponse<String> health =
        ReceiverFixture.send(
            receiver.withToken, HttpRequest.newBuilder(receiver.uri("/healthz")).GET().build());

    assertEquals(200, health.statusCode());
    assertEquals("ok\n", health.body());
    assertEquals(404, receiver.post("/audit/someone-else", eventList()).statusCode());
  }

  private Map<String, AdmissionEvent> admissions(
      java.util.function.Predicate<String> auditId, int atLeast) {
    return KafkaTopics.values(
            KafkaTopics.readUntil(
                kafka.bootstrapServers(),
                Topics.ADMISSION_EVENTS,
                got ->
                    got.stream().filter(c -> auditId.test(c.value().auditId())).count() >= atLeast,
                Duration.ofSeconds(60)))
        .stream()
        .filter(a -> auditId.test(a.auditId()))
        .collect(Collectors.toMap(AdmissionEvent::auditId, Function.identity(), (a, b) -> b));
  }
}
