package dev.vigil.streams;

import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.ViolationTransition.ImageFinding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The per-pod hygiene rules ({@code hygiene/image-by-tag}, {@code
 * hygiene/pull-secret-for-artifact-registry}) as a pure function of what {@code hygiene-pods-store}
 * keeps of a pod and one pod event: opens, changes and resolves its findings, and reports the tags
 * it runs to its workload for {@code hygiene/tag-moved} when they change. Never looks at a policy,
 * and an event that changes nothing hygiene sees publishes nothing; a deleted or finished pod
 * resolves its findings.
 *
 * <p>It is given only the pod events continuous validation takes: the pod's state there decides
 * what is a duplicate or out of order, so hygiene keeps no version of its own, and keeps a pod only
 * while it has an open finding or runs an image by tag (ADR 0175).
 */
final class HygieneLifecycle {

  /** The rules judged per pod (tag-moved is judged per workload, by {@link TagMovedProcessor}). */
  static final List<HygieneRule> POD_RULES =
      List.of(HygieneRule.IMAGE_BY_TAG, HygieneRule.PULL_SECRET_FOR_ARTIFACT_REGISTRY);

  /**
   * What a pod event does: the pod's hygiene state after it (null: nothing to keep), and the
   * records to publish in order.
   */
  record Result(HygienePodState after, List<HygieneOutput> outputs) {
    Result {
      outputs = List.copyOf(outputs);
    }
  }

  private final HygieneSettings settings;
  private final List<Pattern> registries;

  HygieneLifecycle(HygieneSettings settings) {
    this.settings = settings;
    this.registries = settings.registryPatterns();
  }

  /** The step for pod event {@code e}, taken by continuous validation, on {@code before}. */
  Result step(HygienePodState before, PodEvent e, Instant now) {
    boolean live = before != null && !before.deleted();
    List<HygieneOutput> out = new ArrayList<>();
    HygieneFindings.PodRef pod =
        new HygieneFindings.PodRef(e.clusterId(), e.namespace(), e.name(), e.owner());
    boolean terminal =
        e.type() == PodEvent.Type.DELETED
            || "Succeeded".equals(e.phase())
            || "Failed".equals(e.phase());
    if (terminal) {
      String why = e.type() == PodEvent.Type.DELETED ? "pod deleted" : "pod " + e.phase();
      if (live) {
        for (HygieneRule rule : POD_RULES) {
          HygieneFindings.Open was = before.open().get(rule.id());
          if (was != null) {
            out.add(
                HygieneOutput.of(
                    HygieneFindings.resolved(rule, pod, was, why, now, e.observedAt())
                        .transition()));
          }
        }
        if (!before.tags().isEmpty()) {
          out.add(
              HygieneOutput.of(
                  new HygieneOutput.WorkloadTags(pod, List.of(), true, why, e.observedAt())));
        }
      }
      return new Result(null, out);
    }
    Map<String, HygieneFindings.Open> open = new HashMap<>();
    for (HygieneRule rule : POD_RULES) {
      HygieneFindings.Open was = live ? before.open().get(rule.id()) : null;
      List<ImageFinding> found = settings.enabled(rule) ? findings(rule, e) : List.of();
      String why =
          settings.enabled(rule) ? resolvedWhy(rule) : "rule " + rule.id() + " is switched off";
      Optional<HygieneFindings.Step> step =
          HygieneFindings.next(rule, pod, was, found, why, now, e.observedAt());
      step.ifPresent(s -> out.add(HygieneOutput.of(s.transition())));
      HygieneFindings.Open after = step.isPresent() ? step.get().open() : was;
      if (after != null) {
        open.put(rule.id(), after);
      }
    }
    List<HygieneChecks.RunningTag> tags =
        settings.tagMoved() ? HygieneChecks.runningTags(e) : List.of();
    if (!tags.equals(live ? before.tags() : List.of())) {
      String why =
          !settings.tagMoved()
              ? "rule " + HygieneRule.TAG_MOVED.id() + " is switched off"
              : tags.isEmpty() ? "no container runs an image by tag any more" : "tags changed";
      out.add(
          HygieneOutput.of(new HygieneOutput.WorkloadTags(pod, tags, false, why, e.observedAt())));
    }
    return new Result(
        open.isEmpty() && tags.isEmpty()
            ? null
            : new HygienePodState(PodVersion.of(e), open, tags, null),
        out);
  }

  private List<ImageFinding> findings(HygieneRule rule, PodEvent e) {
    return rule == HygieneRule.IMAGE_BY_TAG
        ? HygieneChecks.imageByTag(e)
        : HygieneChecks.pullSecretForArtifactRegistry(e, registries);
  }

  private static String resolvedWhy(HygieneRule rule) {
    return rule == HygieneRule.IMAGE_BY_TAG
        ? "every container names its image by digest"
        : "no image pulled with a pull secret comes from Artifact Registry or Container Registry";
  }

  static HygieneRule rule(dev.vigil.schemas.ViolationTransition t) {
    for (HygieneRule r : HygieneRule.values()) {
      if (t.rules().contains(r.id())) {
        return r;
      }
    }
    throw new IllegalArgumentException("not a hygiene finding: " + t.rules());
  }
}
