package dev.vigil.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * A person's action on a follow-up ({@code vigil ack FOLLOWUP_ID --by NAME --note TEXT}). Topic
 * {@code vigil.followup-acks}, key the follow-up's key.
 */
public record FollowUpAck(String followUpId, Action action, String by, String note, Instant at) {

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
  }
}
