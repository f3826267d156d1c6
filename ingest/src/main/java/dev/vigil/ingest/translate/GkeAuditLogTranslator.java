package dev.vigil.ingest.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.WorkloadRef;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns GKE Cloud Audit Log entries (as {@code gcloud logging read --format=json} writes them, or
 * as a log sink pushes them through Pub/Sub) about pod admissions into {@link AdmissionEvent}s.
 * Pure. The Kubernetes audit annotations are the entry's top-level {@code labels}.
 */
public final class GkeAuditLogTranslator {

  private static final String METHOD_PREFIX = "io.k8s.core.v1.pods.";

  private GkeAuditLogTranslator() {}

  /**
   * Whether the entry is a pod {@code create}, {@code update} or {@code patch} (or ephemeral
   * containers).
   */
  public static boolean isPodAdmission(JsonNode entry) {
    String method = method(entry);
    if (method == null || !method.startsWith(METHOD_PREFIX)) {
      return false;
    }
    String rest = method.substring(METHOD_PREFIX.length());
    return rest.equals("create")
        || rest.equals("update")
        || rest.equals("patch")
        || rest.equals("ephemeralcontainers.update")
        || rest.equals("ephemeralcontainers.patch");
  }

  /**
   * The cluster id as Binary Authorization's cluster rules name it: {@code location.cluster_name}
   * from the entry's {@code resource.labels}, or {@code null} when they are missing.
   */
  public static String clusterId(JsonNode entry) {
    JsonNode labels = entry.path("resource").path("labels");
    String location = PodJson.nonEmpty(PodJson.text(labels, "location"));
    String cluster = PodJson.nonEmpty(PodJson.text(labels, "cluster_name"));
    return location == null || cluster == null ? null : location + "." + cluster;
  }

  /**
   * Translates one log entry.
   *
   * @param defaultClusterId used when the entry's resource labels do not name the cluster
   * @return empty when the entry is not a pod admission
   * @throws TranslationException when it is one but cannot be read
   */
  public static Optional<AdmissionEvent> translate(
      JsonNode entry, String defaultClusterId, OwnerLookup owners) {
    if (entry == null || !entry.isObject() || !isPodAdmission(entry)) {
      return Optional.empty();
    }
    JsonNode proto = entry.path("protoPayload");
    String insertId = PodJson.nonEmpty(PodJson.text(entry, "insertId"));
    if (insertId == null) {
      throw new TranslationException("log entry without insertId");
    }
    String clusterId = Optional.ofNullable(clusterId(entry)).orElse(defaultClusterId);
    if (clusterId == null) {
      throw new TranslationException("log entry " + insertId + " does not name its cluster");
    }
    String method = method(entry);
    String verb = method.substring(method.lastIndexOf('.') + 1);

    JsonNode request = proto.get("request");
    JsonNode response = proto.get("response");
    JsonNode requestPod = PodJson.isPod(request) ? request : null;
    JsonNode responsePod = PodJson.isPod(response) ? response : null;
    JsonNode pod = requestPod != null ? requestPod : responsePod;

    // resourceName: core/v1/namespaces/NS/pods/NAME[/ephemeralcontainers]; no NAME for pods
    // created by controllers.
    String[] parts = Optional.ofNullable(PodJson.text(proto, "resourceName")).orElse("").split("/");
    String nsFromResource = null;
    String nameFromResource = null;
    for (int i = 0; i + 1 < parts.length; i++) {
      if (parts[i].equals("namespaces")) {
        nsFromResource = parts[i + 1];
      } else if (parts[i].equals("pods")) {
        nameFromResource = parts[i + 1];
      }
    }
    String namespace =
        AuditEventTranslator.firstNonEmpty(
            nsFromResource,
            AuditEventTranslator.meta(responsePod, "namespace"),
            AuditEventTranslator.meta(requestPod, "namespace"));
    String name =
        AuditEventTranslator.firstNonEmpty(
            nameFromResource,
            AuditEventTranslator.meta(responsePod, "name"),
            AuditEventTranslator.meta(requestPod, "name"),
            AuditEventTranslator.meta(requestPod, "generateName"));
    if (namespace == null || name == null) {
      throw new TranslationException("log entry " + insertId + " does not name the pod");
    }

    Map<String, String> labels = PodJson.stringMap(entry.get("labels"));
    Signals.Found signals = Signals.read(labels, requestPod, responsePod, true);

    Integer code =
        response != null && response.hasNonNull("code") ? response.get("code").asInt() : null;
    String reason = PodJson.nonEmpty(PodJson.text(response, "reason"));
    String message = PodJson.nonEmpty(PodJson.text(response, "message"));
    boolean failure = response != null && "Failure".equals(PodJson.text(response, "status"));
    // Without an HTTP code, judge a Failure by its message as a 403 would be judged.
    boolean blocked =
        "VIOLATES_POLICY".equals(reason)
            || failure
                && AuditEventTranslator.isBlocked(
                    code == null ? 403 : code, reason, message, labels);

    WorkloadRef owner;
    String serviceAccount = null;
    if (pod != null) {
      owner = PodJson.owner(responsePod != null ? responsePod : pod, namespace, name, owners);
      serviceAccount =
          AuditEventTranslator.firstNonEmpty(
              PodJson.serviceAccount(responsePod), PodJson.serviceAccount(pod));
      if (serviceAccount == null) {
        serviceAccount = "default";
      }
    } else {
      owner = new WorkloadRef(WorkloadRef.Kind.POD, namespace, name);
    }
    String uid = AuditEventTranslator.meta(responsePod, "uid");

    return Optional.of(
        new AdmissionEvent(
            AuditEventTranslator.eventId(clusterId, insertId, "gke"),
            clusterId,
            AdmissionEvent.Source.GKE_CLOUD_AUDIT_LOG,
            insertId,
            AuditEventTranslator.RESPONSE_COMPLETE,
            verb,
            namespace,
            name,
            uid,
            PodJson.text(proto.path("authenticationInfo"), "principalEmail"),
            serviceAccount,
            owner,
            pod == null ? List.of() : PodJson.images(pod),
            blocked,
            signals.dryRun(),
            signals.breakglass(),
            signals.failedOpen(),
            code,
            reason != null ? reason : AuditEventTranslator.truncate(message),
            AuditEventTranslator.bounded(labels),
            timestamp(entry, insertId)));
  }

  private static String method(JsonNode entry) {
    return entry == null ? null : PodJson.text(entry.path("protoPayload"), "methodName");
  }

  private static Instant timestamp(JsonNode entry, String insertId) {
    for (String field : new String[] {"timestamp", "receiveTimestamp"}) {
      String t = PodJson.nonEmpty(PodJson.text(entry, field));
      if (t != null) {
        try {
          return Instant.parse(t);
        } catch (DateTimeParseException e) {
          throw new TranslationException("log entry " + insertId + ": " + field + " is not a time");
        }
      }
    }
    throw new TranslationException("log entry " + insertId + " without timestamp");
  }
}
