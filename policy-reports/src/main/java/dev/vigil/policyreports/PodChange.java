package dev.vigil.policyreports;

import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import java.time.Instant;
import java.util.Objects;

/**
 * One input about a pod, re-keyed by namespace on the repartition topic: exactly one of a verdict,
 * a violation transition, or the pod's end (deleted, or finished).
 *
 * @param pod the pod's name within its namespace
 */
public record PodChange(String pod, Verdict verdict, ViolationTransition violation, Gone gone) {

  /**
   * The pod is gone: deleted, or Succeeded/Failed (it runs no image any more).
   *
   * @param uid the pod's uid, {@code null} when the event had none
   */
  public record Gone(String uid, Instant at) {
    public Gone {
      Objects.requireNonNull(at, "at");
    }
  }

  public PodChange {
    Objects.requireNonNull(pod, "pod");
    int given = (verdict == null ? 0 : 1) + (violation == null ? 0 : 1) + (gone == null ? 0 : 1);
    if (given != 1) {
      throw new IllegalArgumentException(
          "a pod change holds exactly one of verdict, violation, gone");
    }
  }

  static PodChange of(Verdict v) {
    return new PodChange(v.podName(), v, null, null);
  }

  static PodChange of(ViolationTransition t) {
    return new PodChange(t.podName(), null, t, null);
  }

  static PodChange gone(String pod, String uid, Instant at) {
    return new PodChange(pod, null, null, new Gone(uid, at));
  }
}
