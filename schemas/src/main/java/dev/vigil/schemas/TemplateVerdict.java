package dev.vigil.schemas;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The result of evaluating one pod template (cluster, namespace, service account, container images
 * with their resolved digests) at a re-evaluation that confirmed the template's outcome: one record
 * per template and partition instead of one {@link Verdict} per pod, listing the pods it covers so
 * each pod's compliance evidence stays derivable (issue 13 part 2). Topic {@code
 * vigil.template-verdicts}, key the template fingerprint.
 *
 * @param template the template's fingerprint, also the record's key
 * @param images the judgement of each image, as in every covered pod's own verdict
 * @param policyVersions the versions of the policy documents used, e.g. {@code
 *     BINAUTHZ_POLICY/*\/policy@3}
 * @param trigger what caused this evaluation
 * @param podCount how many pods this record covers: the size of {@code pods}
 * @param pods the keys ({@code cluster/namespace/name}) of the running pods of the template that
 *     the publishing task holds
 */
public record TemplateVerdict(
    String templateVerdictId,
    String template,
    String clusterId,
    String namespace,
    String serviceAccount,
    Decision decision,
    List<Verdict.ImageResult> images,
    List<String> policyVersions,
    Verdict.Trigger trigger,
    int podCount,
    List<String> pods,
    Instant evaluatedAt) {

  public TemplateVerdict {
    Objects.requireNonNull(templateVerdictId, "templateVerdictId");
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(evaluatedAt, "evaluatedAt");
    images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
    policyVersions = List.copyOf(Objects.requireNonNullElse(policyVersions, List.of()));
    pods = List.copyOf(Objects.requireNonNullElse(pods, List.of()));
    if (podCount != pods.size()) {
      throw new IllegalArgumentException(
          "podCount " + podCount + " is not the number of pods listed: " + pods.size());
    }
    Set<String> seen = new HashSet<>();
    for (String pod : pods) {
      if (!seen.add(pod)) {
        throw new IllegalArgumentException("pod " + pod + " is listed twice");
      }
    }
  }

  /** The Kafka key: the template fingerprint. */
  public String key() {
    return template;
  }
}
