package dev.vigil.streams;

import dev.vigil.schemas.Verdict;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The re-evaluations over many pods one validation task has to do (after a policy change, a
 * changed attestation, for freshness, periodically), done a bounded batch at a time.
 *
 * <p>Each run does at most {@link #MAX_PODS_PER_RUN} pods and stops after {@link #TIME_PER_RUN}
 * once it has done {@link #MIN_PODS_PER_RUN}, then carries on at the next punctuation from where
 * it stopped (a cursor over the store's keys). So a policy change over a million pods is many
 * short transactions instead of one that outlives {@code transaction.timeout.ms}, and the stream
 * thread keeps polling and committing in between.
 *
 * <p>What a scan re-evaluates is decided per pod when the cursor reaches it ({@code which} returns
 * the trigger, or null to skip), against the state at that moment: a pod already judged under the
 * new policy by a pod event is not judged again. A new policy change restarts the policy scan from
 * the beginning for the same reason.
 */
final class Reevaluations {

  /** Judges one pod again and stores the result. */
  interface Judge {
    void reevaluate(String key, PodState state, Verdict.Trigger trigger, long ts);
  }

  /**
   * How much one run does: at least {@code minPods} pods (whatever the time), then more until
   * {@code time} has passed or {@code maxPods} are done; pods are read {@code batch} at a time.
   */
  record Limits(int minPods, int maxPods, Duration time, int batch) {
    static final Limits DEFAULT = new Limits(MIN_PODS_PER_RUN, MAX_PODS_PER_RUN, TIME_PER_RUN, 500);
  }

  static final int MIN_PODS_PER_RUN = 1_000;
  static final int MAX_PODS_PER_RUN = 20_000;
  static final Duration TIME_PER_RUN = Duration.ofMillis(500);
  /** How often a task with a re-evaluation under way runs the next batch. */
  static final Duration CONTINUE_INTERVAL = Duration.ofMillis(10);
  /** Pods read and skipped per batch at most (a scan that matches few pods still yields). */
  private static final int MAX_EXAMINED_PER_BATCH = 20_000;

  private static final class Scan {
    final String reason;
    final String digest; // null: every pod of the task
    final Function<PodState, Verdict.Trigger> which;
    Predicate<PodState> forget = s -> false; // deleted pods to drop from the store on the way
    String after; // the last key examined; null: from the start
    long startedNanos = System.nanoTime();

    Scan(String reason, String digest, Function<PodState, Verdict.Trigger> which) {
      this.reason = reason;
      this.digest = digest;
      this.which = which;
    }

    void restart() {
      after = null;
      startedNanos = System.nanoTime();
    }
  }

  private record Pick(String key, PodState state, Verdict.Trigger trigger) {}

  private final KeyValueStore<String, PodState> pods;
  private final KeyValueStore<String, String> podsByDigest;
  private final VigilMetrics metrics;
  private final Limits limits;
  private final ArrayDeque<Scan> queue = new ArrayDeque<>();

  Reevaluations(KeyValueStore<String, PodState> pods, KeyValueStore<String, String> podsByDigest,
      VigilMetrics metrics, Limits limits) {
    this.pods = pods;
    this.podsByDigest = podsByDigest;
    this.metrics = metrics;
    this.limits = limits;
  }

  /**
   * Re-evaluates every running pod {@code which} picks. If a scan for {@code reason} is already
   * under way, {@code restart} starts it again from the beginning; otherwise it goes on as it is.
   */
  void everyPod(String reason, Function<PodState, Verdict.Trigger> which, boolean restart) {
    enqueue(reason, null, which, restart);
  }

  /**
   * As {@link #everyPod}, and on the way deletes the pods {@code forget} picks (deleted pods past
   * their retention), so that sweeping them is bounded like the rest.
   */
  void everyPod(String reason, Function<PodState, Verdict.Trigger> which, Predicate<PodState> forget) {
    enqueue(reason, null, which, false).forget = forget;
  }

  /** Re-evaluates the running pods of image {@code digest} that {@code which} picks. */
  void podsOf(String digest, String reason, Function<PodState, Verdict.Trigger> which) {
    enqueue(reason, digest, which, true);
  }

  private Scan enqueue(String reason, String digest, Function<PodState, Verdict.Trigger> which, boolean restart) {
    for (Scan s : queue) {
      if (s.reason.equals(reason) && Objects.equals(s.digest, digest)) {
        if (restart) {
          s.restart();
        }
        return s;
      }
    }
    Scan s = new Scan(reason, digest, which);
    queue.add(s);
    return s;
  }

  /** True while some scan is unfinished. */
  boolean pending() {
    return !queue.isEmpty();
  }

  /** Does the next bounded part of the work. */
  void run(long ts, Judge judge) {
    long start = System.nanoTime();
    long deadline = start + limits.time().toNanos();
    int done = 0;
    while (!queue.isEmpty() && done < limits.maxPods()
        && (done < limits.minPods() || System.nanoTime() < deadline)) {
      Scan scan = queue.peek();
      List<Pick> batch = new ArrayList<>();
      int room = Math.min(limits.batch(), limits.maxPods() - done);
      boolean finished = scan.digest == null ? nextOfAll(scan, room, batch) : nextOfDigest(scan, room, batch);
      for (Pick p : batch) {
        judge.reevaluate(p.key(), p.state(), p.trigger(), ts);
      }
      done += batch.size();
      if (finished) {
        queue.poll();
        metrics.reevaluationRun(scan.reason, Duration.ofNanos(System.nanoTime() - scan.startedNanos));
      }
    }
  }

  /** Fills {@code batch} from the pods after the cursor; true when the store is exhausted. */
  private boolean nextOfAll(Scan scan, int room, List<Pick> batch) {
    int examined = 0;
    List<String> forgotten = new ArrayList<>();
    try (KeyValueIterator<String, PodState> it = scan.after == null ? pods.all() : pods.range(scan.after, null)) {
      while (it.hasNext()) {
        if (batch.size() >= room || examined >= MAX_EXAMINED_PER_BATCH) {
          return false;
        }
        var kv = it.next();
        if (kv.key.equals(scan.after)) {
          continue;
        }
        examined++;
        scan.after = kv.key;
        if (kv.value != null && kv.value.deleted() && scan.forget.test(kv.value)) {
          forgotten.add(kv.key);
        } else {
          take(scan, kv.key, kv.value, batch);
        }
      }
    } finally {
      forgotten.forEach(pods::delete);
    }
    return true;
  }

  /** As {@link #nextOfAll}, over the pods-by-digest index of one digest. */
  private boolean nextOfDigest(Scan scan, int room, List<Pick> batch) {
    String prefix = scan.digest + "|";
    int examined = 0;
    // '}' follows '|': the range ends after every key with the prefix.
    try (KeyValueIterator<String, String> it = scan.after == null
        ? podsByDigest.prefixScan(prefix, new StringSerializer())
        : podsByDigest.range(prefix + scan.after, scan.digest + "}")) {
      while (it.hasNext()) {
        if (batch.size() >= room || examined >= MAX_EXAMINED_PER_BATCH) {
          return false;
        }
        String key = it.next().key.substring(prefix.length());
        if (key.equals(scan.after)) {
          continue;
        }
        examined++;
        scan.after = key;
        take(scan, key, pods.get(key), batch);
      }
    }
    return true;
  }

  private static void take(Scan scan, String key, PodState s, List<Pick> batch) {
    Verdict.Trigger trigger = s == null || s.deleted() ? null : scan.which.apply(s);
    if (trigger != null) {
      batch.add(new Pick(key, s, trigger));
    }
  }
}
