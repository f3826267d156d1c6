package dev.vigil.streams;

import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.TemplateVerdict;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;

/** One record the validation processor emits; exactly one field is set. */
record ValidationOutput(
    Verdict verdict,
    ViolationTransition violation,
    DeadLetter deadLetter,
    FollowUpSignal signal,
    TemplateVerdict templateVerdict) {

  static ValidationOutput of(Verdict v) {
    return new ValidationOutput(v, null, null, null, null);
  }

  static ValidationOutput of(ViolationTransition v) {
    return new ValidationOutput(null, v, null, null, null);
  }

  static ValidationOutput of(DeadLetter d) {
    return new ValidationOutput(null, null, d, null, null);
  }

  static ValidationOutput of(FollowUpSignal s) {
    return new ValidationOutput(null, null, null, s, null);
  }

  static ValidationOutput of(TemplateVerdict v) {
    return new ValidationOutput(null, null, null, null, v);
  }
}
