package dev.vigil.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * A person's action on a follow-up ({@code vigil ack FOLLOWUP_ID --by NAME --note TEXT [--until
 * TIME] [--ticket REF]}). Topic {@code vigil.followup-acks}, key the follow-up's key. Schema v2
 * adds {@code acknowledgedUntil} and {@code ticket}.
 *
 * @param acknowledgedUntil for {@code ACKNOWLEDGE}: when the acknowledgement expires and the
 *     follow-up goes back to the state it was acknowledged from; {@code null}: it does not expire
 * @param ticket a ticket reference (e.g. {@code SEC-42}) that travels in the follow-up and reports
 */
public record FollowUpAck(
    String followUpId,
    Action action,
    String by,
    String note,
    Instant at,
    Instant acknowledgedUntil,
    String ticket) {

  /** What the person did. */
  public enum Action {
    ACKNOWLEDGE,
    RESOLVE,
    REOPEN
  }

  public FollowUpAck {
    Objects.requireNonNull(followUpId, "followUpId");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(by, "by");
    Objects.requireNonNull(at, "at");
    if (acknowledgedUntil != null && action != Action.ACKNOWLEDGE) {
      throw new IllegalArgumentException(
          "acknowledgedUntil applies to ACKNOWLEDGE only, not " + action);
    }
  }

  /** An acknowledgement without expiry or ticket (the v1 shape). */
  public FollowUpAck(String followUpId, Action action, String by, String note, Instant at) {
    this(followUpId, action, by, note, at, null, null);
  }
}
