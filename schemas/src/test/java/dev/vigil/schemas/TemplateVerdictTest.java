package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A template verdict stands for the pods it lists: its count and list must agree. */
class TemplateVerdictTest {

  static final List<String> PODS = List.of("prod/payments/api-1", "prod/payments/api-2");

  static TemplateVerdict of(List<String> pods) {
    return new TemplateVerdict(
        "tv-1",
        "prod/payments/deployer/3f9a",
        "prod",
        "payments",
        "deployer",
        Decision.ALLOW,
        List.of(
            new Verdict.ImageResult(
                "api",
                "registry/app/api@sha256:ab",
                "sha256:ab",
                Decision.ALLOW,
                "defaultAdmissionRule",
                List.of(),
                List.of())),
        List.of("BINAUTHZ_POLICY/*/projects/acme/policy@2"),
        Verdict.Trigger.POLICY_CHANGE,
        pods.size(),
        pods,
        Instant.parse("2026-11-20T10:00:01Z"));
  }

  @Test
  void aTemplateVerdictIsKeyedByItsTemplateAndItsSchemaAcceptsIt() throws Exception {
    TemplateVerdict v = of(PODS);

    assertEquals("prod/payments/deployer/3f9a", v.key());
    var errors =
        SchemaContractTest.schemaOf(Topics.TEMPLATE_VERDICTS)
            .validate(Json.mapper().readTree(Json.write(v)));
    assertTrue(errors.isEmpty(), errors.toString());
    assertEquals(v, Json.read(Json.write(v), TemplateVerdict.class));
  }

  @Test
  void aDocumentWhoseCountDisagreesWithItsPodsIsUnreadableSayingWhy() {
    ObjectNode doc = Json.mapper().valueToTree(of(PODS));
    doc.put("podCount", 3);

    UnreadableMessageException e =
        assertThrows(
            UnreadableMessageException.class,
            () -> Json.read(Json.mapper().writeValueAsBytes(doc), TemplateVerdict.class));

    assertTrue(
        e.getMessage().contains("podCount 3 is not the number of pods listed: 2"), e.getMessage());
  }

  @Test
  void aPodListedTwiceIsRefusedByTheRecordAndTheSchema() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> of(List.of("prod/payments/api-1", "prod/payments/api-1")));
    assertTrue(e.getMessage().contains("prod/payments/api-1 is listed twice"), e.getMessage());

    ObjectNode doc = Json.mapper().valueToTree(of(PODS));
    doc.withArray("pods").add("prod/payments/api-1");
    doc.put("podCount", 3);
    assertTrue(!SchemaContractTest.schemaOf(Topics.TEMPLATE_VERDICTS).validate(doc).isEmpty());
  }
}
