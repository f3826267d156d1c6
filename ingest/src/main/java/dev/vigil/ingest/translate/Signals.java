package dev.vigil.ingest.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.AdmissionEvent.FailedOpen;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The enforcement signals of an admission: dry-run, breakglass and failed-open, read from audit
 * annotations (or a Cloud Audit Log entry's labels) and from the pod's own annotations and labels.
 * See shared/domain.md §4.
 */
public final class Signals {

  /** Audit annotation: the ImagePolicyWebhook backend answered in dry-run mode. */
  public static final String DRY_RUN = "imagepolicywebhook.image-policy.k8s.io/dry-run";

  /** Audit annotation: the ImagePolicyWebhook admitted the pod because of breakglass. */
  public static final String AUDIT_BREAK_GLASS =
      "imagepolicywebhook.image-policy.k8s.io/break-glass";

  /** Pod annotation asking for breakglass (older form, still honoured). */
  public static final String POD_BREAK_GLASS_ANNOTATION = "alpha.image-policy.k8s.io/break-glass";

  /** Pod label asking for breakglass (current GKE form). */
  public static final String POD_BREAK_GLASS_LABEL = "image-policy.k8s.io/break-glass";

  /** Audit annotation: the ImagePolicyWebhook plugin failed open ({@code defaultAllow: true}). */
  public static final String AUDIT_FAILED_OPEN =
      "imagepolicywebhook.image-policy.k8s.io/failed-open";

  /** Pod annotation the ImagePolicyWebhook plugin sets when it failed open. */
  public static final String POD_FAILED_OPEN = "alpha.image-policy.k8s.io/failed-open";

  /** GKE's form of the fail-open label. */
  public static final String GKE_FAILED_OPEN = "image-policy.k8s.io/failed-open";

  /** Prefix of {@code round_<r>_index_<i>} annotations of validating webhooks that failed open. */
  public static final String VALIDATING_FAILED_OPEN_PREFIX =
      "failed-open.validating.webhook.admission.k8s.io/";

  /** Prefix of {@code round_<r>_index_<i>} annotations of mutating webhooks that failed open. */
  public static final String MUTATING_FAILED_OPEN_PREFIX =
      "failed-open.mutation.webhook.admission.k8s.io/";

  private Signals() {}

  /** Signals of one admission. */
  public record Found(boolean dryRun, boolean breakglass, FailedOpen failedOpen) {}

  /**
   * Reads the signals.
   *
   * @param auditAnnotations the audit event's annotations, or a log entry's labels
   * @param requestPod the request object (a pod or a patch body), or {@code null}
   * @param responsePod the response object, or {@code null}; its annotations and labels win over
   *     the request's
   * @param gke whether the admission is from GKE, whose enforcer is Binary Authorization
   */
  public static Found read(
      Map<String, String> auditAnnotations,
      JsonNode requestPod,
      JsonNode responsePod,
      boolean gke) {
    Map<String, String> podAnnotations = new HashMap<>();
    Map<String, String> podLabels = new HashMap<>();
    for (JsonNode p : new JsonNode[] {requestPod, responsePod}) {
      if (p != null) {
        podAnnotations.putAll(PodJson.annotations(p));
        podLabels.putAll(PodJson.labels(p));
      }
    }
    boolean dryRun = isTrue(auditAnnotations.get(DRY_RUN));
    boolean breakglass =
        isTrue(auditAnnotations.get(AUDIT_BREAK_GLASS))
            || isTrue(podAnnotations.get(POD_BREAK_GLASS_ANNOTATION))
            || isTrue(podLabels.get(POD_BREAK_GLASS_LABEL));
    return new Found(dryRun, breakglass, failedOpen(auditAnnotations, podAnnotations, gke));
  }

  private static FailedOpen failedOpen(
      Map<String, String> audit, Map<String, String> pod, boolean gke) {
    FailedOpen.Mechanism imagePolicy =
        gke
            ? FailedOpen.Mechanism.GKE_BINARY_AUTHORIZATION
            : FailedOpen.Mechanism.IMAGE_POLICY_WEBHOOK;
    FailedOpen.Mechanism mechanism = null;
    List<String> details = new ArrayList<>();
    if (isTrue(audit.get(AUDIT_FAILED_OPEN))) {
      mechanism = imagePolicy;
      details.add(AUDIT_FAILED_OPEN + "=" + audit.get(AUDIT_FAILED_OPEN));
    }
    if (isTrue(audit.get(GKE_FAILED_OPEN))) {
      mechanism = mechanism == null ? FailedOpen.Mechanism.GKE_BINARY_AUTHORIZATION : mechanism;
      details.add(GKE_FAILED_OPEN + "=" + audit.get(GKE_FAILED_OPEN));
    }
    if (isTrue(pod.get(POD_FAILED_OPEN))) {
      mechanism = mechanism == null ? imagePolicy : mechanism;
      details.add("pod " + POD_FAILED_OPEN + "=" + pod.get(POD_FAILED_OPEN));
    }
    // Sorted, so the detail is stable whatever order the annotations came in.
    for (Map.Entry<String, String> e : new TreeMap<>(audit).entrySet()) {
      String key = e.getKey();
      if (key.startsWith(VALIDATING_FAILED_OPEN_PREFIX)) {
        mechanism = mechanism == null ? FailedOpen.Mechanism.VALIDATING_WEBHOOK : mechanism;
        details.add(
            "validating webhook "
                + e.getValue()
                + " ("
                + key.substring(VALIDATING_FAILED_OPEN_PREFIX.length())
                + ")");
      } else if (key.startsWith(MUTATING_FAILED_OPEN_PREFIX)) {
        mechanism = mechanism == null ? FailedOpen.Mechanism.MUTATING_WEBHOOK : mechanism;
        details.add(
            "mutating webhook "
                + e.getValue()
                + " ("
                + key.substring(MUTATING_FAILED_OPEN_PREFIX.length())
                + ")");
      }
    }
    return mechanism == null ? null : new FailedOpen(mechanism, String.join("; ", details));
  }

  private static boolean isTrue(String value) {
    return value != null && value.trim().toLowerCase(Locale.ROOT).equals("true");
  }
}
