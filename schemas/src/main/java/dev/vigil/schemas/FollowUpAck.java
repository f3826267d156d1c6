package dev.vigil.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * A person's action on a follow-up: acknowledge it, resolve it, or reopen it. Topic {@code
 * vigil.followup-acks}, key the follow-up's key.
 */
public record FollowUpAck(
    String followUpKey, Action action, String actor, String note, Instant at) {

  /** What the person did. */
  public enum Action {
    ACKNOWLEDGE,
    RESOLVE,
    REOPEN
  }

  public FollowUpAck {
    Objects.requireNonNull(followUpKey, "followUpKey");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(at, "at");
  }
}
