package dev.vigil.ingest.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.ingest.AuditSamples;
import dev.vigil.ingest.translate.AuditEventTranslator;
import dev.vigil.ingest.translate.OwnerLookup;
import dev.vigil.ingest.translate.TranslationException;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class AuditEventStreamTest {

  final ObjectMapper mapper = Json.create(16L * 1024 * 1024);

  @Test
  void keepsExactlyThePodAdmissionsTheTreeWouldKeepInOrder() throws Exception {
    List<ObjectNode> events =
        List.of(
            pod("kept-create", e -> {}),
            pod("request-received", e -> e.put("stage", "RequestReceived")),
            pod("get", e -> e.put("verb", "get")),
            pod(
                "lease-update",
                e -> {
                  e.put("verb", "update");
                  e.putObject("objectRef")
                      .put("resource", "leases")
                      .put("apiGroup", "coordination.k8s.io");
                }),
            pod(
                "status-patch",
                e -> {
                  e.put("verb", "patch");
                  ((ObjectNode) e.get("objectRef")).put("subresource", "status");
                }),
            pod(
                "kept-ephemeral",
                e -> {
                  e.put("verb", "patch");
                  ((ObjectNode) e.get("objectRef")).put("subresource", "ephemeralcontainers");
                }),
            pod("kept-ref-last", e -> e.set("objectRef", e.remove("objectRef"))),
            pod("ref-not-object", e -> e.put("objectRef", "pods")),
            pod("stage-number", e -> e.put("stage", 3)),
            pod("no-verb", e -> e.remove("verb")),
            pod(
                "kept-deep-request-first",
                e -> {
                  JsonNode request = e.remove("requestObject");
                  ObjectNode reordered = e.objectNode().set("requestObject", request);
                  reordered.setAll(e);
                  e.removeAll().setAll(reordered);
                }));
    byte[] body = withANumberItem(AuditSamples.eventList(events.toArray(ObjectNode[]::new)));

    AuditEventStream.Events got = AuditEventStream.read(mapper, body);

    List<AdmissionEvent> byTree = new ArrayList<>();
    List<JsonNode> treeEvents = new ArrayList<>();
    for (JsonNode e : AuditEventTranslator.events(mapper.readTree(body))) {
      if (AuditEventTranslator.isPodAdmission(e)) {
        byTree.add(AuditEventTranslator.translate("c", e, OwnerLookup.NONE).orElseThrow());
        treeEvents.add(e);
      }
    }
    assertEquals(events.size() + 1, got.received());
    assertEquals(
        List.of("kept-create", "kept-ephemeral", "kept-ref-last", "kept-deep-request-first"),
        got.kept().stream().map(e -> e.tree().get("auditID").asText()).toList());
    assertEquals(
        byTree,
        got.kept().stream()
            .map(e -> AuditEventTranslator.translate("c", e.tree(), OwnerLookup.NONE).orElseThrow())
            .toList());
    // Each kept event's byte range is the event as sent.
    for (int i = 0; i < treeEvents.size(); i++) {
      AuditEventStream.Kept k = got.kept().get(i);
      assertEquals(treeEvents.get(i), mapper.readTree(Arrays.copyOfRange(body, k.from(), k.to())));
    }
  }

  @Test
  void aSingleEventAndAnEmptyListAreReadAsBefore() throws Exception {
    byte[] single = Json.write(pod("single", e -> {}));
    assertEquals(1, AuditEventStream.read(mapper, single).kept().size());
    AuditEventStream.Events empty =
        AuditEventStream.read(
            mapper, "{\"items\":null,\"kind\":\"EventList\"}".getBytes(StandardCharsets.UTF_8));
    assertEquals(0, empty.received());
  }

  @Test
  void documentsThatAreNotEventListsAreRefusedWithTheTranslatorsReasons() {
    TranslationException notArray =
        assertThrows(
            TranslationException.class,
            () ->
                AuditEventStream.read(
                    mapper,
                    "{\"kind\":\"EventList\",\"items\":{}}".getBytes(StandardCharsets.UTF_8)));
    assertEquals("EventList.items is not an array", notArray.getMessage());
    TranslationException otherKind =
        assertThrows(
            TranslationException.class,
            () ->
                AuditEventStream.read(
                    mapper,
                    "{\"items\":[],\"kind\":\"PodList\"}".getBytes(StandardCharsets.UTF_8)));
    assertEquals("expected kind EventList or Event, not PodList", otherKind.getMessage());
    assertThrows(
        TranslationException.class,
        () -> AuditEventStream.read(mapper, "[1]".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void readLimitsStillHoldInsideEventsThatAreSkipped() {
    String deep = "[".repeat(1000) + "]".repeat(1000);
    byte[] body =
        ("{\"kind\":\"EventList\",\"items\":[{\"stage\":\"RequestReceived\",\"requestObject\":"
                + deep
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    assertThrows(
        com.fasterxml.jackson.core.JsonProcessingException.class,
        () -> AuditEventStream.read(mapper, body));
  }

  @Test
  void anEventWrittenWithEscapesIsDecidedByTheTree() throws Exception {
    String event =
        new String(Json.write(pod("escaped", e -> {})), StandardCharsets.UTF_8)
            .replace("\"stage\":\"ResponseComplete\"", "\"stage\":\"Response\\u0043omplete\"");
    byte[] body =
        ("{\"kind\":\"EventList\",\"items\":[" + event + "]}").getBytes(StandardCharsets.UTF_8);

    assertEquals(
        List.of("escaped"),
        AuditEventStream.read(mapper, body).kept().stream()
            .map(e -> e.tree().get("auditID").asText())
            .toList());
  }

  /**
   * A field name may be written with escapes ({@code "st\u0061ge"} is {@code stage} to Jackson):
   * the events are then decided by the tree, never dropped or kept for a name read as another.
   */
  @Test
  void aFieldNameWrittenWithEscapesIsReadAsTheNameItEscapes() throws Exception {
    List<ObjectNode> events =
        List.of(
            pod("stage", e -> {}),
            pod("verb", e -> {}),
            pod("objectRef", e -> {}),
            pod("resource", e -> {}),
            pod(
                "apiGroup",
                e -> ((ObjectNode) e.get("objectRef")).put("apiGroup", "coordination.k8s.io")),
            pod(
                "subresource",
                e -> ((ObjectNode) e.get("objectRef")).put("subresource", "status")));
    StringBuilder items = new StringBuilder();
    for (ObjectNode e : events) {
      String name = e.get("auditID").asText();
      String escaped =
          name.charAt(0) + "\\u00" + Integer.toHexString(name.charAt(1)) + name.substring(2);
      String json = new String(Json.write(e), StandardCharsets.UTF_8);
      String edited = json.replace("\"" + name + "\":", "\"" + escaped + "\":");
      assertEquals(json.length() + 5, edited.length(), name); // exactly one name was escaped
      items.append(items.length() == 0 ? "" : ",").append(edited);
    }
    byte[] body =
        ("{\"kind\":\"EventList\",\"items\":[" + items + "]}").getBytes(StandardCharsets.UTF_8);

    List<String> byTree = new ArrayList<>();
    for (JsonNode e : AuditEventTranslator.events(mapper.readTree(body))) {
      if (AuditEventTranslator.isPodAdmission(e)) {
        byTree.add(e.get("auditID").asText());
      }
    }
    assertEquals(List.of("stage", "verb", "objectRef", "resource"), byTree);
    assertEquals(
        byTree,
        AuditEventStream.read(mapper, body).kept().stream()
            .map(e -> e.tree().get("auditID").asText())
            .toList());
  }

  @Test
  void aDocumentWhoseKindOrItemsNameIsEscapedIsReadAsTheTreeReadsIt() throws Exception {
    TranslationException otherKind =
        assertThrows(
            TranslationException.class,
            () ->
                AuditEventStream.read(
                    mapper,
                    "{\"items\":[],\"k\\u0069nd\":\"PodList\"}".getBytes(StandardCharsets.UTF_8)));
    assertEquals("expected kind EventList or Event, not PodList", otherKind.getMessage());
    String event = new String(Json.write(pod("kept", e -> {})), StandardCharsets.UTF_8);
    byte[] body =
        ("{\"kind\":\"EventList\",\"\\u0069tems\":[" + event + "]}")
            .getBytes(StandardCharsets.UTF_8);
    assertEquals(1, AuditEventStream.read(mapper, body).kept().size());
  }

  @Test
  void malformedJsonAndDuplicateFieldsAreRefusedEvenInEventsThatAreSkipped() {
    for (String item :
        new String[] {
          "{\"stage\":\"RequestReceived\",\"x\":tru}",
          "{\"stage\":\"RequestReceived\",\"x\":[1,]}",
          "{\"stage\":\"RequestReceived\",\"x\":\"a\\qb\"}",
          "{\"stage\":\"RequestReceived\",\"stage\":\"ResponseComplete\"}",
          "{\"stage\":\"RequestReceived\" \"verb\":\"get\"}"
        }) {
      byte[] body =
          ("{\"kind\":\"EventList\",\"items\":[" + item + "]}").getBytes(StandardCharsets.UTF_8);
      assertThrows(
          com.fasterxml.jackson.core.JsonProcessingException.class,
          () -> AuditEventStream.read(mapper, body),
          item);
    }
  }

  private static ObjectNode pod(String auditId, Consumer<ObjectNode> change) {
    return AuditSamples.variant(AuditSamples.KUBE_SYSTEM, auditId, change);
  }

  private static byte[] withANumberItem(byte[] list) {
    String s = new String(list, StandardCharsets.UTF_8);
    return s.replaceFirst("\"items\":\\[", "\"items\":[42,").getBytes(StandardCharsets.UTF_8);
  }
}
