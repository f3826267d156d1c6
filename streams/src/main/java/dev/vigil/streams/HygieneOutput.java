package dev.vigil.streams;

import dev.vigil.schemas.ViolationTransition;
import java.time.Instant;
import java.util.List;

/**
 * One record the hygiene processor emits: a finding's transition, or a pod's running tags for its
 * workload.
 */
record HygieneOutput(ViolationTransition violation, WorkloadTags tags) {

  /**
   * A pod's tags as they run now, for {@code hygiene/tag-moved}, keyed by workload ({@code
   * hygiene-workload-tags} repartition topic).
   *
   * @param gone the pod is deleted or finished ({@code tags} empty then); {@code why} says which
   */
  record WorkloadTags(
      HygieneFindings.PodRef pod,
      List<HygieneChecks.RunningTag> tags,
      boolean gone,
      String why,
      Instant eventTime) {
    WorkloadTags {
      tags = List.copyOf(tags);
    }
  }

  static HygieneOutput of(ViolationTransition v) {
    return new HygieneOutput(v, null);
  }

  static HygieneOutput of(WorkloadTags t) {
    return new HygieneOutput(null, t);
  }
}
