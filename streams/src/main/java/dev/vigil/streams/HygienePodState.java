package dev.vigil.streams;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code hygiene-pods-store} keeps per pod: the version of the last pod event taken (to ignore
 * duplicate and out-of-order events; its identity is the store's key), the open finding of each
 * rule (by rule id), the tags it was last reported running to the workload side, and when it was
 * deleted.
 */
record HygienePodState(
    PodVersion version,
    Map<String, HygieneFindings.Open> open,
    List<HygieneChecks.RunningTag> tags,
    Instant deletedAt) {

  HygienePodState {
    Objects.requireNonNull(version, "version");
    open = Map.copyOf(Objects.requireNonNullElse(open, Map.of()));
    tags = List.copyOf(Objects.requireNonNullElse(tags, List.of()));
  }

  boolean deleted() {
    return deletedAt != null;
  }
}
