package dev.vigil.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The result of evaluating one pod against the policy in force, with per-image results shaped like
 * GKE's continuous-validation events. Topic {@code vigil.verdicts}, key {@code cluster/ns/name}.
 *
 * @param trigger what caused this evaluation
 * @param policyVersions the versions of the policy documents used, e.g. {@code
 *     BINAUTHZ_POLICY/*\/policy@3}
 */
public record Verdict(
    String verdictId,
    String clusterId,
    String namespace,
    String podName,
    String podUid,
    String serviceAccount,
    WorkloadRef owner,
    Decision decision,
    List<ImageResult> images,
    List<String> policyVersions,
    Trigger trigger,
    Instant evaluatedAt) {

  /** What made Vigil evaluate the pod. */
  public enum Trigger {
    POD_EVENT,
    ADMISSION_EVENT,
    POLICY_CHANGE,
    ATTESTATION_CHANGE,
    IMAGE_METADATA_CHANGE,
    REPLAY
  }

  /**
   * The judgement of one image, and the reasons for it.
   *
   * @param attestorsMissing the attestors {@code rule} required that attested no valid signature of
   *     {@code digest} (empty when the rule requires none, or all attested); absent in verdicts
   *     written before it was kept
   */
  public record ImageResult(
      String container,
      String image,
      String digest,
      Decision result,
      String rule,
      List<String> reasons,
      List<CheckResult> checkResults,
      List<String> attestorsMissing) {
    public ImageResult {
      Objects.requireNonNull(container, "container");
      Objects.requireNonNull(image, "image");
      Objects.requireNonNull(result, "result");
      reasons = List.copyOf(Objects.requireNonNullElse(reasons, List.of()));
      checkResults = List.copyOf(Objects.requireNonNullElse(checkResults, List.of()));
      attestorsMissing = List.copyOf(Objects.requireNonNullElse(attestorsMissing, List.of()));
    }

    /** An image result that names no missing attestor (the rule required none, or all attested). */
    public ImageResult(
        String container,
        String image,
        String digest,
        Decision result,
        String rule,
        List<String> reasons,
        List<CheckResult> checkResults) {
      this(container, image, digest, result, rule, reasons, checkResults, List.of());
    }
  }

  /** The outcome of one continuous-validation check on one image. */
  public record CheckResult(String checkSet, String check, Decision result, String reason) {
    public CheckResult {
      Objects.requireNonNull(check, "check");
      Objects.requireNonNull(result, "result");
    }
  }

  public Verdict {
    Objects.requireNonNull(verdictId, "verdictId");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(podName, "podName");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(evaluatedAt, "evaluatedAt");
    images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
    policyVersions = List.copyOf(Objects.requireNonNullElse(policyVersions, List.of()));
  }

  /** The Kafka key: {@code cluster/namespace/name}. */
  public String key() {
    return Keys.pod(clusterId, namespace, podName);
  }
}
