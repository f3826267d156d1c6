package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Verdict;
import dev.vigil.validator.Evaluation;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a validation task keeps of one pod template ({@value StoreNames#TEMPLATES}, by {@link
 * PodTemplate#fingerprint}): the template, which its pods' stored states leave out, and its last
 * judgement, which every pod of the template shares (ADR 0150).
 *
 * @param judgement null until a pod of the template is first judged
 */
record TemplateState(PodTemplate template, Judgement judgement) {

  TemplateState {
    Objects.requireNonNull(template, "template");
  }

  /**
   * One judgement of a template.
   *
   * @param versions the versions of the policy documents in force for the cluster when judged
   * @param factsFingerprint the fingerprint of the facts of the template's digests when judged
   */
  record Judgement(
      Evaluation evaluation, List<String> versions, String factsFingerprint, Instant evaluatedAt) {
    Judgement {
      Objects.requireNonNull(evaluation, "evaluation");
      versions = List.copyOf(Objects.requireNonNullElse(versions, List.of()));
      Objects.requireNonNull(evaluatedAt, "evaluatedAt");
    }

    /** Judged under these policy versions and facts. */
    boolean under(List<String> inForce, String facts) {
      return versions.equals(inForce) && Objects.equals(factsFingerprint, facts);
    }

    /**
     * Whether a pod of the template may take this judgement instead of being judged again: judged
     * under the policies and facts in force, not UNKNOWN (which may be a failure worth retrying),
     * and at most {@code reuseFor} ago (rules that depend on time: attestation expiry, image age).
     */
    boolean reusable(List<String> inForce, String facts, Instant now, Duration reuseFor) {
      return evaluation.decision() != Decision.UNKNOWN
          && under(inForce, facts)
          && !evaluatedAt.plus(reuseFor).isBefore(now);
    }
  }

  TemplateState judged(Judgement j) {
    return new TemplateState(template, j);
  }

  /**
   * True when two evaluations give a pod the same outcome: the same decision and, per image, the
   * same result, rule, failed checks and missing attestors. Reasons (which may name times) and
   * policy versions are not compared: what a user would see change is a decision or a finding.
   */
  static boolean sameOutcome(Evaluation a, Evaluation b) {
    return a.decision() == b.decision() && identities(a.images()).equals(identities(b.images()));
  }

  private static Set<List<Object>> identities(List<Verdict.ImageResult> images) {
    Set<List<Object>> out = new HashSet<>();
    for (Verdict.ImageResult r : images) {
      Set<List<Object>> checks = new HashSet<>();
      for (Verdict.CheckResult c : r.checkResults()) {
        checks.add(java.util.Arrays.asList(c.checkSet(), c.check(), c.result()));
      }
      out.add(
          java.util.Arrays.asList(
              r.container(),
              r.digest(),
              r.result(),
              r.rule(),
              checks,
              new HashSet<>(r.attestorsMissing())));
    }
    return out;
  }
}
