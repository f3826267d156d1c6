package dev.vigil.validator;

import java.time.Instant;

/**
 * Decides whether a pod's images satisfy the policies in force, and says exactly why. Pure: no I/O,
 * no clock (the caller passes {@code now}), no Kafka or Kubernetes. Thread-safe.
 *
 * <p>CONTRACT for callers (streams, cli): keep this signature.
 */
public interface Evaluator {

  /**
   * Evaluates {@code pod}. Never throws for bad pod data: an image that cannot be judged makes the
   * decision {@code UNKNOWN}, with the reason.
   */
  Evaluation evaluate(PodContext pod, PolicySet policies, Facts facts, Instant now);

  /** The standard evaluator, with a bounded cache of signature verification results. */
  static Evaluator create() {
    return PolicySets.evaluator();
  }
}
