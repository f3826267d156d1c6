package dev.vigil.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A change in whether a pod violates the policy: opened, changed (different decision or reasons),
 * or resolved. Topic {@code vigil.violations}, key {@code cluster/namespace/name}.
 *
 * @param previous the decision before this transition, {@code null} when the violation opens
 * @param current the decision now; {@code ALLOW} when resolved by a passing evaluation
 */
public record ViolationTransition(
    String violationId,
    String clusterId,
    String namespace,
    String podName,
    WorkloadRef owner,
    Transition transition,
    Decision previous,
    Decision current,
    List<String> reasons,
    String verdictId,
    Instant openedAt,
    Instant at) {

  /** The kind of change. */
  public enum Transition {
    OPENED,
    CHANGED,
    RESOLVED
  }

  public ViolationTransition {
    Objects.requireNonNull(violationId, "violationId");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(podName, "podName");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(transition, "transition");
    Objects.requireNonNull(current, "current");
    Objects.requireNonNull(openedAt, "openedAt");
    Objects.requireNonNull(at, "at");
    reasons = List.copyOf(Objects.requireNonNullElse(reasons, List.of()));
  }

  /** The Kafka key: {@code cluster/namespace/name}. */
  public String key() {
    return Keys.pod(clusterId, namespace, podName);
  }
}
