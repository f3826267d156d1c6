package dev.vigil.ingest.gke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.RecordingPublisher;
import dev.vigil.ingest.TestResources;
import dev.vigil.ingest.audit.AuditWebhookHandler;
import dev.vigil.ingest.audit.Deduplicator;
import dev.vigil.ingest.http.Authenticator;
import dev.vigil.ingest.http.HttpRequest;
import dev.vigil.ingest.http.HttpResponse;
import dev.vigil.ingest.http.IngestRouter;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.ingest.translate.GkeAuditLogTranslator;
import dev.vigil.ingest.translate.OwnerLookup;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.AdmissionEvent.FailedOpen.Mechanism;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.WorkloadRef;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GkeAuditLogTest {

  RecordingPublisher publisher = new RecordingPublisher();
  CloudAuditLogReader reader =
      new CloudAuditLogReader(publisher, null, IngestMetrics.NOOP, Clock.systemUTC(), 2);

  Map<String, AdmissionEvent> readJsonLines() throws Exception {
    reader.read(
        new ByteArrayInputStream(TestResources.bytes("/gke/cloud-audit-log.jsonl")),
        "file:test.jsonl");
    return publisher.values(Topics.ADMISSION_EVENTS).stream()
        .collect(Collectors.toMap(AdmissionEvent::auditId, Function.identity()));
  }

  @Test
  void jsonLinesYieldOneAdmissionPerPodCreateAndADeadLetterForTheBrokenLine() throws Exception {
    CloudAuditLogReader.Summary summary =
        reader.read(
            new ByteArrayInputStream(TestResources.bytes("/gke/cloud-audit-log.jsonl")),
            "file:test.jsonl");

    assertEquals(new CloudAuditLogReader.Summary(7, 5, 1, 1), summary);
    List<DeadLetter> letters = publisher.values(Topics.DEAD_LETTER);
    assertEquals(1, letters.size());
    assertEquals("MalformedJson", letters.get(0).errorType());
    assertEquals("file:test.jsonl", letters.get(0).source());
  }

  @Test
  void controllerCreatedPodIsNamedFromTheResponseAndOwnedByItsDeployment() throws Exception {
    AdmissionEvent e = readJsonLines().get("gke-allowed");

    assertEquals("us-central1-a.prod", e.clusterId());
    assertEquals(AdmissionEvent.Source.GKE_CLOUD_AUDIT_LOG, e.source());
    assertEquals("api-7d9f8c6b5-abcde", e.name());
    assertEquals("payments", e.namespace());
    assertEquals("create", e.verb());
    assertEquals("deployer", e.serviceAccount());
    assertEquals(new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "payments", "api"), e.owner());
    assertEquals(Instant.parse("2026-11-20T10:00:00.123Z"), e.requestReceivedAt());
    assertFalse(e.blocked() || e.breakglass() || e.dryRun());
    assertNull(e.failedOpen());
  }

  @Test
  void violatesPolicyIsBlockedAndLabelsCarryTheSignals() throws Exception {
    Map<String, AdmissionEvent> got = readJsonLines();

    assertTrue(got.get("gke-blocked").blocked());
    assertEquals("VIOLATES_POLICY", got.get("gke-blocked").responseReason());
    assertEquals(400, got.get("gke-blocked").responseCode());
    assertTrue(got.get("gke-breakglass").breakglass());
    assertFalse(got.get("gke-breakglass").blocked());
    assertEquals(
        Mechanism.GKE_BINARY_AUTHORIZATION, got.get("gke-failed-open").failedOpen().mechanism());
    assertTrue(got.get("gke-dry-run").dryRun());
    assertFalse(got.containsKey("gke-not-a-pod-admission"));
  }

  @Test
  void gcloudJsonArrayReadsTheSameAsJsonLines() throws Exception {
    CloudAuditLogReader.Summary summary =
        reader.read(
            new ByteArrayInputStream(TestResources.bytes("/gke/cloud-audit-log.gcloud.json")),
            "stdin");

    assertEquals(new CloudAuditLogReader.Summary(3, 3, 0, 0), summary);
    assertEquals(
        Set.of("gke-allowed", "gke-blocked", "gke-breakglass"),
        publisher.values(Topics.ADMISSION_EVENTS).stream()
            .map(AdmissionEvent::auditId)
            .collect(Collectors.toSet()));
  }

  @Test
  void pubSubPushPublishesTheEntryAndAcknowledgesWith204() throws Exception {
    String line =
        new String(TestResources.bytes("/gke/cloud-audit-log.jsonl"), StandardCharsets.UTF_8)
            .lines()
            .filter(l -> l.contains("gke-failed-open"))
            .findFirst()
            .orElseThrow();
    byte[] push = pushMessage(line);
    PubSubPushHandler handler =
        new PubSubPushHandler(publisher, null, IngestMetrics.NOOP, Clock.systemUTC());

    HttpResponse ok = handler.apply(push);
    publisher.failing = true;
    HttpResponse down = handler.apply(push);

    assertEquals(204, ok.status());
    assertEquals(503, down.status());
    assertEquals(
        List.of("gke-failed-open"),
        publisher.values(Topics.ADMISSION_EVENTS).stream().map(AdmissionEvent::auditId).toList());
  }

  @Test
  void aPushForAClusterTheCredentialsMayNotPostForGets403AndNothingIsPublished() throws Exception {
    String line =
        new String(TestResources.bytes("/gke/cloud-audit-log.jsonl"), StandardCharsets.UTF_8)
            .lines()
            .filter(l -> l.contains("gke-failed-open"))
            .findFirst()
            .orElseThrow();
    String cluster =
        GkeAuditLogTranslator.translate(Json.mapper().readTree(line), null, OwnerLookup.NONE)
            .orElseThrow()
            .clusterId();
    PubSubPushHandler handler =
        new PubSubPushHandler(publisher, null, IngestMetrics.NOOP, Clock.systemUTC());

    HttpResponse other = handler.handle(pushMessage(line), c -> !c.equals(cluster));
    HttpResponse own = handler.handle(pushMessage(line), cluster::equals);

    assertEquals(403, other.status());
    assertEquals(204, own.status());
    assertEquals(1, publisher.values(Topics.ADMISSION_EVENTS).size());
  }

  @Test
  void anUnreadablePushMessageIsDeadLetteredThenAcknowledged() {
    PubSubPushHandler handler =
        new PubSubPushHandler(publisher, null, IngestMetrics.NOOP, Clock.systemUTC());

    HttpResponse r = handler.apply(pushMessage("{not json"));

    assertEquals(204, r.status());
    assertEquals("UnreadablePushMessage", publisher.values(Topics.DEAD_LETTER).get(0).errorType());
    assertEquals(
        "projects/acme/subscriptions/vigil", publisher.values(Topics.DEAD_LETTER).get(0).source());
  }

  @Test
  void thePushEndpointNeedsCredentials() {
    PubSubPushHandler handler =
        new PubSubPushHandler(publisher, null, IngestMetrics.NOOP, Clock.systemUTC());
    IngestRouter router =
        new IngestRouter(
            new Authenticator(Set.of("t0ken"), false),
            Set.of(),
            new AuditWebhookHandler(
                publisher, new Deduplicator(10), IngestMetrics.NOOP, Clock.systemUTC(), 1024),
            handler,
            null,
            IngestMetrics.NOOP);
    byte[] body = pushMessage("{}");

    assertEquals(401, router.apply(HttpRequest.of("POST", "/gke/pubsub", Map.of(), body)).status());
    assertEquals(
        204,
        router
            .apply(
                HttpRequest.of(
                    "POST", "/gke/pubsub", Map.of("Authorization", "Bearer t0ken"), body))
            .status());
    // Credentials come before everything else, the method included.
    assertEquals(401, router.apply(HttpRequest.of("GET", "/gke/pubsub", Map.of(), body)).status());
    assertEquals(
        405,
        router
            .apply(
                HttpRequest.of("GET", "/gke/pubsub", Map.of("Authorization", "Bearer t0ken"), body))
            .status());
  }

  static byte[] pushMessage(String entry) {
    String data = Base64.getEncoder().encodeToString(entry.getBytes(StandardCharsets.UTF_8));
    return ("{\"message\":{\"data\":\""
            + data
            + "\",\"messageId\":\"1\",\"publishTime\":\"2026-11-20T10:00:02Z\"},"
            + "\"subscription\":\"projects/acme/subscriptions/vigil\"}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
