package dev.vigil.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An admission decision for a pod, read from an API server audit event or a GKE Cloud Audit Log
 * entry, with the enforcement signals it carried. Topic {@code vigil.admission-events}, key {@code
 * cluster/namespace/name}.
 *
 * @param auditId the audit event's {@code auditID} (or the log entry's {@code insertId}); with
 *     {@code stage} it de-duplicates redelivered events
 * @param blocked the enforcer denied the request
 * @param dryRun the enforcer would have denied it but only logged (dry-run mode)
 * @param breakglass the pod asked for breakglass
 * @param failedOpen how the enforcer failed open, or {@code null} when it did not
 */
public record AdmissionEvent(
    String eventId,
    String clusterId,
    Source source,
    String auditId,
    String stage,
    String verb,
    String namespace,
    String name,
    String uid,
    String user,
    String serviceAccount,
    WorkloadRef owner,
    List<ContainerImage> images,
    boolean blocked,
    boolean dryRun,
    boolean breakglass,
    FailedOpen failedOpen,
    Integer responseCode,
    String responseReason,
    Map<String, String> annotations,
    Instant requestReceivedAt) {

  /** Where the admission event was read. */
  public enum Source {
    KUBERNETES_AUDIT,
    GKE_CLOUD_AUDIT_LOG
  }

  /** The enforcer failed open: the pod was admitted with no verdict. */
  public record FailedOpen(Mechanism mechanism, String detail) {

    /** Which admission mechanism failed open. */
    public enum Mechanism {
      /** The ImagePolicyWebhook admission plugin ({@code defaultAllow: true}). */
      IMAGE_POLICY_WEBHOOK,
      /** A validating webhook with {@code failurePolicy: Ignore}. */
      VALIDATING_WEBHOOK,
      /** A mutating webhook with {@code failurePolicy: Ignore}. */
      MUTATING_WEBHOOK,
      /** GKE's Binary Authorization enforcer, which always fails open. */
      GKE_BINARY_AUTHORIZATION
    }

    public FailedOpen {
      Objects.requireNonNull(mechanism, "mechanism");
    }
  }

  public AdmissionEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(auditId, "auditId");
    Objects.requireNonNull(verb, "verb");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(requestReceivedAt, "requestReceivedAt");
    images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
    annotations = Map.copyOf(Objects.requireNonNullElse(annotations, Map.of()));
  }

  /** The Kafka key: {@code cluster/namespace/name}. */
  public String key() {
    return Keys.pod(clusterId, namespace, name);
  }
}
