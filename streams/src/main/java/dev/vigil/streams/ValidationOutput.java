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
    TemplateVerdict templateVerdict,
    HygieneOutput.WorkloadTags workloadTags) {

  static ValidationOutput of(Verdict v) {
    return new ValidationOutput(v, null, null, null, null, null);
  }

  /** A transition of a policy violation, or of a hygiene finding. */
  static ValidationOutput of(ViolationTransition v) {
    return new ValidationOutput(null, v, null, null, null, null);
  }

  static ValidationOutput of(DeadLetter d) {
    return new ValidationOutput(null, null, d, null, null, null);
  }

  static ValidationOutput of(FollowUpSignal s) {
    return new ValidationOutput(null, null, null, s, null, null);
  }

  static ValidationOutput of(TemplateVerdict v) {
    return new ValidationOutput(null, null, null, null, v, null);
  }

  /** A pod's running tags, for {@code hygiene/tag-moved}, keyed by workload. */
  static ValidationOutput of(HygieneOutput.WorkloadTags t) {
    return new ValidationOutput(null, null, null, null, null, t);
  }
}
