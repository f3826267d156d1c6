package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PolicyDocumentTest {

  static final Instant T = Instant.parse("2026-11-20T09:00:00Z");
  static final String CONTENT =
      "defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\n"
          + "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";

  @Test
  void ofComputesTheSha256OfTheContent() {
    PolicyDocument d =
        PolicyDocument.of(
            "*",
            PolicyDocument.Kind.BINAUTHZ_POLICY,
            "p",
            1,
            PolicyDocument.Format.YAML,
            CONTENT,
            "test",
            T);

    // sha256sum of the same bytes.
    assertEquals("7f63668567e8fdc9470a32f86261036f2fa2abcb4092eace24202d2a5a5b045f", d.sha256());
  }

  @Test
  void aDocumentWhoseContentDoesNotMatchItsSha256IsRefusedAlsoWhenReadFromKafka() throws Exception {
    PolicyDocument d =
        PolicyDocument.of(
            "*",
            PolicyDocument.Kind.BINAUTHZ_POLICY,
            "p",
            1,
            PolicyDocument.Format.YAML,
            CONTENT,
            "test",
            T);

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new PolicyDocument(
                    "*",
                    PolicyDocument.Kind.BINAUTHZ_POLICY,
                    "p",
                    1,
                    PolicyDocument.Format.YAML,
                    CONTENT + "#",
                    d.sha256(),
                    "test",
                    T));
    assertTrue(e.getMessage().contains("BINAUTHZ_POLICY/*/p"), e.getMessage());

    ObjectNode altered = Json.mapper().valueToTree(d);
    altered.put("content", CONTENT.replace("ALWAYS_DENY", "ALWAYS_ALLOW"));
    byte[] bytes = Json.mapper().writeValueAsBytes(altered);
    UnreadableMessageException unreadable =
        assertThrows(
            UnreadableMessageException.class, () -> Json.read(bytes, PolicyDocument.class));
    assertTrue(
        unreadable.getMessage().contains("is not the SHA-256 of its content"),
        unreadable.getMessage());
    assertEquals(d, Json.read(Json.write(d), PolicyDocument.class));
  }
}
