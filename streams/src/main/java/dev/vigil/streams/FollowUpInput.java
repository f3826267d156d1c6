package dev.vigil.streams;

import dev.vigil.schemas.FollowUpAck;

/** A follow-up signal or a person's acknowledgement, merged into one stream keyed by follow-up. */
record FollowUpInput(FollowUpSignal signal, FollowUpAck ack) {
  static FollowUpInput of(FollowUpSignal s) {
    return new FollowUpInput(s, null);
  }

  static FollowUpInput of(FollowUpAck a) {
    return new FollowUpInput(null, a);
  }
}
