package dev.vigil.ingest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.schemas.Json;
import java.util.List;
import java.util.function.Consumer;

/**
 * Audit events for tests: the real falco samples (see resources/k8s-audit/README.md), and variants
 * made from them in code with a new auditID.
 */
public final class AuditSamples {

  public static final String NGINX_PRIVILEGED =
      "/k8s-audit/create_nginx_pod_privileged_2nd_container.json";
  public static final String KUBE_SYSTEM = "/k8s-audit/create_pod_kube_system_namespace.json";

  private AuditSamples() {}

  /** A real sample. */
  public static ObjectNode real(String path) {
    return TestResources.object(path);
  }

  /** A real sample with a new auditID and a change applied. */
  public static ObjectNode variant(String path, String auditId, Consumer<ObjectNode> change) {
    ObjectNode e = real(path);
    e.put("auditID", auditId);
    change.accept(e);
    return e;
  }

  /** Sets an audit annotation. */
  public static Consumer<ObjectNode> auditAnnotation(String key, String value) {
    return e -> ((ObjectNode) e.get("annotations")).put(key, value);
  }

  /** Sets an annotation on the pod in both request and response objects. */
  public static Consumer<ObjectNode> podAnnotation(String key, String value) {
    return e -> {
      for (String obj : List.of("requestObject", "responseObject")) {
        ObjectNode meta = (ObjectNode) e.get(obj).get("metadata");
        meta.withObject("/annotations").put(key, value);
      }
    };
  }

  /** Sets a label on the pod in both request and response objects. */
  public static Consumer<ObjectNode> podLabel(String key, String value) {
    return e -> {
      for (String obj : List.of("requestObject", "responseObject")) {
        ((ObjectNode) e.get(obj).get("metadata").get("labels")).put(key, value);
      }
    };
  }

  /** Makes the event a denial by a validating webhook: 403, no response pod. */
  public static Consumer<ObjectNode> deniedBy(String webhook) {
    return e -> {
      e.remove("responseObject");
      ObjectNode status = e.putObject("responseStatus");
      status
          .put("code", 403)
          .put("status", "Failure")
          .put("reason", "Forbidden")
          .put(
              "message",
              "admission webhook \"" + webhook + "\" denied the request: image is not attested");
    };
  }

  /** An EventList holding the events. */
  public static byte[] eventList(ObjectNode... events) {
    ObjectNode list = Json.mapper().createObjectNode();
    list.put("kind", "EventList").put("apiVersion", "audit.k8s.io/v1");
    list.putObject("metadata");
    ArrayNode items = list.putArray("items");
    for (ObjectNode e : events) {
      items.add(e);
    }
    return Json.write(list);
  }
}
