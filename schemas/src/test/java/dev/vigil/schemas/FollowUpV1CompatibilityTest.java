package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Records written by follow-up v1 (images as strings, no severity) still read, and read as v2. */
class FollowUpV1CompatibilityTest {

  @Test
  void aV1RecordReadsWithImageObjectsAndTheSeverityOfTheRule() {
    FollowUp f = Json.read(Samples.bytes("samples/follow-up-v1.json"), FollowUp.class);

    String ref = "us-docker.pkg.dev/acme/app/api@sha256:" + "ab".repeat(32);
    assertEquals(List.of(new FollowUp.Image(null, ref, "sha256:" + "ab".repeat(32))), f.images());
    assertEquals(Severity.HIGH, f.severity(), "an acknowledged fail-open whose images were denied");
    assertNull(f.suspectedBypass());
    assertNull(f.priorDenials());
    assertNull(f.acknowledgedUntil());
    assertEquals("alice@acme.example", f.acknowledgedBy());
  }

  @Test
  void aV1RecordWrittenAgainIsAValidV2Record() throws Exception {
    FollowUp f = Json.read(Samples.bytes("samples/follow-up-v1.json"), FollowUp.class);
    JsonNode written = Json.mapper().valueToTree(f);

    var errors = SchemaContractTest.schemaOf(Topics.FOLLOWUPS).validate(written);
    assertTrue(errors.isEmpty(), errors + " in " + written);
    assertEquals("high", written.path("severity").asText());
    assertTrue(written.path("images").get(0).isObject());
    assertFalse(written.has("suspectedBypass"), "absent, not false");
  }

  @Test
  void anImageByTagHasNoDigestAndAnImageIdGivesTheRunningOne() {
    assertNull(FollowUp.Image.of("nginx:1.27").digest());
    ContainerImage running =
        new ContainerImage(
            "web",
            ContainerImage.Kind.CONTAINER,
            "nginx:1.27",
            "docker-pullable://nginx@sha256:" + "cd".repeat(32));
    assertEquals(
        new FollowUp.Image("web", "nginx:1.27", "sha256:" + "cd".repeat(32)),
        FollowUp.Image.of(running));
  }

  @Test
  void aV1AcknowledgementReadsWithoutExpiry() {
    FollowUpAck a =
        Json.read(
            ("{\"followUpId\":\"c/ns/DEPLOYMENT/api/FAIL_OPEN#1\",\"action\":\"ACKNOWLEDGE\","
                    + "\"by\":\"alice\",\"at\":\"2026-11-20T11:00:00Z\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            FollowUpAck.class);
    assertNull(a.acknowledgedUntil());
    assertNull(a.ticket());
  }
}
