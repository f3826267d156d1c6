package dev.vigil.streams;

import dev.vigil.schemas.PodEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code hygiene-pods-store} keeps per pod: the last pod event taken (its identifiers and
 * version only, to ignore duplicate and out-of-order events), the open finding of each rule (by
 * rule id), the tags it was last reported running to the workload side, and when it was deleted.
 */
record HygienePodState(
    PodEvent pod,
    Map<String, HygieneFindings.Open> open,
    List<HygieneChecks.RunningTag> tags,
    Instant deletedAt) {

  HygienePodState {
    Objects.requireNonNull(pod, "pod");
    open = Map.copyOf(Objects.requireNonNullElse(open, Map.of()));
    tags = List.copyOf(Objects.requireNonNullElse(tags, List.of()));
  }

  /** The event with only what ordering and findings need (no images, labels or annotations). */
  static PodEvent trimmed(PodEvent e) {
    return new PodEvent(
        e.eventId(),
        e.clusterId(),
        e.type(),
        e.namespace(),
        e.name(),
        e.uid(),
        e.serviceAccount(),
        e.phase(),
        e.owner(),
        List.of(),
        List.of(),
        Map.of(),
        Map.of(),
        e.resourceVersion(),
        e.observedAt());
  }

  boolean deleted() {
    return deletedAt != null;
  }

  HygieneFindings.PodRef ref() {
    return new HygieneFindings.PodRef(pod.clusterId(), pod.namespace(), pod.name(), pod.owner());
  }
}
