package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Verdict;
import dev.vigil.validator.Evaluation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Re-evaluations over many pod templates are done in bounded runs that together judge every
 * template a scan picks exactly once, resuming where the last run stopped (ADR 0150). Here each pod
 * has a template of its own (its own service account), so templates and pods count alike.
 */
class ReevaluationsTest {

  static final Reevaluations.Limits SMALL =
      new Reevaluations.Limits(100, 100, Duration.ofHours(1), 30);

  PodStore store;
  KeyValueStore<String, String> progress;
  SimpleMeterRegistry registry = new SimpleMeterRegistry();
  Reevaluations work;

  /** What the judge saw, in order: pod key and trigger. */
  List<String> judged = new ArrayList<>();

  Map<String, Integer> timesJudged = new HashMap<>();

  @BeforeEach
  void stores() {
    MockProcessorContext<String, String> ctx = new MockProcessorContext<>();
    store =
        new PodStore(
            store(ctx, "pods", new PodStateCodec()),
            store(ctx, "templates", new TemplateStateCodec()),
            store(ctx, "template-pods", Serdes.String()),
            store(ctx, "templates-by-digest", Serdes.String()));
    progress = store(ctx, "progress", Serdes.String());
    work = new Reevaluations(store, progress, new VigilMetrics(registry, Clock.systemUTC()), SMALL);
  }

  private static <V> KeyValueStore<String, V> store(
      MockProcessorContext<String, String> ctx,
      String name,
      org.apache.kafka.common.serialization.Serde<V> serde) {
    KeyValueStore<String, V> s =
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), serde)
            .withLoggingDisabled()
            .build();
    s.init(ctx.getStateStoreContext(), s);
    return s;
  }

  /** A judgement under policy {@code version}. */
  static TemplateState.Judgement under(String version) {
    return new TemplateState.Judgement(
        new Evaluation(Decision.ALLOW, List.of(), List.of(version)),
        List.of(version),
        "fp",
        Fixtures.T0);
  }

  /** Stores {@code n} running pods p0000..; every third runs image b, the others image a. */
  void running(int n) {
    for (int i = 0; i < n; i++) {
      PodEvent e = event(i);
      PodState s = PodState.fresh(e).evaluated(Decision.ALLOW, List.of("policy@1"), "fp", null);
      store.put(e.key(), null, s);
      judge(i, "policy@1");
    }
  }

  /** The template of pod {@code i} is judged under {@code version}. */
  void judge(int i, String version) {
    String fp = PodTemplate.of(event(i)).fingerprint();
    store.judged(fp, store.template(fp).judged(under(version)));
  }

  /** The judge: judges the template under policy@2 (as the processor's would). */
  int judge(String fp, TemplateState t, Verdict.Trigger trigger, Reevaluations.Scan scan, long ts) {
    List<String> pods = store.runningPods(fp);
    if (pods.isEmpty()) {
      return 0;
    }
    judged.add(pods.get(0) + " " + trigger);
    timesJudged.merge(pods.get(0), 1, Integer::sum);
    store.judged(fp, t.judged(under("policy@2")));
    return 0;
  }

  static Verdict.Trigger underPolicy1(TemplateState t) {
    return t.judgement().versions().equals(List.of("policy@1"))
        ? Verdict.Trigger.POLICY_CHANGE
        : null;
  }

  /**
   * As the processor's: policy scans pick templates under policy 1, the forget sweep forgets pods
   * deleted before T0 + 1 h.
   */
  static final Reevaluations.Rules RULES =
      new Reevaluations.Rules() {
        @Override
        public Verdict.Trigger which(Reevaluations.Scan scan, TemplateState t) {
          return switch (scan.reason()) {
            case "policy_change" -> underPolicy1(t);
            case "freshness" -> null;
            default -> scan.trigger();
          };
        }

        @Override
        public boolean forget(Reevaluations.Scan scan, PodState s) {
          return scan.reason().equals("forget")
              && s.deletedAt().isBefore(Fixtures.T0.plusSeconds(3600));
        }
      };

  void run() {
    work.run(0, RULES, this::judge);
  }

  double completedRuns(String reason) {
    var c = registry.find("vigil.reevaluations").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aScanOverMorePodsThanOneRunAllowsFinishesOverSeveralRunsJudgingEachPodOnce() {
    running(250);
    work.everyPod("policy_change", Verdict.Trigger.POLICY_CHANGE, true, 0);

    run();
    assertEquals(100, judged.size(), "one run does at most maxPods");
    assertTrue(work.pending());
    assertEquals(0, completedRuns("policy_change"));
    run();
    run();

    assertFalse(work.pending());
    assertEquals(250, timesJudged.size());
    assertTrue(
        timesJudged.values().stream().allMatch(n -> n == 1), "each pod once: " + timesJudged);
    assertEquals(
        1, completedRuns("policy_change"), "the duration is recorded once, when the scan ends");
  }

  @Test
  void aTaskRevivedWithRolledBackStoresResumesFromTheCursorCommittedWithThePods() {
    running(250);
    work.everyPod("policy_change", Verdict.Trigger.POLICY_CHANGE, true, 0);
    run();
    assertEquals(100, judged.size());
    // Kafka Streams revives the task: the stores keep what was committed, and a new processor
    // (init() again) builds its re-evaluations from them; nothing is kept in memory.
    work = new Reevaluations(store, progress, new VigilMetrics(registry, Clock.systemUTC()), SMALL);
    assertTrue(work.pending(), "the scan under way is in the progress store");
    while (work.pending()) {
      run();
    }
    assertEquals(250, timesJudged.size());
    assertTrue(
        timesJudged.values().stream().allMatch(n -> n == 1), "each pod once: " + timesJudged);
  }

  @Test
  void podsJudgedMeanwhileAreNotJudgedAgainAndDeletedPodsAreSkipped() {
    running(250);
    work.everyPod("policy_change", Verdict.Trigger.POLICY_CHANGE, true, 0);
    run();
    // A pod event judged p0200's template under the new policy; p0201 was deleted.
    String k200 = key(200);
    judge(200, "policy@2");
    String k201 = key(201);
    PodState s201 = store.get(k201);
    store.put(k201, s201, s201.deleted(s201.pod(), Fixtures.T0));

    while (work.pending()) {
      run();
    }
    assertEquals(248, timesJudged.size());
    assertFalse(timesJudged.containsKey(k200));
    assertFalse(timesJudged.containsKey(k201));
  }

  @Test
  void aNewPolicyChangeDuringAScanStartsItAgainFromTheFirstPod() {
    running(250);
    work.everyPod("policy_change", Verdict.Trigger.POLICY_CHANGE, true, 0);
    run();
    // Policy 3 arrives: every pod is stale again, including the 100 already judged.
    for (int i = 0; i < 250; i++) {
      judge(i, "policy@1");
    }
    work.everyPod("policy_change", Verdict.Trigger.POLICY_CHANGE, true, 0);
    while (work.pending()) {
      run();
    }
    assertEquals(350, judged.size(), "100 before the restart, then all 250");
    assertEquals(judged.get(0), judged.get(100), "from the first template again");
    assertTrue(timesJudged.values().stream().allMatch(n -> n == 1 || n == 2));
  }

  @Test
  void aPeriodicScanAlreadyUnderWayIsNotStartedAgain() {
    running(150);
    work.everyPod("periodic", Verdict.Trigger.IMAGE_METADATA_CHANGE, false, 0);
    run();
    work.everyPod("periodic", Verdict.Trigger.IMAGE_METADATA_CHANGE, false, 0);
    while (work.pending()) {
      run();
    }
    assertEquals(150, judged.size());
  }

  @Test
  void aDigestScanJudgesOnlyThePodsRunningThatImageAcrossRuns() {
    running(450); // 150 run image b
    work.podsOf(Fixtures.digest('b'), "facts_change", Verdict.Trigger.ATTESTATION_CHANGE, 0);
    run();
    assertEquals(100, judged.size());
    while (work.pending()) {
      run();
    }
    assertEquals(150, timesJudged.size());
    for (String k : timesJudged.keySet()) {
      int i = Integer.parseInt(k.substring(k.length() - 4));
      assertEquals(0, i % 3, k + " does not run image b");
    }
    assertTrue(judged.stream().allMatch(j -> j.endsWith(" ATTESTATION_CHANGE")));
  }

  @Test
  void aPolicyScanRunsBeforeARoutineScanThatStartedEarlier() {
    running(30);
    work.everyPod("periodic", Verdict.Trigger.IMAGE_METADATA_CHANGE, false, 0);
    work.everyPod("policy_change", Verdict.Trigger.POLICY_CHANGE, true, 0);
    run();
    assertEquals(30, judged.size(), "a run of the policy scan, and of it only: " + judged);
    while (work.pending()) {
      run();
    }
    assertEquals(60, judged.size(), judged.toString());
    assertTrue(
        judged.subList(0, 30).stream().allMatch(j -> j.endsWith(" POLICY_CHANGE")),
        "the policy change first, though \"periodic\" sorts before it: " + judged);
    assertTrue(judged.subList(30, 60).stream().allMatch(j -> j.endsWith(" IMAGE_METADATA_CHANGE")));
  }

  /**
   * Routine scans in runs of {@code background} paced by {@code pace}, the others in SMALL runs.
   */
  private Reevaluations withRoutine(Reevaluations.Limits background, Reevaluations.Pace pace) {
    return new Reevaluations(
        store,
        progress,
        new VigilMetrics(registry, Clock.systemUTC()),
        SMALL,
        background,
        () -> pace);
  }

  @Test
  void routineScansRunInShortRunsAndGiveWayToAChangeScan() {
    work =
        withRoutine(
            new Reevaluations.Limits(5, 5, Duration.ofHours(1), 5), Reevaluations.Pace.unlimited());
    running(30);
    work.everyPod("periodic", Verdict.Trigger.IMAGE_METADATA_CHANGE, false, 0);
    run();
    assertEquals(5, judged.size(), "one short run of the periodic scan: " + judged);

    work.everyPod("policy_change", Verdict.Trigger.POLICY_CHANGE, true, 0);
    run();
    assertEquals(30, judged.size(), judged.toString());
    assertTrue(
        judged.subList(5, 30).stream().allMatch(j -> j.endsWith(" POLICY_CHANGE")),
        "the 25 pods the periodic scan had not reached, in one run of the policy scan, which"
            + " leaves the periodic scan to a run of its own: "
            + judged);

    while (work.pending()) {
      run();
    }
    assertEquals(55, judged.size(), "the periodic scan goes on from its cursor to the end");
    assertEquals(2, timesJudged.values().stream().mapToInt(i -> i).max().orElse(0));
  }

  @Test
  void aThreadWithNoShareLeftForRoutineWorkStillRunsChangeScans() {
    work = withRoutine(SMALL, new Reevaluations.Pace(Duration.ofHours(1), Duration.ZERO));
    running(30);
    work.everyPod("periodic", Verdict.Trigger.IMAGE_METADATA_CHANGE, false, 0);
    run();
    assertEquals(List.of(), judged, "no share left: the periodic scan waits");

    work.everyPod("policy_change", Verdict.Trigger.POLICY_CHANGE, true, 0);
    run();
    assertEquals(30, judged.size(), judged.toString());
    assertTrue(work.pending(), "the periodic scan still waits for its share");
  }

  @Test
  void aPaceGivesRoutineWorkItsShareOfEachWindowAndNoMore() {
    Reevaluations.Pace pace = new Reevaluations.Pace(Duration.ofMillis(100), Duration.ofMillis(20));
    long t = 1_000_000_000L;
    assertEquals(20_000_000L, pace.left(t));
    pace.used(15_000_000L);
    assertEquals(5_000_000L, pace.left(t + 50_000_000L), "5 ms left in this window");
    pace.used(8_000_000L);
    assertEquals(0, pace.left(t + 99_000_000L), "spent: nothing until the window ends");
    assertEquals(20_000_000L, pace.left(t + 100_000_000L), "a new window, a new share");
  }

  @Test
  void scansRunInTheOrderTheyWereAskedFor() {
    running(30);
    work.podsOf(Fixtures.digest('b'), "facts_change", Verdict.Trigger.ATTESTATION_CHANGE, 0);
    work.everyPod("periodic", Verdict.Trigger.IMAGE_METADATA_CHANGE, false, 0);
    run();
    assertEquals(10, judged.size(), "the facts scan's run, then the periodic scan's own");
    run();
    assertFalse(work.pending());
    assertEquals(10 + 30, judged.size());
    assertTrue(judged.subList(0, 10).stream().allMatch(j -> j.endsWith(" ATTESTATION_CHANGE")));
    assertTrue(judged.subList(10, 40).stream().allMatch(j -> j.endsWith(" IMAGE_METADATA_CHANGE")));
  }

  @Test
  void aForgetScanDropsTheDeletedPodsItIsToldToAndASweepThenTheirTemplates() {
    running(250);
    for (int i = 0; i < 250; i += 5) { // 50 deleted: the first 25 long ago, the rest just now
      PodState s = store.get(key(i));
      store.put(
          key(i), s, s.deleted(s.pod(), i < 125 ? Fixtures.T0 : Fixtures.T0.plusSeconds(7200)));
    }
    work.everyPod("forget", Verdict.Trigger.IMAGE_METADATA_CHANGE, false, 0);
    while (work.pending()) {
      run();
    }
    assertEquals(0, judged.size());
    assertEquals(225, count(store.pods()));
    assertEquals(250, count(store.templates()), "templates outlive their pods");
    assertEquals(null, store.get(key(0)));
    assertNotNull(store.template(PodTemplate.of(event(0)).fingerprint()));

    work.everyPod("sweep", Verdict.Trigger.IMAGE_METADATA_CHANGE, false, 0);
    while (work.pending()) {
      run();
    }
    assertEquals(0, judged.size());
    assertEquals(225, count(store.templates()), "the templates no pod is of are dropped");
    assertEquals(null, store.template(PodTemplate.of(event(0)).fingerprint()));
    assertNotNull(store.template(PodTemplate.of(event(125)).fingerprint()), "a deleted pod's");
    assertTrue(store.get(key(125)).deleted());
    assertFalse(store.get(key(1)).deleted());
  }

  /**
   * The one-time migrate scan indexes every pod the template indexes lack: one stored before ADR
   * 0150 (JSON, with its images) and one a pod event rewrote before the scan reached it.
   */
  @Test
  void theMigrateScanIndexesPodsStoredBeforeTemplatesEvenOnceRewritten() {
    PodEvent old = event(1);
    PodEvent rewritten = event(2);
    PodState legacy =
        PodState.fresh(old).evaluated(Decision.ALLOW, List.of("policy@1"), "fp", null);
    PodState legacy2 =
        PodState.fresh(rewritten).evaluated(Decision.ALLOW, List.of("policy@1"), "fp", null);
    store.pods().put(old.key(), new StoredPod(legacy, null));
    store.pods().put(rewritten.key(), new StoredPod(legacy2, null));
    // a status-only event rewrites the second before the scan: same template, so no index write
    store.put(rewritten.key(), store.get(rewritten.key()), legacy2.withPod(event(2)));
    assertEquals(List.of(), store.runningPods(PodTemplate.of(rewritten).fingerprint()));

    work.everyPod("migrate", Verdict.Trigger.POLICY_CHANGE, false, 0);
    while (work.pending()) {
      run();
    }

    assertEquals(List.of(old.key()), store.runningPods(PodTemplate.of(old).fingerprint()));
    assertEquals(
        List.of(rewritten.key()), store.runningPods(PodTemplate.of(rewritten).fingerprint()));
    assertEquals(old.images(), store.get(old.key()).pod().images());
  }

  private static long count(KeyValueStore<String, ?> s) {
    long n = 0;
    try (var it = s.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  private String key(int i) {
    return event(i).key();
  }

  /** Pod {@code i}, with a service account (so a template) of its own. */
  private static PodEvent event(int i) {
    String name = String.format("p%04d", i);
    PodEvent e =
        Fixtures.pod(
            PodEvent.Type.ADDED,
            "shop",
            name,
            1,
            Fixtures.deployment("shop", "web"),
            Fixtures.image("us-docker.pkg.dev/acme/prod/web", i % 3 == 0 ? 'b' : 'a'));
    return new PodEvent(
        e.eventId(),
        e.clusterId(),
        e.type(),
        e.namespace(),
        e.name(),
        e.uid(),
        "sa-" + name,
        e.phase(),
        e.owner(),
        e.images(),
        e.labels(),
        e.annotations(),
        e.resourceVersion(),
        e.observedAt());
  }
}
