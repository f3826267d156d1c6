package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.WorkloadRef;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the validation task tells the follow-up task about one pod of a workload: it was admitted by
 * a bypass, it was (re-)evaluated, or it is gone. Internal topic {@value
 * StoreNames#FOLLOWUP_SIGNALS}, key {@link FollowUp#key}.
 *
 * @param decision the pod's latest decision, or {@code null} when not evaluated yet
 * @param images the pod's images with their digests where known (a v1 signal's plain references
 *     read as images without container)
 * @param user who created the pod (admissions only)
 * @param detail how the bypass happened (admissions only)
 * @param at when the validation task processed it
 * @param eventTime the event time of what caused it (the admission's request time, the pod event's
 *     observation time, the publish time of the policy a re-evaluation ran under), or {@code null}
 */
public record FollowUpSignal(
    Type type,
    String clusterId,
    WorkloadRef owner,
    FollowUp.Kind kind,
    String pod,
    List<FollowUp.Image> images,
    String user,
    String detail,
    Decision decision,
    List<String> policyVersions,
    Instant at,
    Instant eventTime) {

  /** What happened to the pod. */
  public enum Type {
    ADMITTED,
    EVALUATED,
    GONE
  }

  public FollowUpSignal {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(at, "at");
    images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
    policyVersions = List.copyOf(Objects.requireNonNullElse(policyVersions, List.of()));
  }

  /** The follow-up this signal is about. */
  public String followUpKey() {
    return FollowUp.key(clusterId, owner, kind);
  }
}
