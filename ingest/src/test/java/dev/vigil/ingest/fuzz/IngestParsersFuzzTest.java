package dev.vigil.ingest.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.ingest.RecordingPublisher;
import dev.vigil.ingest.audit.AuditWebhookHandler;
import dev.vigil.ingest.audit.Deduplicator;
import dev.vigil.ingest.gke.CloudAuditLogReader;
import dev.vigil.ingest.gke.PubSubPushHandler;
import dev.vigil.ingest.http.HttpResponse;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.ingest.translate.AuditEventTranslator;
import dev.vigil.ingest.translate.GkeAuditLogTranslator;
import dev.vigil.ingest.translate.OwnerLookup;
import dev.vigil.ingest.translate.PodTranslator;
import dev.vigil.ingest.translate.TranslationException;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

/**
 * Jazzer fuzz tests for every ingest parser that reads outside data (issue 9): the audit webhook's
 * EventList handling, GKE Cloud Audit Log entries (translator, file reader and Pub/Sub push body)
 * and pod manifests. Regression mode in {@code verify} (seeds under {@code
 * src/test/resources/dev/vigil/ingest/fuzz/IngestParsersFuzzTestInputs/<method>/}); to fuzz: {@code
 * JAZZER_FUZZ=1 ./mvnw -B -ntp -pl ingest -am test -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtest='IngestParsersFuzzTest#auditEventList'}.
 *
 * <p>The module's own input error is {@link TranslationException}; Jackson's {@link
 * JsonProcessingException} is accepted only where the raw bytes are first read as JSON (before any
 * Vigil code sees them). The HTTP handlers must answer every body (no exception at all).
 */
class IngestParsersFuzzTest {

  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @FuzzTest(maxDuration = "5m")
  void auditEventList(byte[] body) {
    RecordingPublisher publisher = new RecordingPublisher();
    AuditWebhookHandler handler =
        new AuditWebhookHandler(
            publisher, new Deduplicator(1000), IngestMetrics.NOOP, CLOCK, 16L * 1024 * 1024);

    HttpResponse r = handler.handle("c1", body);

    assertTrue(Set.of(200, 400).contains(r.status()), "status " + r.status());
    assertTrue(r.status() == 200 || publisher.records.size() == 1, "a 400 dead-letters the body");
  }

  @FuzzTest(maxDuration = "5m")
  void auditEventTranslation(byte[] data) {
    JsonNode document;
    try {
      document = Json.mapper().readTree(data);
    } catch (IOException notJson) {
      return;
    }
    try {
      AuditEventTranslator.translateList("c1", document, OwnerLookup.NONE);
    } catch (TranslationException expected) {
      assertNotNull(expected.getMessage());
    }
  }

  @FuzzTest(maxDuration = "5m")
  void cloudAuditLogEntry(byte[] data) {
    JsonNode entry;
    try {
      entry = Json.mapper().readTree(data);
    } catch (IOException notJson) {
      return;
    }
    if (entry == null) {
      return;
    }
    try {
      GkeAuditLogTranslator.isPodAdmission(entry);
      GkeAuditLogTranslator.translate(entry, "default-cluster", OwnerLookup.NONE);
    } catch (TranslationException expected) {
      assertNotNull(expected.getMessage());
    }
  }

  @FuzzTest(maxDuration = "5m")
  void cloudAuditLogFile(byte[] data) throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    CloudAuditLogReader reader =
        new CloudAuditLogReader(publisher, "default-cluster", IngestMetrics.NOOP, CLOCK, 100);

    CloudAuditLogReader.Summary s = reader.read(new ByteArrayInputStream(data), "fuzz");

    assertEquals(publisher.records.size(), s.published() + s.deadLettered(), s.toString());
  }

  @FuzzTest(maxDuration = "5m")
  void pubSubPushBody(byte[] body) {
    RecordingPublisher publisher = new RecordingPublisher();
    PubSubPushHandler handler =
        new PubSubPushHandler(publisher, "default-cluster", IngestMetrics.NOOP, CLOCK);

    HttpResponse r = handler.apply(body);

    assertEquals(204, r.status());
  }

  @FuzzTest(maxDuration = "5m")
  void podManifest(byte[] data) {
    JsonNode document;
    try {
      document = Json.mapper().readTree(data);
    } catch (IOException notJson) {
      return;
    }
    if (document == null) {
      return;
    }
    try {
      List<PodEvent> events =
          PodTranslator.translateDocument("c1", document, OwnerLookup.NONE, NOW);
      for (PodEvent e : events) {
        PodTranslator.fingerprint(e, false);
        Json.write(e);
      }
      PodTranslator.isTerminating(document);
    } catch (TranslationException expected) {
      assertNotNull(expected.getMessage());
    }
  }
}
