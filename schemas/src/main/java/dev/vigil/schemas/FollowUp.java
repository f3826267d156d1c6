package dev.vigil.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A deployment admitted without a real verdict (fail-open) or by breakglass, tracked per owning
 * workload until resolved. Topic {@code vigil.followups}, key {@code cluster/ns/Kind/name/reason}.
 *
 * @param reevaluation what re-evaluating the workload's pods found; {@code null} until evaluated
 * @param pods names of the affected pods (bounded; {@code podCount} is the full count)
 */
public record FollowUp(
    String followUpId,
    String clusterId,
    WorkloadRef owner,
    Reason reason,
    Status status,
    Decision reevaluation,
    int podCount,
    List<String> pods,
    List<String> images,
    String detail,
    Instant firstSeen,
    Instant lastSeen,
    Instant resolvedAt,
    String resolution) {

  /** Why the follow-up exists. */
  public enum Reason {
    FAILED_OPEN,
    BREAKGLASS
  }

  /** Where the follow-up stands. */
  public enum Status {
    OPEN,
    ACKNOWLEDGED,
    RESOLVED
  }

  public FollowUp {
    Objects.requireNonNull(followUpId, "followUpId");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(firstSeen, "firstSeen");
    Objects.requireNonNull(lastSeen, "lastSeen");
    if (podCount < 0) {
      throw new IllegalArgumentException("podCount must not be negative");
    }
    pods = List.copyOf(Objects.requireNonNullElse(pods, List.of()));
    images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
  }

  /** The Kafka key: {@code cluster/namespace/Kind/name/REASON}. */
  public String key() {
    return Keys.workload(clusterId, owner) + "/" + reason;
  }
}
