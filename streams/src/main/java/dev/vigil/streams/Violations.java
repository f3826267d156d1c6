package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.ImageFinding;
import dev.vigil.schemas.ViolationTransition.Transition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns a pod's successive verdicts into policy violation transitions ({@code category=policy}):
 * OPENED when a pod starts to violate, CHANGED when the decision, the failing images (container,
 * image, digest, with their result, missing attestors and failed checks) or the failing rules and
 * checks change, RESOLVED when it complies again or is gone. Nothing else makes a transition: a new
 * policy version that judges the pod the same way, a new timestamp or other wording of the reasons
 * yield nothing, though every record carries the policy versions it was judged under.
 *
 * <p>A dry-run finding ({@code DRYRUN_DENY}) is a violation that security operations see, with
 * {@code current = DRYRUN_DENY}; it is never reported as {@code DENY} (the pod was not, and would
 * not have been, blocked).
 */
final class Violations {

  /** Longest {@link ViolationTransition#summary()}. */
  static final int MAX_SUMMARY = 300;

  private Violations() {}

  /**
   * What a verdict does to a pod's violation: the transition to publish ({@code null}: none) and
   * the violation open afterwards ({@code null}: none).
   */
  record Step(ViolationTransition transition, PodState.OpenViolation open) {}

  /**
   * The step {@code verdict} causes when {@code open} is the violation open before it, at {@code
   * now} (processing time), caused by an input of {@code eventTime} (null: unknown).
   */
  static Step next(
      PodState.OpenViolation open,
      Verdict verdict,
      Instant now,
      Instant eventTime,
      SeverityMapping severities) {
    if (!verdict.decision().isViolation()) {
      if (open == null) {
        return new Step(null, null);
      }
      String why = "compliant under " + policy(verdict.policyVersions());
      return new Step(
          new ViolationTransition(
              open.violationId(),
              verdict.clusterId(),
              verdict.namespace(),
              verdict.podName(),
              verdict.owner(),
              ViolationCategory.POLICY,
              severity(open, verdict.namespace(), severities),
              open.rules(),
              Transition.RESOLVED,
              open.decision(),
              Decision.ALLOW,
              summary(verdict.namespace(), verdict.podName(), "RESOLVED: " + why),
              open.images(),
              verdict.policyVersions(),
              List.of(why),
              verdict.verdictId(),
              open.openedAt(),
              now,
              eventTime),
          null);
    }
    List<ImageFinding> images = images(verdict);
    List<String> rules = rules(verdict);
    Severity severity = severities.of(verdict.decision(), verdict.namespace(), rules);
    PodState.OpenViolation after =
        new PodState.OpenViolation(
            open == null ? "violation/" + verdict.verdictId() : open.violationId(),
            verdict.decision(),
            rules,
            open == null ? now : open.openedAt(),
            severity,
            images.stream().map(Violations::withoutReasons).toList());
    if (open != null && sameFinding(open, after)) {
      return new Step(
          null, after); // quiet: kept up to date (severity settings, a state of before v2)
    }
    return new Step(
        new ViolationTransition(
            after.violationId(),
            verdict.clusterId(),
            verdict.namespace(),
            verdict.podName(),
            verdict.owner(),
            ViolationCategory.POLICY,
            severity,
            rules,
            open == null ? Transition.OPENED : Transition.CHANGED,
            open == null ? null : open.decision(),
            verdict.decision(),
            summary(verdict, images),
            images,
            verdict.policyVersions(),
            reasons(verdict),
            verdict.verdictId(),
            after.openedAt(),
            now,
            eventTime),
        after);
  }

  /** The RESOLVED transition of a pod that is gone. */
  static ViolationTransition gone(
      PodState state, String why, Instant now, Instant eventTime, SeverityMapping severities) {
    PodState.OpenViolation open = state.violation();
    PodEvent p = state.pod();
    return new ViolationTransition(
        open.violationId(),
        p.clusterId(),
        p.namespace(),
        p.name(),
        p.owner(),
        ViolationCategory.POLICY,
        severity(open, p.namespace(), severities),
        open.rules(),
        Transition.RESOLVED,
        open.decision(),
        open.decision(),
        summary(p.namespace(), p.name(), "RESOLVED: " + why),
        open.images(),
        state.policyVersions(),
        List.of(why),
        null,
        open.openedAt(),
        now,
        eventTime);
  }

  /**
   * True when two findings are the same violation: same decision, same failing rules and checks,
   * and the same failing images with the same results, missing attestors and failed checks (in any
   * order). Reasons, policy versions and times are not compared. A violation stored before schema
   * v2 kept no images: its decision and rules decide.
   */
  static boolean sameFinding(PodState.OpenViolation before, PodState.OpenViolation now) {
    return before.decision() == now.decision()
        && new HashSet<>(before.rules()).equals(new HashSet<>(now.rules()))
        && (before.legacy() || identities(before.images()).equals(identities(now.images())));
  }

  /** The severity of an open violation; one stored before schema v2 has none and gets it now. */
  static Severity severity(
      PodState.OpenViolation open, String namespace, SeverityMapping severities) {
    return open.severity() != null
        ? open.severity()
        : severities.of(open.decision(), namespace, open.rules());
  }

  private static Set<List<Object>> identities(List<ImageFinding> images) {
    Set<List<Object>> out = new HashSet<>();
    for (ImageFinding i : images) {
      out.add(
          List.of(
              i.container(),
              i.image(),
              Objects.toString(i.digest()),
              Objects.toString(i.rule()),
              Objects.toString(i.result()),
              new HashSet<>(i.attestorsMissing()),
              new HashSet<>(i.checksFailed())));
    }
    return out;
  }

  private static ImageFinding withoutReasons(ImageFinding i) {
    return new ImageFinding(
        i.container(),
        i.image(),
        i.digest(),
        i.rule(),
        i.result(),
        i.attestorsMissing(),
        i.checksFailed(),
        List.of());
  }

  /** One finding per failing image: what it runs, the rule or check set that failed it, and why. */
  static List<ImageFinding> images(Verdict v) {
    List<ImageFinding> out = new ArrayList<>();
    for (Verdict.ImageResult r : v.images()) {
      if (!r.result().isViolation()) {
        continue;
      }
      List<String> checks = new ArrayList<>();
      List<String> reasons = new ArrayList<>(r.reasons());
      String checkSet = null;
      for (Verdict.CheckResult c : failedChecks(r)) {
        String name = (c.checkSet() == null ? "" : c.checkSet() + "/") + c.check();
        checks.add(name);
        reasons.add(name + ": " + (c.reason() == null ? c.result() : c.reason()));
        checkSet =
            checkSet == null ? Objects.requireNonNullElse(c.checkSet(), "gkePolicy") : checkSet;
      }
      String rule = ruleFailed(r) || checkSet == null ? r.rule() : checkSet;
      out.add(
          new ImageFinding(
              r.container(),
              r.image(),
              r.digest(),
              rule,
              r.result(),
              r.attestorsMissing(),
              checks,
              reasons));
    }
    return out;
  }

  /**
   * The rules and checks that failed, as the policy names them: the admission rule (e.g. {@code
   * kubernetesNamespaceAdmissionRules[prod]}) and the checks (e.g. {@code imageFreshnessCheck});
   * {@code unknown} when nothing names one. Also the {@code rule} label of the open-violations
   * metric.
   */
  static List<String> rules(Verdict v) {
    Set<String> out = new LinkedHashSet<>();
    for (Verdict.ImageResult r : v.images()) {
      if (!r.result().isViolation()) {
        continue;
      }
      if (ruleFailed(r)) {
        out.add(r.rule() == null ? "unknown" : r.rule());
      }
      failedChecks(r).forEach(c -> out.add(c.check()));
    }
    if (out.isEmpty()) {
      out.add("unknown");
    }
    return List.copyOf(out);
  }

  /**
   * Whether the image's admission rule (not only its checks) failed it. The verdict keeps one
   * result per image: the rule failed when it names missing attestors, when no check failed, or
   * when the image's result is graver than any failed check's.
   */
  private static boolean ruleFailed(Verdict.ImageResult r) {
    List<Verdict.CheckResult> failed = failedChecks(r);
    if (failed.isEmpty() || !r.attestorsMissing().isEmpty()) {
      return true;
    }
    Decision checks = Decision.ALLOW;
    for (Verdict.CheckResult c : failed) {
      checks = Decision.worst(checks, c.result());
    }
    return r.result() != checks && Decision.worst(checks, r.result()) == r.result();
  }

  private static List<Verdict.CheckResult> failedChecks(Verdict.ImageResult r) {
    return r.checkResults().stream().filter(c -> c.result().isViolation()).toList();
  }

  /**
   * The reasons, one line per failing image and rule or check, naming the container, the image, the
   * rule and why, followed by the policy versions (the lines v1 consumers read).
   */
  static List<String> reasons(Verdict v) {
    List<String> out = new ArrayList<>();
    for (Verdict.ImageResult r : v.images()) {
      if (!r.result().isViolation()) {
        continue;
      }
      String image =
          r.container() + " " + r.image() + (r.digest() == null ? "" : " (" + r.digest() + ")");
      String rule = r.rule() == null ? "?" : r.rule();
      if (r.reasons().isEmpty() && r.checkResults().isEmpty()) {
        out.add(image + ": " + rule + ": " + r.result());
      }
      for (String reason : r.reasons()) {
        // The validator's reasons usually name the rule already.
        out.add(image + ": " + (reason.startsWith(rule) ? reason : rule + ": " + reason));
      }
      for (Verdict.CheckResult c : failedChecks(r)) {
        out.add(
            r.container()
                + " "
                + r.image()
                + ": "
                + (c.checkSet() == null ? "" : c.checkSet() + "/")
                + c.check()
                + ": "
                + (c.reason() == null ? c.result() : c.reason()));
      }
    }
    if (out.isEmpty()) {
      out.add("pod: " + v.decision());
    }
    out.add("policy: " + policy(v.policyVersions()));
    return out;
  }

  /**
   * One line: {@code ns/pod: DENY: api registry/app@sha256:abab… fails <rule> (no attestation by
   * built-by-ci) and 1 more image}.
   */
  static String summary(Verdict v, List<ImageFinding> images) {
    StringBuilder s = new StringBuilder().append(v.decision()).append(": ");
    if (images.isEmpty()) {
      s.append(v.images().isEmpty() ? "pod has no image to judge" : "pod cannot be judged");
    } else {
      ImageFinding first = images.get(0);
      s.append(first.container()).append(' ').append(shortImage(first.image()));
      if (first.result() == Decision.UNKNOWN) {
        s.append(" cannot be judged");
        if (!first.reasons().isEmpty()) {
          s.append(": ").append(first.reasons().get(0));
        }
      } else {
        Verdict.ImageResult r =
            v.images().stream().filter(x -> x.result().isViolation()).findFirst().orElseThrow();
        List<String> failing = new ArrayList<>();
        if (ruleFailed(r)) {
          failing.add(Objects.requireNonNullElse(r.rule(), "?"));
        }
        failing.addAll(first.checksFailed());
        s.append(" fails ").append(String.join(", ", failing));
        if (!first.attestorsMissing().isEmpty()) {
          s.append(" (no attestation by ")
              .append(
                  String.join(
                      ", ",
                      first.attestorsMissing().stream().map(Violations::lastSegment).toList()))
              .append(')');
        }
      }
      if (images.size() > 1) {
        s.append(" and ")
            .append(images.size() - 1)
            .append(images.size() == 2 ? " more image" : " more images");
      }
    }
    return summary(v.namespace(), v.podName(), s.toString());
  }

  private static String summary(String namespace, String pod, String what) {
    String line = (namespace + "/" + pod + ": " + what).replaceAll("[\\r\\n]+", " ");
    return line.length() <= MAX_SUMMARY ? line : line.substring(0, MAX_SUMMARY - 1) + "…";
  }

  /** {@code repo@sha256:abababab…} → {@code repo@sha256:abab…}; other references as they are. */
  static String shortImage(String image) {
    int at = image.indexOf("@sha256:");
    int keep = at + "@sha256:".length() + 4;
    return at < 0 || image.length() <= keep + 1 ? image : image.substring(0, keep) + "…";
  }

  private static String lastSegment(String name) {
    return name.substring(name.lastIndexOf('/') + 1);
  }

  private static String policy(List<String> versions) {
    return versions.isEmpty() ? "(no policy in force)" : String.join(", ", versions);
  }
}
