package dev.vigil.streams;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Hands every entry of the pending-admissions store to {@link PodLifecycle} at the task's stream
 * time ({@link PodLifecycle.AdmissionsDue}), which announces the overdue ones and forgets those
 * past the follow-ups' maximum open age.
 */
final class AdmissionExpiryPunctuator {

  private final KeyValueStore<String, PendingAdmissions> pending;
  private final PodSteps steps;

  AdmissionExpiryPunctuator(KeyValueStore<String, PendingAdmissions> pending, PodSteps steps) {
    this.pending = pending;
    this.steps = steps;
  }

  void expire(Instant streamTime, long ts) {
    List<Map.Entry<String, PendingAdmissions>> waiting = new ArrayList<>();
    try (KeyValueIterator<String, PendingAdmissions> it = pending.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        if (kv.value != null) {
          waiting.add(Map.entry(kv.key, kv.value));
        }
      }
    }
    PodLifecycle.Input due = new PodLifecycle.AdmissionsDue(streamTime);
    for (var e : waiting) {
      // Only the waiting admissions matter here: the pod's own state is not read.
      steps.step(new PodLifecycle.Pod(e.getKey(), null, e.getValue()), due, ts);
    }
  }
}
