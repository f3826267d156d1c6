package dev.vigil.streams;

import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.ImageFinding;
import dev.vigil.schemas.ViolationTransition.Transition;
import dev.vigil.schemas.WorkloadRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a pod's successive hygiene findings of one rule into transitions, as {@link Violations}
 * does for verdicts: OPENED when the first container is found, CHANGED when the set of findings
 * changes (by {@link HygieneRule#identity}), RESOLVED when none is left or the pod is gone. The
 * same findings again yield nothing.
 */
final class HygieneFindings {

  private HygieneFindings() {}

  /** The pod a finding is about. */
  record PodRef(String clusterId, String namespace, String podName, WorkloadRef owner) {
    PodRef {
      Objects.requireNonNull(clusterId, "clusterId");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(podName, "podName");
      Objects.requireNonNull(owner, "owner");
    }

    String key() {
      return dev.vigil.schemas.Keys.pod(clusterId, namespace, podName);
    }
  }

  /** An open finding: what was last published for it. */
  record Open(String violationId, List<ImageFinding> images, Instant openedAt) {
    Open {
      images = List.copyOf(images);
    }
  }

  /** A transition to publish and the finding open afterwards ({@code null}: none). */
  record Step(ViolationTransition transition, Open open) {}

  /**
   * The transition that {@code found} (the rule's findings now, empty: none) makes when {@code
   * open} was open before ({@code null}: none); {@code resolvedWhy} says why when it resolves.
   */
  static Optional<Step> next(
      HygieneRule rule,
      PodRef pod,
      Open open,
      List<ImageFinding> found,
      String resolvedWhy,
      Instant now,
      Instant eventTime) {
    if (found.isEmpty()) {
      return open == null
          ? Optional.empty()
          : Optional.of(resolved(rule, pod, open, resolvedWhy, now, eventTime));
    }
    if (open == null) {
      Open opened = new Open(rule.violationId(pod.key()), found, now);
      return Optional.of(
          new Step(
              transition(
                  rule, pod, opened, Transition.OPENED, found, reasons(found), now, eventTime),
              opened));
    }
    if (identities(rule, open.images()).equals(identities(rule, found))) {
      return Optional.empty();
    }
    Open changed = new Open(open.violationId(), found, open.openedAt());
    return Optional.of(
        new Step(
            transition(
                rule, pod, changed, Transition.CHANGED, found, reasons(found), now, eventTime),
            changed));
  }

  /**
   * The RESOLVED transition of {@code open}, for {@code why} (the pod is gone, the rule is off...).
   */
  static Step resolved(
      HygieneRule rule, PodRef pod, Open open, String why, Instant now, Instant eventTime) {
    return new Step(
        transition(
            rule, pod, open, Transition.RESOLVED, open.images(), List.of(why), now, eventTime),
        null);
  }

  private static List<String> identities(HygieneRule rule, List<ImageFinding> images) {
    return images.stream().map(rule::identity).sorted().toList();
  }

  private static List<String> reasons(List<ImageFinding> images) {
    List<String> out = new ArrayList<>();
    images.forEach(i -> out.addAll(i.reasons()));
    return out;
  }

  private static ViolationTransition transition(
      HygieneRule rule,
      PodRef pod,
      Open open,
      Transition t,
      List<ImageFinding> images,
      List<String> reasons,
      Instant now,
      Instant eventTime) {
    String what =
        t == Transition.RESOLVED
            ? "resolved: " + reasons.get(0)
            : String.join("; ", images.stream().map(i -> i.container() + " " + i.image()).toList());
    String summary = pod.namespace() + "/" + pod.podName() + ": " + rule.id() + ": " + what;
    return new ViolationTransition(
        open.violationId(),
        pod.clusterId(),
        pod.namespace(),
        pod.podName(),
        pod.owner(),
        ViolationCategory.HYGIENE,
        rule.severity(),
        List.of(rule.id()),
        t,
        null,
        null,
        summary,
        images,
        List.of(),
        reasons,
        null,
        open.openedAt(),
        now,
        eventTime);
  }
}
