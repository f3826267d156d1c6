package dev.vigil.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A workload admitted without a real verdict (fail-open), by breakglass, or while a dry-run rule
 * would have denied it, tracked until closed. One record per change of state. Topic {@code
 * vigil.followups}, key {@link #key()}: one follow-up per owning workload and kind, so an outage
 * that fails 500 pods of one Deployment open is one follow-up with a count.
 *
 * @param cause what made this change (e.g. "admission failed open", "re-evaluation under policy
 *     v3 allowed every image", "acknowledged")
 * @param reevaluation what re-evaluating the workload's pods under the current policy found, or
 *     {@code null} before the first evaluation
 * @param pods names of affected pods, at most {@link #MAX_PODS_LISTED}; {@code podCount} is all
 * @param users who created the pods, from the admission events
 * @param firstSeen when Vigil first processed a pod of it (processing time, as {@code lastSeen}
 *     and {@code changedAt})
 * @param eventTime the event time of the input that caused this record: the admission's request
 *     time or the pod event's observation time, the publish time of the policy revision a
 *     re-evaluation ran under, the acknowledgement's time; {@code null} when none is known (records
 *     written before it was kept). Reports date follow-ups by it.
 */
public record FollowUp(
    String followUpId,
    String clusterId,
    WorkloadRef owner,
    Kind kind,
    State state,
    String cause,
    Decision reevaluation,
    int podCount,
    List<String> pods,
    List<String> images,
    List<String> users,
    String detail,
    Instant firstSeen,
    Instant lastSeen,
    Instant changedAt,
    String acknowledgedBy,
    String note,
    Instant eventTime) {

  /** Follow-ups list at most this many pod names. */
  public static final int MAX_PODS_LISTED = 50;

  /** Why the follow-up exists. */
  public enum Kind {
    FAIL_OPEN,
    BREAKGLASS,
    DRY_RUN
  }

  /** Where the follow-up stands. */
  public enum State {
    /** Seen; not yet re-evaluated. */
    OPEN,
    /** Re-evaluation says the images comply: the bypass did no harm. */
    VERIFIED,
    /** Re-evaluation says the images violate the policy. */
    ESCALATED,
    /** A person acknowledged it with a note. */
    ACKNOWLEDGED,
    /** The workload is gone or was made compliant. */
    RESOLVED;

    /** True while someone still has to look at it. */
    public boolean isOpen() {
      return this == OPEN || this == ESCALATED;
    }
  }

  public FollowUp {
    Objects.requireNonNull(followUpId, "followUpId");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(firstSeen, "firstSeen");
    Objects.requireNonNull(lastSeen, "lastSeen");
    Objects.requireNonNull(changedAt, "changedAt");
    if (podCount < 0) {
      throw new IllegalArgumentException("podCount must not be negative");
    }
    pods = List.copyOf(Objects.requireNonNullElse(pods, List.of()));
    images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
    users = List.copyOf(Objects.requireNonNullElse(users, List.of()));
  }

  /** The Kafka key: {@code cluster/namespace/Kind/name/KIND}. */
  public String key() {
    return key(clusterId, owner, kind);
  }

  /** The key of the follow-up of {@code kind} for a workload. */
  public static String key(String clusterId, WorkloadRef owner, Kind kind) {
    return Keys.workload(clusterId, owner) + "/" + kind;
  }
}
