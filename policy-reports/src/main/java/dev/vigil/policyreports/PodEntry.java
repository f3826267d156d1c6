package dev.vigil.policyreports;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the policy report holds about one pod: the latest verdict, the open violation (severity,
 * failing rules), or that the pod is gone. Kept in the {@code policy-report-pods} store; {@link
 * #apply} is the only way it changes, and it ignores inputs older than what it holds.
 *
 * @param decision the latest verdict's decision; {@code null} while only a violation has been seen
 * @param rule the rule(s) the verdict's images were judged by (those that set the decision)
 * @param message a one-line reason from the verdict
 * @param properties digests and images per container, and the policy versions
 * @param evaluatedAt when the latest verdict was reached
 * @param violation the open violation, {@code null} when none is open
 * @param violationAt when the latest violation transition happened (opened, changed, resolved)
 * @param goneAt when the pod was deleted or finished; {@code null} while it runs
 * @param goneUid the uid of the pod that went, so a late verdict of that pod cannot revive it
 */
public record PodEntry(
    String pod,
    String uid,
    Decision decision,
    String rule,
    String message,
    Map<String, String> properties,
    Instant evaluatedAt,
    OpenViolation violation,
    Instant violationAt,
    Instant goneAt,
    String goneUid) {

  /** The open violation's fields that the report shows. */
  public record OpenViolation(Severity severity, List<String> rules, String summary) {
    public OpenViolation {
      rules = List.copyOf(Objects.requireNonNullElse(rules, List.of()));
    }
  }

  public PodEntry {
    Objects.requireNonNull(pod, "pod");
    properties =
        properties == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(properties));
  }

  /** True when the pod is gone and has no result in the report. */
  public boolean gone() {
    return goneAt != null;
  }

  /** True when the pod has a result in the report: it runs and a verdict has been seen. */
  public boolean reportable() {
    return !gone() && decision != null;
  }

  /** The entry after {@code change}; {@code current} may be {@code null} (nothing known yet). */
  public static PodEntry apply(PodEntry current, PodChange change) {
    if (change.gone() != null) {
      return new PodEntry(
          change.pod(),
          null,
          null,
          null,
          null,
          Map.of(),
          null,
          null,
          null,
          change.gone().at(),
          change.gone().uid());
    }
    if (change.verdict() != null) {
      return withVerdict(current, change.verdict());
    }
    return withViolation(current, change.violation());
  }

  private static PodEntry withVerdict(PodEntry current, Verdict v) {
    if (current != null && current.gone()) {
      boolean samePod = v.podUid() != null && v.podUid().equals(current.goneUid());
      boolean older =
          (v.podUid() == null || current.goneUid() == null)
              && !v.evaluatedAt().isAfter(current.goneAt());
      if (samePod || older) {
        return current; // a late verdict of the pod that went
      }
      current = null;
    }
    if (current != null
        && current.evaluatedAt() != null
        && v.evaluatedAt().isBefore(current.evaluatedAt())) {
      return current;
    }
    OpenViolation open = current == null ? null : current.violation();
    Instant openAt = current == null ? null : current.violationAt();
    return new PodEntry(
        v.podName(),
        v.podUid(),
        v.decision(),
        rule(v),
        message(v),
        properties(v),
        v.evaluatedAt(),
        open,
        openAt,
        null,
        null);
  }

  private static PodEntry withViolation(PodEntry current, ViolationTransition t) {
    if (current != null && current.gone()) {
      return current; // the transition that resolved the violation of a pod that went
    }
    if (current != null
        && current.violationAt() != null
        && t.at().isBefore(current.violationAt())) {
      return current;
    }
    OpenViolation open =
        t.transition() == ViolationTransition.Transition.RESOLVED
            ? null
            : new OpenViolation(t.severity(), t.rules(), t.summary());
    if (current == null) {
      return new PodEntry(
          t.podName(), null, null, null, null, Map.of(), null, open, t.at(), null, null);
    }
    return new PodEntry(
        current.pod(),
        current.uid(),
        current.decision(),
        current.rule(),
        current.message(),
        current.properties(),
        current.evaluatedAt(),
        open,
        t.at(),
        null,
        null);
  }

  /** The rules that judged the images whose result is the pod's decision, in container order. */
  private static String rule(Verdict v) {
    List<String> rules = new ArrayList<>();
    for (Verdict.ImageResult i : v.images()) {
      if (i.result() == v.decision() && i.rule() != null && !rules.contains(i.rule())) {
        rules.add(i.rule());
      }
    }
    return rules.isEmpty() ? null : String.join(", ", rules);
  }

  private static String message(Verdict v) {
    for (Verdict.ImageResult i : v.images()) {
      if (i.result() == v.decision() && !i.reasons().isEmpty()) {
        return i.container() + ": " + i.reasons().get(0);
      }
    }
    return v.decision() == Decision.ALLOW ? "every image passes the policy" : null;
  }

  private static Map<String, String> properties(Verdict v) {
    Map<String, String> p = new LinkedHashMap<>();
    for (Verdict.ImageResult i : v.images()) {
      p.put("image." + i.container(), i.image());
      if (i.digest() != null) {
        p.put("digest." + i.container(), i.digest());
      }
    }
    if (!v.policyVersions().isEmpty()) {
      p.put("policyVersions", String.join(",", v.policyVersions()));
    }
    return p;
  }
}
