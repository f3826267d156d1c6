package dev.vigil.streams;

/**
 * How the validation task applies what {@link PodLifecycle#step} decides, for its punctuators:
 * metrics, then store writes, then the records, which are forwarded when the punctuation ends.
 */
interface PodSteps {

  /** Runs the step for {@code input} on {@code before} (as read from the stores) and applies it. */
  void step(PodLifecycle.Pod before, PodLifecycle.Input input, long ts);

  /** Forwards {@code out} after the store writes of the punctuation under way. */
  void emit(PodLifecycle.Output out, long ts);
}
