package dev.vigil.ingest.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.WorkloadRef;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Turns Kubernetes audit events ({@code audit.k8s.io/v1} and {@code v1beta1}) about pod admissions
 * into {@link AdmissionEvent}s. Pure: the audit receiver, {@code vigil replay} and {@code vigil
 * demo} all use it.
 */
public final class AuditEventTranslator {

  /** The stage at which the outcome of a request is known. */
  public static final String RESPONSE_COMPLETE = "ResponseComplete";

  private static final Set<String> VERBS = Set.of("create", "update", "patch");
  private static final int MAX_ANNOTATIONS = 64;
  private static final int MAX_VALUE_CHARS = 1024;

  private AuditEventTranslator() {}

  /**
   * Whether the event is one Vigil keeps: a pod {@code create}, {@code update} or {@code patch} (of
   * the pod itself or its {@code ephemeralcontainers}) at stage {@code ResponseComplete}.
   */
  public static boolean isPodAdmission(JsonNode event) {
    if (event == null || !event.isObject()) {
      return false;
    }
    JsonNode ref = event.path("objectRef");
    return keptStage(PodJson.text(event, "stage"))
        && isPodRef(
            PodJson.text(ref, "apiGroup"),
            PodJson.text(ref, "resource"),
            PodJson.text(ref, "subresource"))
        && keptVerb(PodJson.text(event, "verb"));
  }

  /** Whether an event at {@code stage} can be one Vigil keeps ({@link #isPodAdmission}). */
  public static boolean keptStage(String stage) {
    return RESPONSE_COMPLETE.equals(stage);
  }

  /** Whether an event with {@code verb} can be one Vigil keeps ({@link #isPodAdmission}). */
  public static boolean keptVerb(String verb) {
    return verb != null && VERBS.contains(verb);
  }

  /** Whether an {@code objectRef} with these fields names a pod or its ephemeral containers. */
  public static boolean isPodRef(String apiGroup, String resource, String subresource) {
    String sub = PodJson.nonEmpty(subresource);
    return PodJson.nonEmpty(apiGroup) == null
        && "pods".equals(resource)
        && (sub == null || sub.equals("ephemeralcontainers"));
  }

  /**
   * Translates one audit {@code Event}.
   *
   * @return empty when the event is not a pod admission ({@link #isPodAdmission})
   * @throws TranslationException when it is one but lacks what an admission event needs
   */
  public static Optional<AdmissionEvent> translate(
      String clusterId, JsonNode event, OwnerLookup owners) {
    if (!isPodAdmission(event)) {
      return Optional.empty();
    }
    String auditId = PodJson.nonEmpty(PodJson.text(event, "auditID"));
    if (auditId == null) {
      throw new TranslationException("audit event without auditID");
    }
    String stage = PodJson.text(event, "stage");
    String verb = PodJson.text(event, "verb");
    JsonNode ref = event.path("objectRef");
    JsonNode request = event.get("requestObject");
    JsonNode response = event.get("responseObject");
    JsonNode requestPod = PodJson.isPod(request) ? request : null;
    JsonNode responsePod = PodJson.isPod(response) ? response : null;
    // Images as the request asked for them (the choice); a patch body is not a pod, so
    // fall back to the pod the API server answered with.
    JsonNode pod = requestPod != null ? requestPod : responsePod;

    String namespace =
        firstNonEmpty(
            PodJson.text(ref, "namespace"),
            meta(responsePod, "namespace"),
            meta(requestPod, "namespace"));
    if (namespace == null) {
      throw new TranslationException("audit event " + auditId + " without a namespace");
    }
    // A create with generateName has no name in objectRef: the API server chose it, and the
    // response object carries it. A denied create never got one: keep the generateName prefix.
    String name =
        firstNonEmpty(
            PodJson.text(ref, "name"),
            meta(responsePod, "name"),
            meta(requestPod, "name"),
            meta(requestPod, "generateName"));
    if (name == null) {
      throw new TranslationException("audit event " + auditId + " without a pod name");
    }
    String uid = firstNonEmpty(meta(responsePod, "uid"), PodJson.text(ref, "uid"));

    Map<String, String> auditAnnotations = PodJson.stringMap(event.get("annotations"));
    Signals.Found signals = Signals.read(auditAnnotations, requestPod, responsePod, false);

    JsonNode status = event.path("responseStatus");
    Integer code = status.hasNonNull("code") ? status.get("code").asInt() : null;
    String reason = PodJson.nonEmpty(PodJson.text(status, "reason"));
    String message = PodJson.nonEmpty(PodJson.text(status, "message"));

    WorkloadRef owner;
    String serviceAccount = null;
    if (pod != null) {
      JsonNode ownerSource = responsePod != null ? responsePod : pod;
      owner = PodJson.owner(ownerSource, namespace, name, owners);
      serviceAccount =
          firstNonEmpty(PodJson.serviceAccount(responsePod), PodJson.serviceAccount(pod));
      if (serviceAccount == null) {
        serviceAccount = "default"; // what the ServiceAccount admission plugin sets
      }
    } else {
      owner = new WorkloadRef(WorkloadRef.Kind.POD, namespace, name);
    }

    return Optional.of(
        new AdmissionEvent(
            eventId(clusterId, auditId, stage),
            clusterId,
            AdmissionEvent.Source.KUBERNETES_AUDIT,
            auditId,
            stage,
            verb,
            namespace,
            name,
            uid,
            PodJson.text(event.path("user"), "username"),
            serviceAccount,
            owner,
            pod == null ? List.of() : PodJson.images(pod),
            isBlocked(code, reason, message, auditAnnotations),
            signals.dryRun(),
            signals.breakglass(),
            signals.failedOpen(),
            code,
            reason != null ? reason : truncate(message),
            bounded(auditAnnotations),
            receivedAt(event, auditId)));
  }

  /**
   * Translates an {@code EventList} (or a single {@code Event}): the pod admissions in it, in
   * order. Events that are not pod admissions are skipped.
   *
   * @throws TranslationException when the document is neither, or an admission cannot be read
   */
  public static List<AdmissionEvent> translateList(
      String clusterId, JsonNode document, OwnerLookup owners) {
    List<AdmissionEvent> out = new ArrayList<>();
    for (JsonNode event : events(document)) {
      translate(clusterId, event, owners).ifPresent(out::add);
    }
    return out;
  }

  /** The events of an {@code EventList}, or the single {@code Event}. */
  public static List<JsonNode> events(JsonNode document) {
    if (document == null || !document.isObject()) {
      throw new TranslationException("expected an audit EventList or Event object");
    }
    String kind = PodJson.text(document, "kind");
    if ("EventList".equals(kind) || kind == null && document.has("items")) {
      JsonNode items = document.get("items");
      if (items == null || items.isNull()) {
        return List.of();
      }
      if (!items.isArray()) {
        throw new TranslationException("EventList.items is not an array");
      }
      List<JsonNode> out = new ArrayList<>(items.size());
      items.forEach(out::add);
      return out;
    }
    if ("Event".equals(kind) || kind == null && document.has("auditID")) {
      return List.of(document);
    }
    throw new TranslationException("expected kind EventList or Event, not " + kind);
  }

  /**
   * Whether the enforcer denied the request: a failure that admission produced (403 from a webhook
   * or the ImagePolicyWebhook, GKE's {@code VIOLATES_POLICY}), not one from authorization or
   * validation.
   */
  static boolean isBlocked(Integer code, String reason, String message, Map<String, String> audit) {
    if (code == null || code < 400) {
      return false;
    }
    if ("VIOLATES_POLICY".equals(reason)) {
      return true;
    }
    if ("forbid".equals(audit.get("authorization.k8s.io/decision"))) {
      return false; // RBAC said no before admission ran
    }
    String m = message == null ? "" : message;
    return code == 403
        && (m.contains("admission webhook")
            || m.contains("image policy webhook")
            || m.contains("denied the request")
            || m.contains("VIOLATES_POLICY")
            || m.contains("image-policy"));
  }

  private static Instant receivedAt(JsonNode event, String auditId) {
    for (String field : new String[] {"requestReceivedTimestamp", "timestamp", "stageTimestamp"}) {
      String t = PodJson.nonEmpty(PodJson.text(event, field));
      if (t != null) {
        try {
          return Timestamps.parse(t);
        } catch (DateTimeParseException e) {
          throw new TranslationException(
              "audit event " + auditId + ": " + field + " is not a time");
        }
      }
    }
    throw new TranslationException("audit event " + auditId + " without requestReceivedTimestamp");
  }

  static Map<String, String> bounded(Map<String, String> annotations) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : annotations.entrySet()) {
      if (out.size() >= MAX_ANNOTATIONS) {
        break;
      }
      out.put(e.getKey(), truncate(e.getValue()));
    }
    return out;
  }

  static String truncate(String s) {
    return s == null || s.length() <= MAX_VALUE_CHARS ? s : s.substring(0, MAX_VALUE_CHARS) + "…";
  }

  static String meta(JsonNode obj, String field) {
    return obj == null ? null : PodJson.nonEmpty(PodJson.text(obj.path("metadata"), field));
  }

  static String firstNonEmpty(String... values) {
    for (String v : values) {
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return null;
  }

  /** Deterministic from {@code (cluster, auditID, stage)}, so redeliveries get the same id. */
  static String eventId(String clusterId, String auditId, String stage) {
    String seed = String.join("|", clusterId, auditId, Objects.toString(stage, ""));
    return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
