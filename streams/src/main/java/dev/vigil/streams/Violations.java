package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a pod's successive verdicts into violation transitions: OPENED when a pod starts to
 * violate, CHANGED when the decision, the reasons or the policy version change, RESOLVED when it
 * complies again or is gone. A pod that stays violating for the same reasons yields nothing.
 *
 * <p>A dry-run finding ({@code DRYRUN_DENY}) is a violation that security operations see, with
 * {@code current = DRYRUN_DENY}; it is never reported as {@code DENY} (the pod was not, and would
 * not have been, blocked).
 */
final class Violations {

  private Violations() {}

  /** A transition to publish and the violation that is open afterwards ({@code null}: none). */
  record Step(ViolationTransition transition, PodState.OpenViolation open) {}

  /**
   * The transition {@code verdict} causes when {@code open} is the violation open before it, at
   * {@code now} (processing time), caused by an input of {@code eventTime} (null: unknown).
   */
  static Optional<Step> next(PodState.OpenViolation open, Verdict verdict, Instant now, Instant eventTime) {
    if (!verdict.decision().isViolation()) {
      if (open == null) {
        return Optional.empty();
      }
      List<String> reasons = List.of("compliant under " + policy(verdict.policyVersions()));
      return Optional.of(new Step(transition(open.violationId(), verdict,
          ViolationTransition.Transition.RESOLVED, open.decision(), Decision.ALLOW, reasons,
          open.openedAt(), now, eventTime), null));
    }
    List<String> reasons = reasons(verdict);
    List<String> rules = rules(verdict);
    if (open == null) {
      String id = "violation/" + verdict.verdictId();
      return Optional.of(new Step(transition(id, verdict, ViolationTransition.Transition.OPENED,
              null, verdict.decision(), reasons, now, now, eventTime),
          new PodState.OpenViolation(id, verdict.decision(), reasons, rules, now)));
    }
    if (open.decision() == verdict.decision() && open.reasons().equals(reasons)) {
      return Optional.empty();
    }
    return Optional.of(new Step(transition(open.violationId(), verdict,
            ViolationTransition.Transition.CHANGED, open.decision(), verdict.decision(), reasons,
            open.openedAt(), now, eventTime),
        new PodState.OpenViolation(open.violationId(), verdict.decision(), reasons, rules,
            open.openedAt())));
  }

  /** The RESOLVED transition of a pod that is gone. */
  static ViolationTransition gone(PodState state, String why, Instant now, Instant eventTime) {
    PodState.OpenViolation open = state.violation();
    var p = state.pod();
    return new ViolationTransition(open.violationId(), p.clusterId(), p.namespace(), p.name(),
        p.owner(), ViolationTransition.Transition.RESOLVED, open.decision(), open.decision(),
        List.of(why), null, open.openedAt(), now, eventTime);
  }

  /**
   * The reasons, one line per failing image and rule or check, naming the container, the image,
   * the rule and why, followed by the policy versions. The violation schema has no fields for
   * images, rule and policy version, so they are spelled out here; the verdict has them all.
   */
  static List<String> reasons(Verdict v) {
    List<String> out = new ArrayList<>();
    for (Verdict.ImageResult r : v.images()) {
      if (!r.result().isViolation()) {
        continue;
      }
      String image = r.container() + " " + r.image() + (r.digest() == null ? "" : " (" + r.digest() + ")");
      String rule = r.rule() == null ? "?" : r.rule();
      if (r.reasons().isEmpty() && r.checkResults().isEmpty()) {
        out.add(image + ": " + rule + ": " + r.result());
      }
      for (String reason : r.reasons()) {
        // The validator's reasons usually name the rule already.
        out.add(image + ": " + (reason.startsWith(rule) ? reason : rule + ": " + reason));
      }
      for (Verdict.CheckResult c : r.checkResults()) {
        if (c.result().isViolation()) {
          out.add(r.container() + " " + r.image() + ": " + (c.checkSet() == null ? "" : c.checkSet() + "/")
              + c.check() + ": " + (c.reason() == null ? c.result() : c.reason()));
        }
      }
    }
    if (out.isEmpty()) {
      out.add("pod: " + v.decision());
    }
    out.add("policy: " + policy(v.policyVersions()));
    return out;
  }

  /** The rules and checks that failed, for the open-violations metric. */
  static List<String> rules(Verdict v) {
    Set<String> out = new LinkedHashSet<>();
    for (Verdict.ImageResult r : v.images()) {
      if (!r.result().isViolation()) {
        continue;
      }
      boolean check = false;
      for (Verdict.CheckResult c : r.checkResults()) {
        if (c.result().isViolation()) {
          out.add(c.check());
          check = true;
        }
      }
      if (!check) {
        out.add(r.rule() == null ? "unknown" : r.rule());
      }
    }
    if (out.isEmpty()) {
      out.add("unknown");
    }
    return List.copyOf(out);
  }

  private static String policy(List<String> versions) {
    return versions.isEmpty() ? "(no policy in force)" : String.join(", ", versions);
  }

  private static ViolationTransition transition(String id, Verdict v,
      ViolationTransition.Transition t, Decision previous, Decision current, List<String> reasons,
      Instant openedAt, Instant at, Instant eventTime) {
    return new ViolationTransition(id, v.clusterId(), v.namespace(), v.podName(), v.owner(), t,
        previous, current, reasons, v.verdictId(), openedAt, at, eventTime);
  }
}
