package dev.vigil.streams;

import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.Keys;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.ViolationTransition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Hygiene's part of the validation task (ADR 0175): {@link HygieneLifecycle} for each pod event the
 * task takes, over {@code hygiene-pods-store}, with its gauges. The processor makes one in each
 * {@code init()}; besides the rules, the metrics and the store, its one field is the gauge's
 * bookkeeping, rebuilt from the store here.
 */
final class HygieneTask {

  /** Hygiene's step for one pod event, computed and not yet applied. */
  record Step(PodEvent event, HygienePodState before, HygieneLifecycle.Result result) {}

  private final HygieneLifecycle lifecycle;
  private final HygieneMetrics metrics;
  private final KeyValueStore<String, HygienePodState> pods;

  /** Only for the open-findings gauge: the pods of this task it counts. Decides nothing. */
  private final Map<HygieneRule, Set<String>> counted = new HashMap<>();

  HygieneTask(
      HygieneLifecycle lifecycle,
      HygieneMetrics metrics,
      KeyValueStore<String, HygienePodState> pods) {
    this.lifecycle = lifecycle;
    this.metrics = metrics;
    this.pods = pods;
    try (KeyValueIterator<String, HygienePodState> it = pods.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        if (kv.value != null && !kv.value.deleted()) {
          for (HygieneRule rule : HygieneLifecycle.POD_RULES) {
            if (kv.value.open().containsKey(rule.id())) {
              count(rule, kv.key, true);
            }
          }
        }
      }
    }
  }

  /** Computes what pod event {@code e} does (pure: nothing is applied). */
  Step step(PodEvent e, Instant now) {
    HygienePodState before = pods.get(e.key());
    return new Step(e, before, lifecycle.step(before, e, now));
  }

  /**
   * Applies {@code s}: metrics, then the store (a pod with nothing hygiene keeps has no entry), and
   * returns the records to forward: findings keyed by pod, running tags by workload.
   */
  List<Record<String, ValidationOutput>> apply(Step s, long ts) {
    String key = s.event().key();
    List<Record<String, ValidationOutput>> out = new ArrayList<>();
    for (HygieneOutput o : s.result().outputs()) {
      if (o.violation() != null) {
        ViolationTransition t = o.violation();
        HygieneRule rule = HygieneLifecycle.rule(t);
        metrics.published(rule, t);
        count(rule, key, t.transition() != ViolationTransition.Transition.RESOLVED);
        out.add(
            new Record<>(
                key,
                ValidationOutput.of(t),
                ts,
                CloudEvents.headers(
                    Topics.VIOLATIONS,
                    t.violationId() + "/" + t.transition() + "/" + t.at().toEpochMilli(),
                    ContinuousValidationProcessor.SOURCE,
                    t.at())));
      } else {
        out.add(
            new Record<>(
                Keys.workload(s.event().clusterId(), s.event().owner()),
                ValidationOutput.of(o.tags()),
                ts));
      }
    }
    HygienePodState after = s.result().after();
    if (after != null) {
      pods.put(key, after);
    } else if (s.before() != null) {
      pods.delete(key);
    }
    return out;
  }

  /** Progress-store key of the one-time purge: the last pod key it examined, or {@link #PURGED}. */
  static final String PURGE_KEY = "hygiene/purge";

  /** The purge's progress once it has gone over the whole store. */
  static final String PURGED = "done";

  /** Entries a purge run examines at most. */
  static final int PURGE_BATCH = 10_000;

  /**
   * The next bounded run of a one-time purge of what earlier builds kept and nothing reads now:
   * entries without a finding or tag (they kept every pod's version), deleted pods (the pods store
   * now says what is late), and values that no longer read. Its cursor is in {@code progress}, so a
   * revived or moved task resumes it; once done, a run is one read.
   */
  void purge(KeyValueStore<String, String> progress) {
    String after = progress.get(PURGE_KEY);
    if (PURGED.equals(after)) {
      return;
    }
    List<String> gone = new ArrayList<>();
    String last = null;
    int examined = 0;
    try (KeyValueIterator<String, HygienePodState> it =
        after == null ? pods.all() : pods.range(after, null)) {
      while (it.hasNext() && examined < PURGE_BATCH) {
        var kv = it.next();
        if (kv.key.equals(after)) {
          continue;
        }
        examined++;
        last = kv.key;
        HygienePodState v = kv.value;
        if (v == null || v.deleted() || v.open().isEmpty() && v.tags().isEmpty()) {
          gone.add(kv.key);
        }
      }
      if (!it.hasNext()) {
        last = null;
      }
    }
    gone.forEach(pods::delete);
    progress.put(PURGE_KEY, last == null ? PURGED : last);
  }

  /** The gauges no longer count this task's pods (closed, or made again by {@code init()}). */
  void close() {
    counted.forEach(metrics::forget);
    counted.clear();
  }

  private void count(HygieneRule rule, String podKey, boolean open) {
    Set<String> keys = counted.computeIfAbsent(rule, r -> new HashSet<>());
    if (open) {
      keys.add(podKey);
      metrics.holding(rule, podKey);
    } else {
      keys.remove(podKey);
    }
  }
}
