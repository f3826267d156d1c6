package dev.vigil.streams;

import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.WorkloadRef;
import java.time.Instant;
import java.util.Objects;

/**
 * What the bypass correlation found about one fail-open or breakglass admission: how many denials
 * of the same image (or workload) by the same principal came within the window before it. Internal
 * topic {@value StoreNames#FOLLOWUP_EVIDENCE}, key the follow-up key of the admitted workload; a
 * later count for the same admission (a denial that arrived late) replaces an earlier one.
 *
 * @param subject what was denied and then admitted: {@code digest sha256:…} or {@code workload
 *     ns/KIND/name} (an image named by tag)
 * @param priorDenials denials in the window before the admission, at least 1
 * @param suspectedBypass a fail-open admission after at least the configured number of denials
 * @param admittedAt the admission's request time (event time)
 */
public record BypassEvidence(
    String clusterId,
    WorkloadRef owner,
    FollowUp.Kind kind,
    String auditId,
    String principal,
    String subject,
    int priorDenials,
    boolean suspectedBypass,
    Instant admittedAt) {

  public BypassEvidence {
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(auditId, "auditId");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(admittedAt, "admittedAt");
    if (priorDenials < 1) {
      throw new IllegalArgumentException("priorDenials must be at least 1");
    }
  }

  /** The follow-up this evidence is about. */
  public String followUpKey() {
    return FollowUp.key(clusterId, owner, kind);
  }

  /** One line for the follow-up's cause. */
  String describe(java.time.Duration window) {
    return priorDenials
        + (priorDenials == 1 ? " denial" : " denials")
        + " of "
        + subject
        + " by "
        + principal
        + " within "
        + window
        + " before the "
        + (kind == FollowUp.Kind.BREAKGLASS ? "breakglass" : "fail-open")
        + " admission";
  }
}
