package dev.vigil.ingest.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.ingest.AuditSamples;
import dev.vigil.ingest.translate.AuditEventTranslator;
import dev.vigil.ingest.translate.OwnerLookup;
import dev.vigil.ingest.translate.Signals;
import dev.vigil.ingest.translate.TranslationException;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The receiver reads only what the translator needs of a kept event ({@link KeptFields}): for every
 * kind of pod admission the translator must give the same admission event (or the same error) as
 * from the whole event that Jackson reads.
 */
class KeptFieldsTest {

  final ObjectMapper mapper = Json.create(16L * 1024 * 1024);

  @Test
  void theTranslatorSeesTheSameEventAsFromTheWholeTree() throws Exception {
    Map<String, ObjectNode> events = new LinkedHashMap<>();
    for (String sample : List.of(AuditSamples.NGINX_PRIVILEGED, AuditSamples.KUBE_SYSTEM)) {
      String s = sample.substring(sample.lastIndexOf('/') + 1);
      events.put(s, AuditSamples.variant(sample, s, e -> {}));
      events.put(
          s + "-denied",
          AuditSamples.variant(
              sample, s + "-denied", AuditSamples.deniedBy("policy.sigstore.dev")));
      events.put(
          s + "-breakglass-annotation",
          AuditSamples.variant(
              sample,
              s + "-bga",
              AuditSamples.podAnnotation(Signals.POD_BREAK_GLASS_ANNOTATION, "true")));
      events.put(
          s + "-breakglass-label",
          AuditSamples.variant(
              sample, s + "-bgl", AuditSamples.podLabel(Signals.POD_BREAK_GLASS_LABEL, "true")));
      events.put(
          s + "-failed-open",
          AuditSamples.variant(
              sample, s + "-fo", AuditSamples.auditAnnotation(Signals.AUDIT_FAILED_OPEN, "true")));
      events.put(
          s + "-dry-run",
          AuditSamples.variant(
              sample, s + "-dr", AuditSamples.auditAnnotation(Signals.DRY_RUN, "true")));
    }
    String sample = AuditSamples.NGINX_PRIVILEGED;
    events.put(
        "escapes-and-utf8",
        AuditSamples.variant(
            sample,
            "escapes",
            e -> {
              AuditSamples.podAnnotation("team", "caf\u00e9 \"qa\"\n\u65e5\u672c").accept(e);
              AuditSamples.auditAnnotation("note", "\u00e9t\u00e9 \\ tab\t").accept(e);
              e.withObject("/user").put("username", "system:serviceaccount:\u00e9quipe:deployer");
            }));
    events.put(
        "init-and-ephemeral-containers-with-statuses",
        AuditSamples.variant(
            sample,
            "init",
            e -> {
              for (String o : List.of("requestObject", "responseObject")) {
                ObjectNode spec = (ObjectNode) e.get(o).get("spec");
                spec.putArray("initContainers")
                    .addObject()
                    .put("name", "migrate")
                    .put("image", "registry.example/migrate:1")
                    .putArray("command")
                    .add("/migrate");
                spec.putArray("ephemeralContainers")
                    .addObject()
                    .put("name", "debug")
                    .put("image", "busybox");
                ObjectNode status = ((ObjectNode) e.get(o)).withObject("/status");
                status
                    .putArray("containerStatuses")
                    .addObject()
                    .put("name", "nginx1")
                    .put("imageID", "docker-pullable://nginx@sha256:aa")
                    .put("ready", true)
                    .put("restartCount", 0);
                status
                    .putArray("initContainerStatuses")
                    .addObject()
                    .put("name", "migrate")
                    .put("imageID", "sha256:bb");
              }
            }));
    events.put(
        "ephemeral-patch",
        AuditSamples.variant(
            sample,
            "patch",
            e -> {
              e.put("verb", "patch");
              ((ObjectNode) e.get("objectRef")).put("subresource", "ephemeralcontainers");
              ObjectNode patch = e.putObject("requestObject");
              patch
                  .putObject("spec")
                  .putArray("ephemeralContainers")
                  .addObject()
                  .put("name", "debugger")
                  .put("image", "busybox:1.36")
                  .put("targetContainerName", "nginx1");
            }));
    events.put(
        "generate-name-only",
        AuditSamples.variant(
            sample,
            "gen",
            e -> {
              ((ObjectNode) e.get("objectRef")).remove("name");
              e.remove("responseObject");
              ((ObjectNode) e.get("requestObject").get("metadata")).remove("name");
              ((ObjectNode) e.get("requestObject").get("metadata"))
                  .put("generateName", "web-7998647bdf-");
            }));
    events.put(
        "owned-by-a-job",
        AuditSamples.variant(
            sample,
            "job",
            e -> {
              for (String o : List.of("requestObject", "responseObject")) {
                ((ObjectNode) e.get(o).get("metadata"))
                    .putArray("ownerReferences")
                    .addObject()
                    .put("kind", "Job")
                    .put("name", "nightly-29123")
                    .put("controller", true)
                    .put("uid", "u-1");
              }
            }));
    events.put(
        "old-service-account-field",
        AuditSamples.variant(
            sample,
            "sa",
            e -> {
              for (String o : List.of("requestObject", "responseObject")) {
                ObjectNode spec = (ObjectNode) e.get(o).get("spec");
                spec.remove("serviceAccountName");
                spec.put("serviceAccount", "legacy");
              }
            }));
    events.put(
        "managed-fields-and-volumes",
        AuditSamples.variant(
            sample,
            "mf",
            e -> {
              ObjectNode meta = (ObjectNode) e.get("responseObject").get("metadata");
              meta.putArray("managedFields")
                  .addObject()
                  .put("manager", "kube-controller-manager")
                  .put("operation", "Update")
                  .putObject("fieldsV1")
                  .putObject("f:metadata")
                  .putObject("f:labels")
                  .putObject("f:app");
              ((ObjectNode) e.get("responseObject").get("spec"))
                  .putArray("volumes")
                  .addObject()
                  .put("name", "data")
                  .putObject("emptyDir")
                  .put("sizeLimit", "1Gi");
            }));
    events.put(
        "odd-numbers",
        AuditSamples.variant(
            sample,
            "numbers",
            e -> {
              e.withObject("/responseStatus").put("code", 4.03e2);
              ((ObjectNode) e.get("responseObject").get("spec"))
                  .put("terminationGracePeriodSeconds", 12345678901L);
            }));
    events.put(
        "code-as-text",
        AuditSamples.variant(
            sample, "code-text", e -> e.withObject("/responseStatus").put("code", "403")));
    events.put(
        "negative-code",
        AuditSamples.variant(
            sample, "code-neg", e -> e.withObject("/responseStatus").put("code", -1)));
    events.put(
        "request-object-not-an-object",
        AuditSamples.variant(sample, "req-text", e -> e.put("requestObject", "a pod")));
    events.put(
        "containers-not-an-array",
        AuditSamples.variant(
            sample,
            "containers-obj",
            e -> {
              ObjectNode spec = (ObjectNode) e.get("requestObject").get("spec");
              spec.putObject("containers").put("name", "x").put("image", "y");
              e.remove("responseObject");
            }));
    events.put(
        "container-not-an-object",
        AuditSamples.variant(
            sample,
            "container-text",
            e -> {
              ((ObjectNode) e.get("requestObject").get("spec"))
                  .putArray("containers")
                  .add("nginx")
                  .addNull();
              e.remove("responseObject");
            }));
    events.put(
        "metadata-null",
        AuditSamples.variant(
            sample,
            "meta-null",
            e -> {
              ((ObjectNode) e.get("responseObject")).putNull("metadata");
              ((ObjectNode) e.get("requestObject")).putNull("spec");
            }));
    events.put(
        "no-kind-on-the-pods",
        AuditSamples.variant(
            sample,
            "no-kind",
            e -> {
              ((ObjectNode) e.get("responseObject")).remove("kind");
              ((ObjectNode) e.get("requestObject")).remove("kind");
            }));
    events.put(
        "timestamp-only",
        AuditSamples.variant(
            sample,
            "ts",
            e -> {
              String t = e.get("requestReceivedTimestamp").asText();
              e.remove("requestReceivedTimestamp");
              e.put("timestamp", t);
            }));
    events.put("no-auditID", AuditSamples.variant(sample, "x", e -> e.remove("auditID")));
    events.put(
        "no-namespace",
        AuditSamples.variant(
            sample,
            "no-ns",
            e -> {
              ((ObjectNode) e.get("objectRef")).remove("namespace");
              e.remove("responseObject");
              ((ObjectNode) e.get("requestObject").get("metadata")).remove("namespace");
            }));
    events.put(
        "timestamp-not-a-time",
        AuditSamples.variant(sample, "bad-ts", e -> e.put("requestReceivedTimestamp", "noon")));

    for (Map.Entry<String, ObjectNode> e : events.entrySet()) {
      byte[] body = AuditSamples.eventList(e.getValue());
      List<AuditEventStream.Kept> kept = AuditEventStream.read(mapper, body).kept();
      assertEquals(1, kept.size(), e.getKey());
      JsonNode whole = AuditEventTranslator.events(mapper.readTree(body)).get(0);
      assertEquals(outcome(whole), outcome(kept.get(0).tree()), e.getKey());
    }
  }

  @Test
  void whatTheTranslatorDoesNotReadIsNotBuilt() throws Exception {
    ObjectNode event =
        AuditSamples.variant(
            AuditSamples.NGINX_PRIVILEGED,
            "pruned",
            e -> {
              e.withObject("/responseObject/metadata")
                  .putArray("managedFields")
                  .addObject()
                  .put("manager", "kubelet");
              ((ObjectNode) e.get("responseObject").get("spec"))
                  .putArray("volumes")
                  .addObject()
                  .put("name", "data");
            });

    JsonNode tree =
        AuditEventStream.read(mapper, AuditSamples.eventList(event)).kept().get(0).tree();

    JsonNode pod = tree.get("responseObject");
    assertFalse(pod.get("metadata").has("managedFields"));
    assertFalse(pod.get("spec").has("volumes"));
    assertFalse(pod.get("spec").get("containers").get(0).has("securityContext"));
    assertTrue(pod.get("spec").get("containers").get(0).has("image"));
    assertFalse(tree.has("requestURI"));
    assertEquals(event.get("objectRef"), tree.get("objectRef"));
    assertEquals(event.get("annotations"), tree.get("annotations"));
  }

  @Test
  void duplicateNamesAndBadStringsInAKeptEventAreRefusedAsJacksonRefusesThem() {
    String event =
        new String(
            Json.write(AuditSamples.variant(AuditSamples.NGINX_PRIVILEGED, "dup", e -> {})),
            StandardCharsets.UTF_8);
    List<String> bad =
        List.of(
            // a second stage after the deciding fields said "keep"
            event.substring(0, event.length() - 1) + ",\"stage\":\"ResponseComplete\"}",
            event.replace("\"image\":\"", "\"image\":\"x\",\"image\":\""),
            event.replace("\"image\":\"", "\"image\":\"\\x"),
            event.replace("\"image\":\"", "\"image\":\"\\u00g1"));
    for (String item : bad) {
      byte[] body =
          ("{\"kind\":\"EventList\",\"items\":[" + item + "]}").getBytes(StandardCharsets.UTF_8);
      assertThrows(
          JsonProcessingException.class, () -> mapper.readTree(body), "Jackson accepts " + item);
      assertThrows(JsonProcessingException.class, () -> AuditEventStream.read(mapper, body), item);
    }
    byte[] badUtf8 =
        ("{\"kind\":\"EventList\",\"items\":["
                + event.replace("\"image\":\"", "\"image\":\"\u00e9")
                + "]}")
            .getBytes(StandardCharsets.UTF_8);
    int at = new String(badUtf8, StandardCharsets.ISO_8859_1).indexOf("\u00c3\u00a9");
    badUtf8[at + 1] = (byte) 'x'; // a lead byte without its continuation byte
    assertThrows(JsonProcessingException.class, () -> mapper.readTree(badUtf8));
    assertThrows(JsonProcessingException.class, () -> AuditEventStream.read(mapper, badUtf8));
  }

  /** The admission event, or the translator's error. */
  private static Object outcome(JsonNode event) {
    try {
      AdmissionEvent a = AuditEventTranslator.translate("c", event, OwnerLookup.NONE).orElse(null);
      return a == null ? "not an admission" : a;
    } catch (TranslationException e) {
      return e.getMessage();
    }
  }
}
