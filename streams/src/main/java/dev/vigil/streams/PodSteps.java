package dev.vigil.streams;

/**
 * How the validation task applies what {@link PodLifecycle#step} decides, for its punctuators:
 * metrics, then store writes, then the records, which are forwarded when the punctuation ends.
 */
interface PodSteps {

  /** Runs the step for {@code input} on {@code before} (as read from the stores) and applies it. */
  void step(PodLifecycle.Pod before, PodLifecycle.Input input, long ts);

  /**
   * Judges template {@code fingerprint} again ({@link PodLifecycle#rejudge}) and applies it: keeps
   * the new judgement and publishes the template verdict for its running {@code pods}, if any.
   * Returns true when the pods are to be walked (the outcome changed).
   */
  boolean rejudge(
      String fingerprint,
      TemplateState t,
      dev.vigil.schemas.Verdict.Trigger trigger,
      java.util.List<String> pods,
      long ts);

  /** Forwards {@code out} after the store writes of the punctuation under way. */
  void emit(PodLifecycle.Output out, long ts);
}
