package dev.vigil.streams;

import dev.vigil.schemas.Json;
import dev.vigil.schemas.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The re-evaluations over many pods one validation task has to do (after a policy change, a changed
 * attestation, for freshness, periodically), done a bounded batch at a time. They go over the
 * task's pod templates (ADR 0150): each template the rules pick is judged once, and its pods are
 * walked only when its outcome changed; a {@link #FORGET} scan goes over the pods themselves, to
 * forget deleted ones after their retention, and a {@link #SWEEP} over the templates drops those no
 * pod is of (ADR 0170).
 *
 * <p>Each run does at most {@link #MAX_PODS_PER_RUN} pods (a template counts its pods when they are
 * walked, one otherwise) and stops after {@link #TIME_PER_RUN} once it has done {@link
 * #MIN_PODS_PER_RUN}, then carries on at the next punctuation from where it stopped. So a policy
 * change over a million pods is many short transactions instead of one that outlives {@code
 * transaction.timeout.ms}, and the stream thread keeps polling and committing in between.
 *
 * <p>Scans that answer a change (policy, facts, the first poll, the migration) run first and take
 * those runs. The routine ones ({@link #BACKGROUND}: periodic, freshness, forget, sweep) run only
 * when none of those is under way, in runs of {@link Limits#BACKGROUND}: a pod event that comes
 * meanwhile waits for a few milliseconds of them, not for half a second per task (ADR 0185).
 *
 * <p>Every scan and its cursor live in the task's progress store ({@value StoreNames#PROGRESS}),
 * written in the same transaction as the pods and templates they judged: a task that Kafka Streams
 * revives (stores rolled back, {@code init()} called again) or that moves to another instance
 * resumes each scan from the cursor committed with them, never loses one and never keeps one the
 * stores do not reflect.
 *
 * <p>What a scan re-evaluates is decided per template when the cursor reaches it ({@link
 * Rules#which} returns the trigger, or null to skip), against the state at that moment. A new
 * policy change restarts the policy scan from the beginning.
 */
final class Reevaluations {

  /** Judges one template again (and its pods, as needed) and stores the result. */
  interface Judge {
    /**
     * Judges template {@code fingerprint} again for {@code scan}; returns how many pods that walked
     * (0 when it confirmed the template's outcome).
     */
    int reevaluate(
        String fingerprint, TemplateState template, Verdict.Trigger trigger, Scan scan, long ts);

    /** The stored state of pod {@code key} no longer reads (its serde gave null). */
    default void unreadable(String key, long ts) {}
  }

  /** Which templates a scan judges (and which deleted pods it forgets), by its reason. */
  interface Rules {
    /** The trigger to judge {@code t} with, or null to skip it. */
    Verdict.Trigger which(Scan scan, TemplateState t);

    /** True to forget the deleted pod {@code s}. */
    default boolean forget(Scan scan, PodState s) {
      return false;
    }
  }

  /**
   * One scan as the progress store keeps it.
   *
   * @param digest null: every template of the task (every pod for {@link #FORGET}); else the
   *     templates of this image digest
   * @param trigger the trigger of the cause, for scans that judge every template they pick with it
   * @param after the last template fingerprint (pod key for {@link #FORGET}) examined; null: from
   *     the start
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
   * {@code time} has passed or {@code maxPods} are done; entries are read {@code batch} at a time.
   */
  record Limits(int minPods, int maxPods, Duration time, int batch) {
    static final Limits DEFAULT = new Limits(MIN_PODS_PER_RUN, MAX_PODS_PER_RUN, TIME_PER_RUN, 500);

    /**
     * For the routine scans: a run holds the stream thread about 10 ms, so that the tasks of one
     * thread that all start their hourly or ten-minute scans in one loop keep pod events under 100
     * ms.
     */
    static final Limits BACKGROUND = new Limits(20, MAX_PODS_PER_RUN, Duration.ofMillis(10), 50);
  }

  // Why a scan runs (its reason); what each judges is in RescanPunctuator's rules.
  static final String POLICY_CHANGE = "policy_change";
  static final String FACTS_CHANGE = "facts_change";
  static final String PERIODIC = "periodic";
  static final String FRESHNESS = "freshness";

  /** Over the pods: forgets deleted pods after their retention. */
  static final String FORGET = "forget";

  /**
   * Over the templates: drops those no pod is of any more (ADR 0170). A template outlives its last
   * pod until then, so the next pod of its workload takes its judgement.
   */
  static final String SWEEP = "sweep";

  /**
   * Over the pods, once: gives each pod not in the template indexes (stored before ADR 0150, its
   * state still with its images, or rewritten by a pod event before this scan reached it) its
   * template and index entry.
   */
  static final String MIGRATE = "migrate";

  /** A task's first poll ever: templates whose policies or facts differ from those now in force. */
  static final String STARTUP = "startup";

  /**
   * The routine scans: they yield to the others and run in short runs ({@link Limits#BACKGROUND}).
   */
  static final java.util.Set<String> BACKGROUND =
      java.util.Set.of(PERIODIC, FRESHNESS, FORGET, SWEEP);

  static final int MIN_PODS_PER_RUN = 1_000;
  static final int MAX_PODS_PER_RUN = 20_000;
  static final Duration TIME_PER_RUN = Duration.ofMillis(500);

  /** How often a task with a re-evaluation under way runs the next batch. */
  static final Duration CONTINUE_INTERVAL = Duration.ofMillis(10);

  /** Entries read and skipped per batch at most (a scan that matches few still yields). */
  private static final int MAX_EXAMINED_PER_BATCH = 20_000;

  /** Progress-store keys of scans start with this. */
  static final String SCAN_PREFIX = "scan/";

  private record Pick(String fingerprint, TemplateState template, Verdict.Trigger trigger) {}

  private final PodStore store;
  private final KeyValueStore<String, String> progress;
  private final VigilMetrics metrics;
  private final Limits limits;
  private final Limits background;
  private final java.util.function.Supplier<Pace> pace;

  /**
   * How much of its stream thread's time the routine scans may take: at most {@code share} of each
   * {@code window}, over all the tasks the thread runs (they all start their routine scans in the
   * same loop). It decides when a routine scan runs, never what it judges, so it lives with the
   * thread and not in a store: a revived or moved task paces on with its thread's (ADR 0185). Not
   * thread-safe: one per thread.
   */
  static final class Pace {
    private final long windowNanos;
    private final long shareNanos;
    private long windowStart;
    private boolean started;
    private long used;

    Pace(Duration window, Duration share) {
      this.windowNanos = window.toNanos();
      this.shareNanos = share.toNanos();
    }

    /** The routine work the thread may still do at {@code now} (nanoTime), 0 for none. */
    long left(long now) {
      if (!started || now - windowStart >= windowNanos) {
        started = true;
        windowStart = now;
        used = 0;
      }
      return Math.max(0, shareNanos - used);
    }

    /** Routine work done. */
    void used(long nanos) {
      used += nanos;
    }

    /** The pace of the calling stream thread: a fifth of each 100 ms, over all its tasks. */
    static Pace ofThisThread() {
      return THREAD_PACE.get();
    }

    /** No limit: every routine scan runs as its {@link Limits} allow. */
    static Pace unlimited() {
      return new Pace(Duration.ofDays(1), Duration.ofDays(365));
    }
  }

  /** A fifth of each 100 ms of a stream thread, at most, for routine scans. */
  private static final ThreadLocal<Pace> THREAD_PACE =
      ThreadLocal.withInitial(() -> new Pace(Duration.ofMillis(100), Duration.ofMillis(20)));

  /** Every scan in runs of {@code limits}, unpaced. */
  Reevaluations(
      PodStore store, KeyValueStore<String, String> progress, VigilMetrics metrics, Limits limits) {
    this(store, progress, metrics, limits, limits, Pace::unlimited);
  }

  /**
   * The {@link #BACKGROUND} scans in runs of {@code background} paced by {@code pace} (read on the
   * thread that runs them: {@link Pace#ofThisThread} in the processor), the others in runs of
   * {@code limits}.
   */
  Reevaluations(
      PodStore store,
      KeyValueStore<String, String> progress,
      VigilMetrics metrics,
      Limits limits,
      Limits background,
      java.util.function.Supplier<Pace> pace) {
    this.store = store;
    this.progress = progress;
    this.metrics = metrics;
    this.limits = limits;
    this.background = background;
    this.pace = pace;
  }

  /**
   * Re-evaluates every template the rules for {@code reason} pick ({@link #FORGET}: every pod). If
   * a scan for {@code reason} is already under way, {@code restart} starts it again from the
   * beginning; otherwise it goes on as it is.
   */
  void everyPod(String reason, Verdict.Trigger trigger, boolean restart, long nowMs) {
    enqueue(new Scan(reason, null, trigger, null, nowMs), restart);
  }

  /** Re-evaluates the templates of image {@code digest} that the rules for {@code reason} pick. */
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

  /**
   * Does the next bounded part of the work: change scans first, in a run of {@code limits}; else
   * routine scans, in a run of {@code background} within what the thread's {@link Pace} leaves.
   */
  void run(long ts, Rules rules, Judge judge) {
    Scan scan = first();
    if (scan == null) {
      return;
    }
    long start = System.nanoTime();
    if (!BACKGROUND.contains(scan.reason())) {
      run(scan, false, limits, start + limits.time().toNanos(), ts, rules, judge);
      return;
    }
    Pace p = pace.get();
    long left = Math.min(background.time().toNanos(), p.left(start));
    if (left <= 0) {
      return;
    }
    try {
      run(scan, true, background, start + left, ts, rules, judge);
    } finally {
      p.used(System.nanoTime() - start);
    }
  }

  /**
   * Goes on with {@code scan}, then with the next scans of the same kind (routine or not), until
   * {@code l} or the deadline (nanoTime) stops it.
   */
  private void run(
      Scan scan, boolean routine, Limits l, long deadline, long ts, Rules rules, Judge judge) {
    int done = 0;
    boolean moved = false; // the scan's cursor moved and is not yet written
    while (true) {
      if (done >= l.maxPods() || done >= l.minPods() && System.nanoTime() >= deadline) {
        if (moved) {
          progress.put(keyOf(scan), json(scan)); // once per run: every write is a changelog record
        }
        return;
      }
      int room = Math.min(l.batch(), l.maxPods() - done);
      Scan[] cursor = {scan};
      boolean finished;
      if (FORGET.equals(scan.reason()) || MIGRATE.equals(scan.reason())) {
        List<String> unreadable = new ArrayList<>();
        int[] examined = {0};
        finished = forget(cursor, rules, room, unreadable, examined);
        unreadable.forEach(k -> judge.unreadable(k, ts));
        done += Math.max(1, examined[0] / 10);
      } else if (SWEEP.equals(scan.reason())) {
        int[] examined = {0};
        finished = sweep(cursor, room, examined);
        done += Math.max(1, examined[0] / 10);
      } else {
        List<Pick> batch = new ArrayList<>();
        finished =
            scan.digest() == null
                ? nextOfAll(cursor, rules, room, batch)
                : nextOfDigest(cursor, rules, room, batch);
        for (Pick p : batch) {
          done +=
              Math.max(1, judge.reevaluate(p.fingerprint(), p.template(), p.trigger(), scan, ts));
        }
        if (batch.isEmpty()) {
          done++;
        }
      }
      if (finished) {
        progress.delete(keyOf(scan));
        metrics.reevaluationRun(
            scan.reason(), Duration.ofMillis(Math.max(0, ts - scan.startedAtMs())));
        scan = first();
        moved = false;
        if (scan == null || BACKGROUND.contains(scan.reason()) != routine) {
          return; // routine scans run in runs of their own, paced
        }
      } else {
        scan = cursor[0];
        moved = true;
      }
    }
  }

  /**
   * The scan to run next: the first in key order that is not {@link #BACKGROUND}, else the first.
   */
  private Scan first() {
    String routine = null;
    try (KeyValueIterator<String, String> it =
        progress.prefixScan(SCAN_PREFIX, new StringSerializer())) {
      while (it.hasNext()) {
        var kv = it.next();
        String rest = kv.key.substring(SCAN_PREFIX.length());
        int slash = rest.indexOf('/');
        if (!BACKGROUND.contains(slash < 0 ? rest : rest.substring(0, slash))) {
          return fromJson(kv.value, Scan.class);
        }
        if (routine == null) {
          routine = kv.value;
        }
      }
    }
    return routine == null ? null : fromJson(routine, Scan.class);
  }

  /** Fills {@code batch} from the templates after the cursor; true when the store is exhausted. */
  private boolean nextOfAll(Scan[] cursor, Rules rules, int room, List<Pick> batch) {
    int examined = 0;
    String after = cursor[0].after();
    var templates = store.templates();
    try (KeyValueIterator<String, TemplateState> it =
        after == null ? templates.all() : templates.range(after, null)) {
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
        take(cursor[0], rules, kv.key, kv.value, batch);
      }
    }
    return true;
  }

  /** As {@link #nextOfAll}, over the templates-by-digest index of one digest. */
  private boolean nextOfDigest(Scan[] cursor, Rules rules, int room, List<Pick> batch) {
    String digest = cursor[0].digest();
    String prefix = digest + "|";
    String after = cursor[0].after();
    int examined = 0;
    // '}' follows '|': the range ends after every key with the prefix.
    try (KeyValueIterator<String, String> it =
        after == null
            ? store.templatesByDigest().prefixScan(prefix, new StringSerializer())
            : store.templatesByDigest().range(prefix + after, digest + "}")) {
      while (it.hasNext()) {
        if (batch.size() >= room || examined >= MAX_EXAMINED_PER_BATCH) {
          return false;
        }
        String fingerprint = it.next().key.substring(prefix.length());
        if (fingerprint.equals(after)) {
          continue;
        }
        examined++;
        cursor[0] = cursor[0].from(fingerprint);
        take(cursor[0], rules, fingerprint, store.template(fingerprint), batch);
      }
    }
    return true;
  }

  /**
   * Forgets the deleted pods after the cursor that the rules say to, and reports those whose state
   * no longer reads; true when the store is exhausted.
   */
  private boolean forget(
      Scan[] cursor, Rules rules, int room, List<String> unreadable, int[] examined) {
    List<Map.Entry<String, StoredPod>> forgotten = new ArrayList<>();
    List<Map.Entry<String, StoredPod>> adopted = new ArrayList<>();
    boolean finished =
        walk(
            cursor,
            store.pods(),
            room * 10,
            examined,
            (key, value) -> {
              if (value == null) {
                unreadable.add(key); // a store never holds null: the serde could not read it
              } else if (MIGRATE.equals(cursor[0].reason())) {
                if (store.unindexed(key, value)) {
                  adopted.add(Map.entry(key, value));
                }
              } else if (value.state().deleted() && rules.forget(cursor[0], value.state())) {
                forgotten.add(Map.entry(key, value));
              }
            });
    forgotten.forEach(e -> store.forget(e.getKey(), e.getValue()));
    adopted.forEach(
        e -> {
          PodState whole = store.whole(e.getValue());
          if (whole != null) {
            store.adopt(e.getKey(), whole);
          }
        });
    return finished;
  }

  /** Drops the templates after the cursor that no pod is of; true when the store is exhausted. */
  private boolean sweep(Scan[] cursor, int room, int[] examined) {
    List<String> seen = new ArrayList<>();
    boolean finished =
        walk(cursor, store.templates(), room * 10, examined, (key, value) -> seen.add(key));
    seen.forEach(store::dropIfUnused); // one look at each template's pods, after the iterator
    return finished;
  }

  /**
   * Hands {@code each} the entries of {@code s} after the cursor, moving the cursor, until {@code
   * limit} are examined (counted in {@code examined}); true when the store is exhausted. Writes
   * wait until the iterator is closed: {@code each} only collects.
   */
  private static <V> boolean walk(
      Scan[] cursor,
      KeyValueStore<String, V> s,
      int limit,
      int[] examined,
      java.util.function.BiConsumer<String, V> each) {
    String after = cursor[0].after();
    try (KeyValueIterator<String, V> it = after == null ? s.all() : s.range(after, null)) {
      while (it.hasNext()) {
        if (examined[0] >= limit) {
          return false;
        }
        var kv = it.next();
        if (kv.key.equals(after)) {
          continue;
        }
        examined[0]++;
        cursor[0] = cursor[0].from(kv.key);
        each.accept(kv.key, kv.value);
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

  private static void take(
      Scan scan, Rules rules, String fingerprint, TemplateState t, List<Pick> batch) {
    Verdict.Trigger trigger = t == null ? null : rules.which(scan, t);
    if (trigger != null) {
      batch.add(new Pick(fingerprint, t, trigger));
    }
  }
}
