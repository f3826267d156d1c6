package dev.vigil.streams;

import dev.vigil.schemas.PodEvent;
import java.time.Instant;
import java.util.Objects;

/**
 * What ordering reads of a pod event: its type, {@code resourceVersion} and observation time. A
 * store that only needs to ignore duplicate and out-of-order events keeps this, not the event.
 */
record PodVersion(PodEvent.Type type, String resourceVersion, Instant observedAt) {

  PodVersion {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(observedAt, "observedAt");
  }

  static PodVersion of(PodEvent e) {
    return new PodVersion(e.type(), e.resourceVersion(), e.observedAt());
  }

  /**
   * Which of two versions of one pod is newer: by {@code resourceVersion} when both are numbers and
   * differ; at the same number a DELETED is newer (a deletion can carry the version of the pod's
   * last state: the fabric8 mock does, informers replay a deleted pod's last known state too); else
   * by observation time, then by type.
   */
  static int compare(PodVersion a, PodVersion b) {
    Long ra = number(a.resourceVersion());
    Long rb = number(b.resourceVersion());
    if (ra != null && rb != null && !ra.equals(rb)) {
      return Long.compare(ra, rb);
    }
    if (ra != null && ra.equals(rb) && a.type() != b.type()) {
      return Integer.compare(a.type().ordinal(), b.type().ordinal());
    }
    int t = a.observedAt().compareTo(b.observedAt());
    if (t != 0) {
      return t;
    }
    return a.type() == b.type() ? 0 : Integer.compare(a.type().ordinal(), b.type().ordinal());
  }

  private static Long number(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
