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
 * @param openedAt when the violation opened (processing time, as {@code at})
 * @param eventTime the event time of the input that caused this transition: the pod event's
 *     observation time, the publish time of the policy revision a re-evaluation ran under;
 *     {@code null} when none is known (attestation, metadata and periodic re-evaluations, records
 *     written before it was kept). Reports date violations by it.
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
    Instant at,
    Instant eventTime) {

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
