package dev.vigil.streams;

import dev.vigil.schemas.FollowUpAck;

/**
 * A follow-up signal, a person's acknowledgement or bypass evidence, merged into one stream keyed
 * by follow-up.
 */
record FollowUpInput(FollowUpSignal signal, FollowUpAck ack, BypassEvidence evidence) {
  static FollowUpInput of(FollowUpSignal s) {
    return new FollowUpInput(s, null, null);
  }

  static FollowUpInput of(FollowUpAck a) {
    return new FollowUpInput(null, a, null);
  }

  static FollowUpInput of(BypassEvidence e) {
    return new FollowUpInput(null, null, e);
  }
}
