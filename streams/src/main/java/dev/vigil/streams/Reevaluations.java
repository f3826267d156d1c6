package dev.vigil.streams;

import dev.vigil.schemas.Json;
import dev.vigil.schemas.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The re-evaluations over many pods one validation task has to do (after a policy change, a changed
 * attestation, for freshness, periodically), done a bounded batch at a time.
 *
 * <p>Each run does at most {@link #MAX_PODS_PER_RUN} pods and stops after {@link #TIME_PER_RUN}
 * once it has done {@link #MIN_PODS_PER_RUN}, then carries on at the next punctuation from where it
 * stopped. So a policy change over a million pods is many short transactions instead of one that
 * outlives {@code transaction.timeout.ms}, and the stream thread keeps polling and committing in
 * between.
 *
 * <p>Every scan and its cursor live in the task's progress store ({@value StoreNames#PROGRESS}),
 * written in the same transaction as the pods they judged: a task that Kafka Streams revives
 * (stores rolled back, {@code init()} called again) or that moves to another instance resumes each
 * scan from the cursor committed with the pods, never loses one and never keeps one the pods do not
 * reflect.
 *
 * <p>What a scan re-evaluates is decided per pod when the cursor reaches it ({@link Rules#which}
 * returns the trigger, or null to skip), against the state at that moment: a pod already judged
 * under the new policy by a pod event is not judged again. A new policy change restarts the policy
 * scan from the beginning for the same reason.
 */
final class Reevaluations {

  /** Judges one pod again and stores the result. */
  interface Judge {
    /**
     * Judges pod {@code key} again for {@code scan} (its reason and, for a fact change, digest).
     */
    void reevaluate(String key, PodState state, Verdict.Trigger trigger, Scan scan, long ts);

    /** The stored state of pod {@code key} no longer reads (its serde gave null). */
    default void unreadable(String key, long ts) {}
  }

  /** Which pods a scan judges (and which deleted pods it forgets on the way), by its reason. */
  interface Rules {
    /** The trigger to judge {@code s} with, or null to skip it. */
    Verdict.Trigger which(Scan scan, PodState s);

    /** True to delete the deleted pod {@code s} from the store. */
    default boolean forget(Scan scan, PodState s) {
      return false;
    }
  }

  /**
   * One scan as the progress store keeps it.
   *
   * @param digest null: every pod of the task; else the pods of this image digest
   * @param trigger the trigger of the cause, for scans that judge every pod they pick with it
   * @param after the last pod key examined; null: from the start
   * @param startedAtMs when the cause was noticed (wall clock), for the duration metric
   */
  record Scan(
      String reason, String digest, Verdict.Trigger trigger, String after, long startedAtMs) {
    Scan from(String key) {
      return new Scan(reason, digest, trigger, key, startedAtMs);
    }
  }

  /**
   * How much one run does: at least {@code minPods} pods (whatever the time), then more until
   * {@code time} has passed or {@code maxPods} are done; pods are read {@code batch} at a time.
   */
  record Limits(int minPods, int maxPods, Duration time, int batch) {
    static final Limits DEFAULT = new Limits(MIN_PODS_PER_RUN, MAX_PODS_PER_RUN, TIME_PER_RUN, 500);
  }

  // Why a scan runs (its reason); what each judges is in RescanPunctuator's rules.
  static final String POLICY_CHANGE = "policy_change";
  static final String FACTS_CHANGE = "facts_change";
  static final String PERIODIC = "periodic";
  static final String FRESHNESS = "freshness";

  /** A task's first poll ever: pods whose policies or facts differ from those now in force. */
  static final String STARTUP = "startup";

  static final int MIN_PODS_PER_RUN = 1_000;
  static final int MAX_PODS_PER_RUN = 20_000;
  static final Duration TIME_PER_RUN = Duration.ofMillis(500);

  /** How often a task with a re-evaluation under way runs the next batch. */
  static final Duration CONTINUE_INTERVAL = Duration.ofMillis(10);

  /** Pods read and skipped per batch at most (a scan that matches few pods still yields). */
  private static final int MAX_EXAMINED_PER_BATCH = 20_000;

  /** Progress-store keys of scans start with this. */
  static final String SCAN_PREFIX = "scan/";

  private record Pick(String key, PodState state, Verdict.Trigger trigger) {}

  private final KeyValueStore<String, PodState> pods;
  private final KeyValueStore<String, String> podsByDigest;
  private final KeyValueStore<String, String> progress;
  private final VigilMetrics metrics;
  private final Limits limits;

  Reevaluations(
      KeyValueStore<String, PodState> pods,
      KeyValueStore<String, String> podsByDigest,
      KeyValueStore<String, String> progress,
      VigilMetrics metrics,
      Limits limits) {
    this.pods = pods;
    this.podsByDigest = podsByDigest;
    this.progress = progress;
    this.metrics = metrics;
    this.limits = limits;
  }

  /**
   * Re-evaluates every running pod the rules for {@code reason} pick. If a scan for {@code reason}
   * is already under way, {@code restart} starts it again from the beginning; otherwise it goes on
   * as it is.
   */
  void everyPod(String reason, Verdict.Trigger trigger, boolean restart, long nowMs) {
    enqueue(new Scan(reason, null, trigger, null, nowMs), restart);
  }

  /**
   * Re-evaluates the running pods of image {@code digest} that the rules for {@code reason} pick.
   */
  void podsOf(String digest, String reason, Verdict.Trigger trigger, long nowMs) {
    enqueue(new Scan(reason, digest, trigger, null, nowMs), true);
  }

  private static String keyOf(Scan s) {
    return SCAN_PREFIX + s.reason() + "/" + (s.digest() == null ? "*" : s.digest());
  }

  private void enqueue(Scan scan, boolean restart) {
    String key = keyOf(scan);
    String existing = progress.get(key);
    if (existing != null && !restart) {
      return;
    }
    Scan s = existing == null ? scan : fromJson(existing, Scan.class).from(null);
    progress.put(key, json(s));
  }

  /** The scans under way, in the order they run. */
  List<Scan> scans() {
    List<Scan> out = new ArrayList<>();
    try (KeyValueIterator<String, String> it =
        progress.prefixScan(SCAN_PREFIX, new StringSerializer())) {
      while (it.hasNext()) {
        out.add(fromJson(it.next().value, Scan.class));
      }
    }
    return out;
  }

  /** True while some scan is unfinished. */
  boolean pending() {
    try (KeyValueIterator<String, String> it =
        progress.prefixScan(SCAN_PREFIX, new StringSerializer())) {
      return it.hasNext();
    }
  }

  /** Does the next bounded part of the work. */
  void run(long ts, Rules rules, Judge judge) {
    long start = System.nanoTime();
    long deadline = start + limits.time().toNanos();
    int done = 0;
    while (done < limits.maxPods() && (done < limits.minPods() || System.nanoTime() < deadline)) {
      Scan scan = first();
      if (scan == null) {
        return;
      }
      List<Pick> batch = new ArrayList<>();
      int room = Math.min(limits.batch(), limits.maxPods() - done);
      List<String> forgotten = new ArrayList<>();
      List<String> unreadable = new ArrayList<>();
      Scan[] cursor = {scan};
      boolean finished =
          scan.digest() == null
              ? nextOfAll(cursor, rules, room, batch, forgotten, unreadable)
              : nextOfDigest(cursor, rules, room, batch);
      forgotten.forEach(pods::delete);
      unreadable.forEach(k -> judge.unreadable(k, ts));
      for (Pick p : batch) {
        judge.reevaluate(p.key(), p.state(), p.trigger(), scan, ts);
      }
      done += batch.size();
      if (finished) {
        progress.delete(keyOf(scan));
        metrics.reevaluationRun(
            scan.reason(), Duration.ofMillis(Math.max(0, ts - scan.startedAtMs())));
      } else {
        progress.put(keyOf(scan), json(cursor[0]));
      }
    }
  }

  private Scan first() {
    try (KeyValueIterator<String, String> it =
        progress.prefixScan(SCAN_PREFIX, new StringSerializer())) {
      return it.hasNext() ? fromJson(it.next().value, Scan.class) : null;
    }
  }

  /** Fills {@code batch} from the pods after the cursor; true when the store is exhausted. */
  private boolean nextOfAll(
      Scan[] cursor,
      Rules rules,
      int room,
      List<Pick> batch,
      List<String> forgotten,
      List<String> unreadable) {
    int examined = 0;
    String after = cursor[0].after();
    try (KeyValueIterator<String, PodState> it =
        after == null ? pods.all() : pods.range(after, null)) {
      while (it.hasNext()) {
        if (batch.size() >= room || examined >= MAX_EXAMINED_PER_BATCH) {
          return false;
        }
        var kv = it.next();
        if (kv.key.equals(after)) {
          continue;
        }
        examined++;
        cursor[0] = cursor[0].from(kv.key);
        if (kv.value == null) {
          unreadable.add(kv.key); // a store never holds null: the serde could not read the value
        } else if (kv.value.deleted() && rules.forget(cursor[0], kv.value)) {
          forgotten.add(kv.key);
        } else {
          take(cursor[0], rules, kv.key, kv.value, batch);
        }
      }
    }
    return true;
  }

  /** As {@link #nextOfAll}, over the pods-by-digest index of one digest. */
  private boolean nextOfDigest(Scan[] cursor, Rules rules, int room, List<Pick> batch) {
    String digest = cursor[0].digest();
    String prefix = digest + "|";
    String after = cursor[0].after();
    int examined = 0;
    // '}' follows '|': the range ends after every key with the prefix.
    try (KeyValueIterator<String, String> it =
        after == null
            ? podsByDigest.prefixScan(prefix, new StringSerializer())
            : podsByDigest.range(prefix + after, digest + "}")) {
      while (it.hasNext()) {
        if (batch.size() >= room || examined >= MAX_EXAMINED_PER_BATCH) {
          return false;
        }
        String key = it.next().key.substring(prefix.length());
        if (key.equals(after)) {
          continue;
        }
        examined++;
        cursor[0] = cursor[0].from(key);
        take(cursor[0], rules, key, pods.get(key), batch);
      }
    }
    return true;
  }

  static String json(Object value) {
    return new String(Json.write(value), StandardCharsets.UTF_8);
  }

  static <T> T fromJson(String json, Class<T> type) {
    return Json.read(json.getBytes(StandardCharsets.UTF_8), type);
  }

  private static void take(Scan scan, Rules rules, String key, PodState s, List<Pick> batch) {
    Verdict.Trigger trigger = s == null || s.deleted() ? null : rules.which(scan, s);
    if (trigger != null) {
      batch.add(new Pick(key, s, trigger));
    }
  }
}
