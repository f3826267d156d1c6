package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.ViolationTransition;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the validation task remembers about one pod: the last accepted pod event, the last
 * evaluation, the violation that is open (if any), and its part in follow-ups. A deleted pod is
 * kept for a while ({@code deleted}) so late or repeated events for it are recognised.
 *
 * @param evaluations how many times the pod was evaluated; numbers the verdict ids
 * @param factsFingerprint what the attestations and metadata of the pod's digests looked like at
 *     the last evaluation
 * @param followUpKinds the follow-ups this pod belongs to
 * @param signaledDecision the decision last reported to the follow-ups
 * @param seenAdmissions audit ids of admission events already correlated (bounded)
 */
public record PodState(
    PodEvent pod,
    boolean deleted,
    Instant deletedAt,
    long evaluations,
    Decision decision,
    List<String> policyVersions,
    String factsFingerprint,
    OpenViolation violation,
    List<FollowUp.Kind> followUpKinds,
    Decision signaledDecision,
    List<String> seenAdmissions) {

  /** At most this many admission audit ids are remembered per pod. */
  static final int MAX_SEEN_ADMISSIONS = 16;

  /**
   * A violation that is open on the pod: what identifies it (decision, failing images, rules and
   * checks, {@link Violations#sameFinding}) and what its RESOLVED record repeats.
   *
   * @param rules the failing rules and checks
   * @param severity {@code null} when written by a version before violation schema v2 (which kept
   *     {@code reasons} instead of {@code images}; such a state still reads, see {@link
   *     Violations#next})
   * @param images the failing images, without their reasons (kept small)
   */
  public record OpenViolation(
      String violationId,
      Decision decision,
      List<String> rules,
      Instant openedAt,
      Severity severity,
      List<ViolationTransition.ImageFinding> images) {
    public OpenViolation {
      Objects.requireNonNull(violationId, "violationId");
      Objects.requireNonNull(decision, "decision");
      rules = List.copyOf(Objects.requireNonNullElse(rules, List.of()));
      images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
    }

    /** True when written before violation schema v2. */
    boolean legacy() {
      return severity == null;
    }
  }

  public PodState {
    Objects.requireNonNull(pod, "pod");
    policyVersions = List.copyOf(Objects.requireNonNullElse(policyVersions, List.of()));
    followUpKinds = List.copyOf(Objects.requireNonNullElse(followUpKinds, List.of()));
    seenAdmissions = List.copyOf(Objects.requireNonNullElse(seenAdmissions, List.of()));
  }

  /** A pod seen for the first time. */
  static PodState fresh(PodEvent pod) {
    return new PodState(
        pod, false, null, 0, null, List.of(), null, null, List.of(), null, List.of());
  }

  /**
   * A new pod with the name of a deleted one: verdict numbering and the admissions already
   * correlated carry over, nothing else does.
   */
  static PodState recreated(PodEvent pod, PodState old) {
    return new PodState(
        pod,
        false,
        null,
        old.evaluations(),
        null,
        List.of(),
        null,
        null,
        List.of(),
        null,
        old.seenAdmissions());
  }

  PodState withPod(PodEvent p) {
    return new PodState(
        p,
        deleted,
        deletedAt,
        evaluations,
        decision,
        policyVersions,
        factsFingerprint,
        violation,
        followUpKinds,
        signaledDecision,
        seenAdmissions);
  }

  PodState deleted(PodEvent p, Instant at) {
    return new PodState(
        p,
        true,
        at,
        evaluations,
        decision,
        policyVersions,
        factsFingerprint,
        null,
        followUpKinds,
        signaledDecision,
        seenAdmissions);
  }

  PodState evaluated(Decision d, List<String> versions, String fingerprint, OpenViolation open) {
    return new PodState(
        pod,
        deleted,
        deletedAt,
        evaluations + 1,
        d,
        versions,
        fingerprint,
        open,
        followUpKinds,
        signaledDecision,
        seenAdmissions);
  }

  /**
   * The same state, its last judgement under {@code versions} (a template verdict confirmed it).
   */
  PodState withPolicyVersions(List<String> versions) {
    return new PodState(
        pod,
        deleted,
        deletedAt,
        evaluations,
        decision,
        versions,
        factsFingerprint,
        violation,
        followUpKinds,
        signaledDecision,
        seenAdmissions);
  }

  PodState withFollowUps(List<FollowUp.Kind> kinds, Decision signaled, List<String> seen) {
    return new PodState(
        pod,
        deleted,
        deletedAt,
        evaluations,
        decision,
        policyVersions,
        factsFingerprint,
        violation,
        kinds,
        signaled,
        seen);
  }
}
