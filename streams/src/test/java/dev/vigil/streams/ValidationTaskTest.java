package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.digest;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.JsonSerde;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validation processor on its own, with stores the test can roll back or damage.
 *
 * <p>Kafka Streams revives a corrupted task by calling {@code init()} again on the same processor
 * ({@code TaskManager.closeDirtyAndRevive}): its stores roll back to the last commit, its fields do
 * not. A policy change or fact change seen before the rollback must still be acted on after it.
 *
 * <p>A step that throws must leave nothing half done (no verdict forwarded without the store writes
 * that go with it), and a pod whose stored state no longer reads must not stop the scans.
 */
class ValidationTaskTest {

  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final int PODS = 5;

  @TempDir Path dir;
  final StreamsSettings settings = StreamsSettings.defaults("127.0.0.1:9", Path.of("unused"));

  /** A registry that fails to count decisions while {@code failDecisions} is set. */
  boolean failDecisions;

  final SimpleMeterRegistry registry =
      new SimpleMeterRegistry() {
        @Override
        protected io.micrometer.core.instrument.Counter newCounter(
            io.micrometer.core.instrument.Meter.Id id) {
          return new io.micrometer.core.instrument.cumulative.CumulativeCounter(id) {
            @Override
            public void increment(double amount) {
              if (failDecisions && id.getName().equals("vigil.decisions")) {
                throw new IllegalStateException("injected failure while counting the decision");
              }
              super.increment(amount);
            }
          };
        }
      };
  final VigilMetrics metrics = new VigilMetrics(registry, Clock.systemUTC());

  /** Pods whose state the pods store writes as bytes that do not read back. */
  static final String POISON = "api-poison";

  /** A pod whose state the pods store fails to write while set. */
  String unwritable;

  final FactsCache cache = new FactsCache();

  // Task stores (rolled back on revive) and global stores (not).
  final Map<String, KeyValueStore<String, ?>> task = new HashMap<>();
  KeyValueStore<String, byte[]> policies;
  KeyValueStore<String, byte[]> attestations;
  KeyValueStore<String, byte[]> metadata;
  MockProcessorContext<String, ValidationOutput> context;
  ContinuousValidationProcessor processor;
  long offset;

  @BeforeEach
  void start() {
    MockProcessorContext<Void, Void> globalContext = new MockProcessorContext<>();
    policies = store(globalContext, StoreNames.POLICIES, Serdes.ByteArray());
    attestations = store(globalContext, StoreNames.ATTESTATIONS, Serdes.ByteArray());
    metadata = store(globalContext, StoreNames.IMAGE_METADATA, Serdes.ByteArray());
    processor =
        new ContinuousValidationProcessor(
            settings, ValidationEngine.standard(), metrics, cache, new HygieneMetrics(registry), 0);
    init(Map.of());
  }

  private static <V> KeyValueStore<String, V> store(
      MockProcessorContext<?, ?> ctx, String name, Serde<V> serde) {
    KeyValueStore<String, V> s =
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), serde)
            .withLoggingDisabled()
            .build();
    s.init(ctx.getStateStoreContext(), s);
    return s;
  }

  /**
   * (Re-)initialises the same processor on a new context, with task stores holding {@code
   * committed}.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void init(Map<String, Map<String, Object>> committed) {
    context = new MockProcessorContext<>();
    context.setCurrentSystemTimeMs(Fixtures.T0.toEpochMilli());
    context.setCurrentStreamTimeMs(Fixtures.T0.toEpochMilli());
    Map<String, Serde<?>> serdes =
        Map.of(
            StoreNames.PODS,
            Serdes.serdeFrom(
                (topic, stored) -> {
                  if (stored.state().pod().name().equals(unwritable)) {
                    throw new IllegalStateException("injected failure writing " + unwritable);
                  }
                  return stored.state().pod().name().equals(POISON)
                      ? "{\"pod\": 42".getBytes()
                      : new PodStateCodec().serializer().serialize(topic, stored);
                },
                new PodStateCodec().deserializer()),
            StoreNames.TEMPLATES,
            new TemplateStateCodec(),
            StoreNames.TEMPLATE_PODS,
            Serdes.String(),
            StoreNames.TEMPLATES_BY_DIGEST,
            Serdes.String(),
            StoreNames.PENDING_ADMISSIONS,
            new JsonSerde<>(PendingAdmissions.class),
            StoreNames.PROGRESS,
            Serdes.String(),
            StoreNames.HYGIENE_PODS,
            new HygieneStateCodec());
    task.clear();
    serdes.forEach(
        (name, serde) -> {
          KeyValueStore s = store(context, name, serde);
          committed.getOrDefault(name, Map.of()).forEach(s::put);
          task.put(name, s);
          context.addStateStore(s);
        });
    context.addStateStore(policies);
    context.addStateStore(attestations);
    context.addStateStore(metadata);
    processor.init(context);
  }

  /**
   * Pending admissions are expired from an index of their due times in the progress store: the
   * punctuation reads only what is due, and the index follows each change (announced, forgotten).
   */
  @Test
  void pendingAdmissionsAreExpiredFromAnIndexOfTheirDueTimes() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    AdmissionEvent a =
        Fixtures.failedOpen(
            "audit-1", "payments", "api-9", deployment("payments", "api"), image(API, 'a'));
    long t0 = Fixtures.T0.toEpochMilli();
    processor.process(new Record<>(a.key(), PodInput.of(a), t0));
    List<String> due = dueKeys();
    assertEquals(1, due.size(), due.toString());
    assertTrue(
        due.get(0)
            .endsWith(
                String.format("%019d", t0 + settings.correlationSkew().toMillis()) + "|" + a.key()),
        due.toString());

    // within the skew nothing is announced; past it the follow-up opens without the pod, and the
    // admission is then due at the maximum open age
    context.setCurrentStreamTimeMs(t0 + settings.correlationSkew().toMillis() + 1);
    context.resetForwards();
    poll();
    assertTrue(forwarded().stream().anyMatch(o -> o.signal() != null), "announced");
    assertTrue(
        dueKeys()
            .get(0)
            .contains(String.format("%019d", t0 + settings.followUpMaxOpenAge().toMillis())),
        dueKeys().toString());

    context.setCurrentStreamTimeMs(t0 + settings.followUpMaxOpenAge().toMillis() + 1);
    poll();
    assertEquals(List.of(), dueKeys(), "forgotten, and out of the index");
    assertNull(task.get(StoreNames.PENDING_ADMISSIONS).get(a.key()));
  }

  private List<String> dueKeys() {
    return keys(StoreNames.PROGRESS).stream()
        .filter(k -> k.startsWith(AdmissionExpiryPunctuator.DUE))
        .toList();
  }

  /** The keys of a task store, in order. */
  private List<String> keys(String store) {
    List<String> out = new ArrayList<>();
    try (var it = task.get(store).all()) {
      it.forEachRemaining(kv -> out.add((String) kv.key));
    }
    return out;
  }

  /** What the task stores hold now, as Kafka Streams would have committed it. */
  private Map<String, Map<String, Object>> commit() {
    Map<String, Map<String, Object>> out = new HashMap<>();
    task.forEach(
        (name, s) -> {
          Map<String, Object> m = new HashMap<>();
          try (var it = s.all()) {
            it.forEachRemaining(kv -> m.put(kv.key, kv.value));
          }
          out.put(name, m);
        });
    return out;
  }

  private void poll() {
    context.scheduledPunctuators().stream()
        .filter(p -> p.getInterval().equals(settings.changePollInterval()))
        .forEach(p -> p.getPunctuator().punctuate(Fixtures.T0.toEpochMilli()));
  }

  private List<Verdict> verdicts() {
    List<Verdict> out = new ArrayList<>();
    for (var f : context.forwarded()) {
      if (f.record().value().verdict() != null) {
        out.add(f.record().value().verdict());
      }
    }
    context.resetForwards();
    return out;
  }

  private void pods() {
    for (int i = 0; i < PODS; i++) {
      PodEvent e =
          added("payments", "api-" + i, 10 + i, deployment("payments", "api"), image(API, 'a'));
      processor.process(new Record<>(e.key(), PodInput.of(e), Fixtures.T0.toEpochMilli()));
    }
  }

  /** Puts {@code d} in the global policy store as the policy keeper does. */
  private void policy(PolicyDocument d) {
    var global = new MockProcessorContext<Void, Void>();
    global.addStateStore(policies);
    var keeper = new GlobalStoreProcessors.PolicyKeeper();
    keeper.init(global);
    keeper.process(new Record<>(d.key(), d, Fixtures.T0.toEpochMilli()));
  }

  private void attest(Attestation a) {
    var global = new MockProcessorContext<Void, Void>();
    global.addStateStore(attestations);
    global.setRecordMetadata(Topics.ATTESTATIONS.name(), 0, offset++);
    var keeper = GlobalStoreProcessors.FactKeeper.attestations(cache);
    keeper.init(global);
    keeper.process(new Record<>(a.key(), Json.write(a), Fixtures.T0.toEpochMilli()));
  }

  @Test
  void aPolicyChangeSeenBeforeTheRollbackIsActedOnAfterIt() {
    PolicyDocument v1 = Fixtures.enforced(1, "ALWAYS_ALLOW");
    policy(v1);
    pods();
    poll();
    assertEquals(PODS, verdicts().stream().filter(v -> v.decision() == Decision.ALLOW).count());
    Map<String, Map<String, Object>> committed = commit();

    PolicyDocument v2 = Fixtures.enforced(2, "ALWAYS_DENY");
    policy(v2);
    poll(); // the task judges every pod under v2 ...
    assertEquals(PODS, verdicts().stream().filter(v -> v.decision() == Decision.DENY).count());

    init(
        committed); // ... but the transaction is aborted: the stores roll back, the task is revived
    poll();

    List<Verdict> again = verdicts();
    assertEquals(
        PODS, again.stream().filter(v -> v.decision() == Decision.DENY).count(), again.toString());
    assertTrue(again.stream().allMatch(v -> v.trigger() == Verdict.Trigger.POLICY_CHANGE));
  }

  @Test
  void anAttestationChangeSeenBeforeTheRollbackIsActedOnAfterIt() {
    Fixtures.Signer ci = new Fixtures.Signer();
    PolicyDocument attestor = ci.attestor(1);
    PolicyDocument policy = Fixtures.enforced(1, "REQUIRE_ATTESTATION");
    policy(attestor);
    policy(policy);
    pods();
    poll();
    assertEquals(PODS, verdicts().stream().filter(v -> v.decision() == Decision.DENY).count());
    Map<String, Map<String, Object>> committed = commit();

    attest(ci.attest(API, digest('a'), "occ-1"));
    poll();
    assertEquals(PODS, verdicts().stream().filter(v -> v.decision() == Decision.ALLOW).count());

    init(committed);
    poll();

    List<Verdict> again = verdicts();
    assertEquals(
        PODS, again.stream().filter(v -> v.decision() == Decision.ALLOW).count(), again.toString());
    assertTrue(again.stream().allMatch(v -> v.trigger() == Verdict.Trigger.ATTESTATION_CHANGE));
  }

  @Test
  void aReviveAfterACommittedScanJudgesNothingTwice() {
    PolicyDocument v1 = Fixtures.enforced(1, "ALWAYS_ALLOW");
    policy(v1);
    pods();
    poll();
    verdicts();
    PolicyDocument v2 = Fixtures.enforced(2, "ALWAYS_DENY");
    policy(v2);
    poll();
    verdicts();
    // committed after the scan: nothing left to do after a revive, and nothing is judged twice
    init(commit());
    poll();
    assertEquals(List.of(), verdicts());
  }

  /**
   * A revived task reads the policies in force in init(): a punctuation that judges pods before the
   * first change poll (here the periodic re-evaluation) judges them under the policy, instead of
   * failing on policies not read yet and dead-lettering every pod.
   */
  @Test
  void aRevivedTaskJudgesUnderThePoliciesInForceBeforeItsFirstPoll() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    pods();
    poll();
    Map<String, Map<String, Object>> committed = commit();
    context.resetForwards();

    init(committed);
    context.scheduledPunctuators().stream()
        .filter(p -> p.getInterval().equals(settings.fullReevaluationInterval()))
        .forEach(p -> p.getPunctuator().punctuate(Fixtures.T0.toEpochMilli()));

    List<ValidationOutput> out = forwarded();
    assertTrue(out.stream().noneMatch(o -> o.deadLetter() != null), out.toString());
    assertEquals(
        PODS,
        out.stream()
            .filter(
                o -> o.templateVerdict() != null && o.templateVerdict().decision() == Decision.DENY)
            .mapToInt(o -> o.templateVerdict().podCount())
            .sum(),
        out.toString());
  }

  /**
   * A record on another partition than {@code kafka.pod-partitioning} gives its pod (a producer
   * with another partitioning) is judged all the same, and counted: its admission may be in another
   * task (ADR 0160).
   */
  @Test
  void aPodRecordOnAnotherPartitionThanItsWorkloadsIsJudgedAndCounted() {
    processor =
        new ContinuousValidationProcessor(
            settings, ValidationEngine.standard(), metrics, cache, new HygieneMetrics(registry), 6);
    init(Map.of());
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    PodEvent e =
        added(
            "payments", "api-7d9f8c6b5-x2k9p", 10, deployment("payments", "api"), image(API, 'a'));
    int home = dev.vigil.schemas.PodPartitioning.WORKLOAD.partition(e.key(), 6);
    context.setRecordMetadata(Topics.POD_EVENTS.name(), home, 1);
    processor.process(new Record<>(e.key(), PodInput.of(e), Fixtures.T0.toEpochMilli()));
    assertEquals(0.0, misrouted(), "on its workload's partition");

    PodEvent other =
        added(
            "payments", "api-7d9f8c6b5-q4wz8", 11, deployment("payments", "api"), image(API, 'a'));
    context.setRecordMetadata(Topics.POD_EVENTS.name(), (home + 1) % 6, 2);
    processor.process(new Record<>(other.key(), PodInput.of(other), Fixtures.T0.toEpochMilli()));
    assertEquals(1.0, misrouted());
    assertEquals(
        List.of(Decision.DENY, Decision.DENY),
        verdicts().stream().map(Verdict::decision).toList(),
        "both judged");
  }

  /**
   * A template outlives its last pod (ADR 0170): the next pod of the workload takes its judgement
   * instead of creating and judging it again, and the sweep that runs with the freshness
   * re-evaluation drops it once no pod is of it.
   */
  @Test
  void theNextPodOfAWorkloadTakesTheJudgementOfATemplateItsLastPodLeft() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    var owner = deployment("payments", "api");
    String a = PodTemplate.of(added("payments", "x", 1, owner, image(API, 'a'))).fingerprint();
    String b = PodTemplate.of(added("payments", "x", 1, owner, image(API, 'b'))).fingerprint();
    process(added("payments", "api-1", 10, owner, image(API, 'a')));
    process(Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "api-1", 11, owner, image(API, 'b')));
    assertEquals(List.of(a, b).stream().sorted().toList(), keys(StoreNames.TEMPLATES));

    context.setCurrentSystemTimeMs(Fixtures.T0.plusSeconds(60).toEpochMilli());
    process(added("payments", "api-2", 12, owner, image(API, 'a')));
    List<Verdict> published = verdicts();
    assertEquals(
        List.of("api-1", "api-1", "api-2"), published.stream().map(Verdict::podName).toList());
    assertEquals(Decision.ALLOW, published.get(2).decision());
    TemplateState kept = (TemplateState) task.get(StoreNames.TEMPLATES).get(a);
    assertEquals(Fixtures.T0, kept.judgement().evaluatedAt(), "taken, not judged again");

    // api-2 leaves it too; the next sweep drops it, and keeps the one both pods run
    process(Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "api-2", 13, owner, image(API, 'b')));
    assertEquals(2, keys(StoreNames.TEMPLATES).size());
    context.scheduledPunctuators().stream()
        .filter(p -> p.getInterval().equals(settings.freshnessInterval()))
        .forEach(p -> p.getPunctuator().punctuate(Fixtures.T0.toEpochMilli()));
    assertEquals(List.of(b), keys(StoreNames.TEMPLATES));
    assertEquals(
        List.of(digest('b') + "|" + b), keys(StoreNames.TEMPLATES_BY_DIGEST), "and its digests");
  }

  /**
   * A policy scan skips a template no running pod is of, and keeps it (ADR 0170): the next pod of
   * the workload is judged under the policy in force, and the template takes that judgement, so the
   * pods after it take it in turn.
   */
  @Test
  void anIdleTemplateTakesTheJudgementOfItsNextPodAfterAPolicyChange() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    var owner = deployment("payments", "api");
    String a = PodTemplate.of(added("payments", "x", 1, owner, image(API, 'a'))).fingerprint();
    process(added("payments", "api-1", 10, owner, image(API, 'a')));
    process(Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "api-1", 11, owner, image(API, 'b')));
    verdicts();

    policy(Fixtures.enforced(2, "ALWAYS_DENY"));
    poll();
    List<Verdict> rejudged = verdicts();
    assertEquals(List.of(Decision.DENY), rejudged.stream().map(Verdict::decision).toList());
    TemplateState idle = (TemplateState) task.get(StoreNames.TEMPLATES).get(a);
    assertEquals(Decision.ALLOW, idle.judgement().evaluation().decision(), "skipped, and kept");

    process(added("payments", "api-2", 12, owner, image(API, 'a')));
    Verdict v = verdicts().get(0);
    assertEquals(Decision.DENY, v.decision());
    TemplateState taken = (TemplateState) task.get(StoreNames.TEMPLATES).get(a);
    assertEquals(Decision.DENY, taken.judgement().evaluation().decision());
    assertEquals(v.policyVersions(), taken.judgement().versions());
  }

  private void process(PodEvent e) {
    processor.process(new Record<>(e.key(), PodInput.of(e), Fixtures.T0.toEpochMilli()));
  }

  private double misrouted() {
    var c =
        registry
            .find("vigil.pod.events.misrouted")
            .tag("topic", Topics.POD_EVENTS.name())
            .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aStepThatThrowsMidwayForwardsNothingAndWritesNothing() {
    PolicyDocument v1 = Fixtures.enforced(1, "ALWAYS_DENY");
    policy(v1);
    PodEvent e = added("payments", "api-1", 10, deployment("payments", "api"), image(API, 'a'));
    failDecisions = true;

    assertThrows(
        IllegalStateException.class,
        () -> processor.process(new Record<>(e.key(), PodInput.of(e), Fixtures.T0.toEpochMilli())));

    assertEquals(List.of(), context.forwarded(), "no verdict or violation without the pod's state");
    assertNull(task.get(StoreNames.PODS).get(e.key()));
    assertEquals(List.of(), keys(StoreNames.TEMPLATE_PODS), "no template kept for it");

    // the record is dead-lettered by the processing handler; the next one is judged in full
    failDecisions = false;
    processor.process(new Record<>(e.key(), PodInput.of(e), Fixtures.T0.toEpochMilli()));
    assertEquals(Decision.DENY, verdicts().get(0).decision());
    assertEquals(
        Decision.DENY, ((StoredPod) task.get(StoreNames.PODS).get(e.key())).state().decision());
  }

  @Test
  void aPodWhoseStoredStateNoLongerReadsIsDeadLetteredByTheScanWhichMovesOn() {
    PolicyDocument v1 = Fixtures.enforced(1, "ALWAYS_ALLOW");
    policy(v1);
    PodEvent poison = added("payments", POISON, 99, deployment("payments", "api"), image(API, 'a'));
    processor.process(new Record<>(poison.key(), PodInput.of(poison), Fixtures.T0.toEpochMilli()));
    pods();
    poll();
    context.resetForwards();

    // a new policy changes the outcome of the pods' template: the scan walks its pods and reaches
    // the pod whose state does not read
    policy(Fixtures.enforced(2, "ALWAYS_DENY"));
    poll();

    List<ValidationOutput> out = forwarded();
    List<ValidationOutput> dead = out.stream().filter(o -> o.deadLetter() != null).toList();
    assertEquals(1, dead.size(), dead.toString());
    assertEquals(poison.key(), dead.get(0).deadLetter().key());
    assertEquals(StoreNames.PODS, dead.get(0).deadLetter().source());
    assertNull(task.get(StoreNames.PODS).get(poison.key()), "forgotten until its next pod event");
    assertEquals(
        PODS,
        out.stream()
            .filter(o -> o.verdict() != null && o.verdict().decision() == Decision.DENY)
            .count(),
        "the scan goes on: every other pod is judged");

    policy(Fixtures.enforced(3, "ALWAYS_ALLOW"));
    poll();
    out = forwarded();
    assertEquals(
        PODS,
        out.stream()
            .filter(o -> o.verdict() != null && o.verdict().decision() == Decision.ALLOW)
            .count());
    assertTrue(out.stream().noneMatch(o -> o.deadLetter() != null), "dead-lettered once");
  }

  @Test
  void aPodWhoseReevaluationFailsIsDeadLetteredAndTheScanMovesOn() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    pods();
    poll();
    context.resetForwards();
    String failing = "api-2";
    unwritable = failing;

    policy(Fixtures.enforced(2, "ALWAYS_DENY"));
    poll();

    List<ValidationOutput> out = forwarded();
    List<ValidationOutput> dead = out.stream().filter(o -> o.deadLetter() != null).toList();
    assertEquals(1, dead.size(), dead.toString());
    assertEquals(StoreNames.PODS, dead.get(0).deadLetter().source());
    assertTrue(dead.get(0).deadLetter().key().endsWith(failing), dead.toString());
    List<Verdict> denied =
        out.stream().filter(o -> o.verdict() != null).map(ValidationOutput::verdict).toList();
    assertEquals(PODS - 1, denied.size(), "every other pod is judged");
    assertTrue(
        denied.stream().noneMatch(v -> v.podName().equals(failing)),
        "no verdict without its state");
    assertTrue(
        out.stream()
            .filter(o -> o.violation() != null)
            .noneMatch(o -> o.violation().podName().equals(failing)));
    PodState kept =
        ((StoredPod)
                task.get(StoreNames.PODS)
                    .get(
                        added(
                                "payments",
                                failing,
                                12,
                                deployment("payments", "api"),
                                image(API, 'a'))
                            .key()))
            .state();
    assertEquals(Decision.ALLOW, kept.decision(), "its state is as before the failed step");
    assertEquals(
        1.0,
        registry
            .get("vigil.dead.letters")
            .tags("source", StoreNames.PODS, "reason", "processing_failed")
            .counter()
            .count());
  }

  private List<ValidationOutput> forwarded() {
    List<ValidationOutput> out =
        context.forwarded().stream().map(f -> (ValidationOutput) f.record().value()).toList();
    context.resetForwards();
    return out;
  }
}
