package dev.vigil.streams;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.PodEvent;

/** A pod event or an admission event, merged into one stream keyed by pod. */
record PodInput(PodEvent pod, AdmissionEvent admission) {
  static PodInput of(PodEvent p) {
    return new PodInput(p, null);
  }

  static PodInput of(AdmissionEvent a) {
    return new PodInput(null, a);
  }
}
