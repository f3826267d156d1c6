package dev.vigil.streams;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Hands the pending admissions that are due to {@link PodLifecycle} at the task's stream time
 * ({@link PodLifecycle.AdmissionsDue}), which announces the overdue ones and forgets those past the
 * follow-ups' maximum open age.
 *
 * <p>Which are due is read from an index in the progress store, {@code due/<time, 19 digits>|<pod
 * key>}, that the task writes with every change of a pod's pending admissions ({@link #index}): a
 * punctuation reads only what is due, where it read every pending admission each second (a quarter
 * of the stream thread at a million pods). Pending admissions written before the index existed are
 * indexed once, at the first punctuation.
 */
final class AdmissionExpiryPunctuator {

  /** Progress-store keys of the index start with this. */
  static final String DUE = "due/";

  /** Progress-store key written once the pending admissions of before the index are indexed. */
  static final String INDEXED = "pending/indexed";

  private final KeyValueStore<String, PendingAdmissions> pending;
  private final KeyValueStore<String, String> progress;
  private final PodSteps steps;
  private final Duration correlationSkew;
  private final Duration maxOpenAge;

  AdmissionExpiryPunctuator(
      KeyValueStore<String, PendingAdmissions> pending,
      KeyValueStore<String, String> progress,
      PodSteps steps,
      Duration correlationSkew,
      Duration maxOpenAge) {
    this.pending = pending;
    this.progress = progress;
    this.steps = steps;
    this.correlationSkew = correlationSkew;
    this.maxOpenAge = maxOpenAge;
  }

  /**
   * The index key of pod {@code key}'s pending admissions {@code w} (null: none): due when the
   * correlation skew has passed since the first (to announce them), then when the maximum open age
   * has (to forget them).
   */
  String dueKey(String key, PendingAdmissions w) {
    if (w == null) {
      return null;
    }
    Instant due = w.since().plus(w.announced() ? maxOpenAge : correlationSkew);
    return DUE + String.format("%019d", Math.max(0, due.toEpochMilli())) + "|" + key;
  }

  /** Keeps the index in step when pod {@code key}'s pending admissions change. */
  void index(String key, PendingAdmissions before, PendingAdmissions after) {
    String was = dueKey(key, before);
    String is = dueKey(key, after);
    if (was != null && !was.equals(is)) {
      progress.delete(was);
    }
    if (is != null && !is.equals(was)) {
      progress.put(is, "");
    }
  }

  void expire(Instant streamTime, long ts) {
    if (progress.get(INDEXED) == null) {
      indexAll();
    }
    List<String> due = new ArrayList<>();
    // Due strictly before stream time (the step's own test): "due/<streamTime>|..." sorts after.
    try (KeyValueIterator<String, String> it =
        progress.range(DUE, DUE + String.format("%019d", Math.max(0, streamTime.toEpochMilli())))) {
      while (it.hasNext()) {
        due.add(it.next().key);
      }
    }
    PodLifecycle.Input input = new PodLifecycle.AdmissionsDue(streamTime);
    for (String entry : due) {
      String key = entry.substring(entry.indexOf('|') + 1);
      PendingAdmissions w = pending.get(key);
      if (w == null || !entry.equals(dueKey(key, w))) {
        progress.delete(entry); // nothing waits (or no longer reads), or indexed under another time
        if (w == null) {
          continue;
        }
      }
      // Only the waiting admissions matter here: the pod's own state is not read.
      steps.step(new PodLifecycle.Pod(key, null, w), input, ts);
    }
  }

  private void indexAll() {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, PendingAdmissions> it = pending.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        if (kv.value != null) {
          keys.add(dueKey(kv.key, kv.value));
        }
      }
    }
    keys.forEach(k -> progress.put(k, ""));
    progress.put(INDEXED, "1");
  }
}
