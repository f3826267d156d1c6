package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.JsonSerde;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Verdict;
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
 * Re-evaluations over many pods are done in bounded runs that together judge every pod a scan picks
 * exactly once, in the store's key order, resuming where the last run stopped.
 */
class ReevaluationsTest {

  static final Reevaluations.Limits SMALL =
      new Reevaluations.Limits(100, 100, Duration.ofHours(1), 30);

  KeyValueStore<String, PodState> pods;
  KeyValueStore<String, String> byDigest;
  KeyValueStore<String, String> progress;
  SimpleMeterRegistry registry = new SimpleMeterRegistry();
  Reevaluations work;

  /** What the judge saw, in order: key and trigger. */
  List<String> judged = new ArrayList<>();

  Map<String, Integer> timesJudged = new HashMap<>();

  @BeforeEach
  void stores() {
    MockProcessorContext<String, String> ctx = new MockProcessorContext<>();
    pods =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("pods"),
                Serdes.String(),
                new JsonSerde<>(PodState.class))
            .withLoggingDisabled()
            .build();
    pods.init(ctx.getStateStoreContext(), pods);
    byDigest =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("by-digest"), Serdes.String(), Serdes.String())
            .withLoggingDisabled()
            .build();
    byDigest.init(ctx.getStateStoreContext(), byDigest);
    progress =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("progress"), Serdes.String(), Serdes.String())
            .withLoggingDisabled()
            .build();
    progress.init(ctx.getStateStoreContext(), progress);
    work =
        new Reevaluations(
            pods, byDigest, progress, new VigilMetrics(registry, Clock.systemUTC()), SMALL);
  }

  /** Stores {@code n} running pods p0000..; every third runs image b, the others image a. */
  void running(int n) {
    for (int i = 0; i < n; i++) {
      String name = String.format("p%04d", i);
      char img = i % 3 == 0 ? 'b' : 'a';
      PodEvent e =
          Fixtures.pod(
              PodEvent.Type.ADDED,
              "shop",
              name,
              1,
              Fixtures.deployment("shop", "web"),
              Fixtures.image("us-docker.pkg.dev/acme/prod/web", img));
      PodState s = PodState.fresh(e).evaluated(Decision.ALLOW, List.of("policy@1"), "fp", null);
      pods.put(e.key(), s);
      byDigest.put(Fixtures.digest(img) + "|" + e.key(), "");
    }
  }

  /** The judge: marks the pod as judged under policy@2 (as the processor's evaluation would). */
  void judge(String key, PodState s, Verdict.Trigger trigger, Reevaluations.Scan scan, long ts) {
    judged.add(key + " " + trigger);
    timesJudged.merge(key, 1, Integer::sum);
    pods.put(key, s.evaluated(Decision.DENY, List.of("policy@2"), "fp", null));
  }

  static Verdict.Trigger underPolicy1(PodState s) {
    return s.policyVersions().equals(List.of("policy@1")) ? Verdict.Trigger.POLICY_CHANGE : null;
  }

  /**
   * As the processor's: policy scans pick pods under policy 1, sweeps forget pods deleted before T0
   * + 1 h.
   */
  static final Reevaluations.Rules RULES =
      new Reevaluations.Rules() {
        @Override
        public Verdict.Trigger which(Reevaluations.Scan scan, PodState s) {
          return switch (scan.reason()) {
            case "policy_change" -> underPolicy1(s);
            case "freshness" -> null;
            default -> scan.trigger();
          };
        }

        @Override
        public boolean forget(Reevaluations.Scan scan, PodState s) {
          return scan.reason().equals("freshness")
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
    work =
        new Reevaluations(
            pods, byDigest, progress, new VigilMetrics(registry, Clock.systemUTC()), SMALL);
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
    // A pod event judged p0200 under the new policy; p0201 was deleted.
    String k200 = key(200);
    pods.put(k200, pods.get(k200).evaluated(Decision.ALLOW, List.of("policy@2"), "fp", null));
    String k201 = key(201);
    pods.put(k201, pods.get(k201).deleted(pods.get(k201).pod(), Fixtures.T0));

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
      PodState s = pods.get(key(i));
      pods.put(key(i), s.evaluated(s.decision(), List.of("policy@1"), "fp", null));
    }
    work.everyPod("policy_change", Verdict.Trigger.POLICY_CHANGE, true, 0);
    while (work.pending()) {
      run();
    }
    assertEquals(350, judged.size(), "100 before the restart, then all 250");
    assertEquals(key(0) + " POLICY_CHANGE", judged.get(100));
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
  void scansRunInTheOrderTheyWereAskedFor() {
    running(30);
    work.podsOf(Fixtures.digest('b'), "facts_change", Verdict.Trigger.ATTESTATION_CHANGE, 0);
    work.everyPod("periodic", Verdict.Trigger.IMAGE_METADATA_CHANGE, false, 0);
    run();
    assertFalse(work.pending());
    assertEquals(10 + 30, judged.size());
    assertTrue(judged.subList(0, 10).stream().allMatch(j -> j.endsWith(" ATTESTATION_CHANGE")));
    assertTrue(judged.subList(10, 40).stream().allMatch(j -> j.endsWith(" IMAGE_METADATA_CHANGE")));
  }

  @Test
  void aSweepDropsTheDeletedPodsItIsToldToForgetAndKeepsTheRest() {
    running(250);
    for (int i = 0; i < 250; i += 5) { // 50 deleted: the first 25 long ago, the rest just now
      PodState s = pods.get(key(i));
      pods.put(key(i), s.deleted(s.pod(), i < 125 ? Fixtures.T0 : Fixtures.T0.plusSeconds(7200)));
    }
    work.everyPod("freshness", Verdict.Trigger.IMAGE_METADATA_CHANGE, false, 0);
    while (work.pending()) {
      run();
    }
    assertEquals(0, judged.size());
    int kept = 0;
    try (var it = pods.all()) {
      while (it.hasNext()) {
        it.next();
        kept++;
      }
    }
    assertEquals(225, kept);
    assertEquals(null, pods.get(key(0)));
    assertTrue(pods.get(key(125)).deleted());
    assertFalse(pods.get(key(1)).deleted());
  }

  private String key(int i) {
    return Fixtures.pod(
            PodEvent.Type.ADDED,
            "shop",
            String.format("p%04d", i),
            1,
            Fixtures.deployment("shop", "web"),
            Fixtures.image("us-docker.pkg.dev/acme/prod/web", 'a'))
        .key();
  }
}
