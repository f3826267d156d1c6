package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Unreadable input is refused with a clear, typed error, and never allocates without bound. */
class JsonLimitsTest {

  private final JsonSerde<PodEvent> serde = new JsonSerde<>(PodEvent.class);

  private UnreadableMessageException refuse(String json) {
    return assertThrows(
        UnreadableMessageException.class,
        () ->
            serde
                .deserializer()
                .deserialize("vigil.pod-events", json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void malformedJsonIsRefusedNamingTheType() {
    UnreadableMessageException e = refuse("{\"eventId\": ");
    assertTrue(e.getMessage().startsWith("unreadable PodEvent:"), e.getMessage());
  }

  @Test
  void missingRequiredFieldIsRefusedNamingTheField() {
    UnreadableMessageException e = refuse("{\"eventId\":\"e\",\"type\":\"ADDED\"}");
    assertTrue(e.getMessage().contains("clusterId"), e.getMessage());
  }

  @Test
  void unknownEnumValueIsRefused() {
    String json =
        new String(Samples.bytes("samples/pod-event.json"), StandardCharsets.UTF_8)
            .replace("\"ADDED\"", "\"EXPLODED\"");
    assertTrue(refuse(json).getMessage().contains("EXPLODED"));
  }

  @Test
  void deepNestingIsRefused() {
    String json =
        "{\"padding\":"
            + "[".repeat(Json.MAX_NESTING_DEPTH + 10)
            + "]".repeat(Json.MAX_NESTING_DEPTH + 10)
            + "}";
    assertTrue(refuse(json).getMessage().toLowerCase().contains("nesting"), "names the limit");
  }

  @Test
  void overlongStringIsRefused() {
    String json = "{\"eventId\":\"" + "x".repeat(Json.MAX_STRING_CHARS + 1) + "\"}";
    assertTrue(refuse(json).getMessage().toLowerCase().contains("string"));
  }

  @Test
  void oversizedDocumentIsRefused() {
    var small = Json.create(1024);
    String json = new String(Samples.bytes("samples/pod-event.json"), StandardCharsets.UTF_8);
    String padded =
        json.replace("\"labels\"", "\"padding\":\"" + "p".repeat(2048) + "\",\"labels\"");
    assertThrows(
        UnreadableMessageException.class,
        () -> Json.read(small, padded.getBytes(StandardCharsets.UTF_8), PodEvent.class));
  }

  @Test
  void duplicateKeysAreRefused() {
    assertTrue(refuse("{\"eventId\":\"a\",\"eventId\":\"b\"}").getMessage().contains("eventId"));
  }

  @Test
  void emptyAndNullPayloadsAreRefusedButTombstonesReadAsNull() {
    refuse("");
    refuse("null");
    assertNull(serde.deserializer().deserialize("t", null));
  }

  @Test
  void errorDoesNotEchoThePayload() {
    String secret = "s3cr3t-token-value";
    UnreadableMessageException e = refuse("{\"eventId\":\"" + secret + "\",\"type\":\"BOOM\"}");
    assertTrue(!e.getMessage().contains(secret), e.getMessage());
  }
}
