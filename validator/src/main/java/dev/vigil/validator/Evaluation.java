package dev.vigil.validator;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.WorkloadRef;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of evaluating one pod: the overall decision and, per image, the rule or check that
 * applied with every reason. Deterministic for the same inputs.
 *
 * @param policyVersions the versions of the documents the evaluation used
 */
public record Evaluation(
    Decision decision, List<Verdict.ImageResult> images, List<String> policyVersions) {

  public Evaluation {
    Objects.requireNonNull(decision, "decision");
    images = List.copyOf(images);
    policyVersions = List.copyOf(policyVersions);
  }

  /** This evaluation as a verdict record for the verdicts topic. */
  public Verdict toVerdict(
      String verdictId,
      PodContext pod,
      String podUid,
      WorkloadRef owner,
      Verdict.Trigger trigger,
      Instant evaluatedAt) {
    return new Verdict(
        verdictId,
        pod.clusterId(),
        pod.namespace(),
        pod.name(),
        podUid,
        pod.serviceAccount(),
        owner,
        decision,
        images,
        policyVersions,
        trigger,
        evaluatedAt);
  }
}
