package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.T0;
import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.ImageMetadata;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition.Transition;
import dev.vigil.schemas.WorkloadRef;
import dev.vigil.streams.PodLifecycle.AdmissionsDue;
import dev.vigil.streams.PodLifecycle.Admitted;
import dev.vigil.streams.PodLifecycle.InForce;
import dev.vigil.streams.PodLifecycle.Judged;
import dev.vigil.streams.PodLifecycle.Output;
import dev.vigil.streams.PodLifecycle.Pod;
import dev.vigil.streams.PodLifecycle.PodChanged;
import dev.vigil.streams.PodLifecycle.Reevaluate;
import dev.vigil.streams.PodLifecycle.Result;
import dev.vigil.streams.PodLifecycle.Signaled;
import dev.vigil.streams.PodLifecycle.Transitioned;
import dev.vigil.validator.InvalidPolicyException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link PodLifecycle} on its own: each input kind, from a stored state to the next, and the
 * records a user would see, without Kafka Streams, stores or a clock.
 */
class PodLifecycleTest {

  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final WorkloadRef OWNER = deployment("payments", "api");
  static final Instant NOW = T0.plusSeconds(60);

  final StreamsSettings settings = StreamsSettings.defaults("127.0.0.1:9", Path.of("unused"));
  final PodLifecycle lifecycle =
      new PodLifecycle(PodLifecycle.Settings.of(settings), ValidationEngine.standard().evaluator());

  /** No attestations or metadata; a fingerprint that changes only when told to. */
  String factsVersion = "facts-1";

  final PodLifecycle.KnownFacts facts =
      new PodLifecycle.KnownFacts() {
        @Override
        public List<Attestation> attestations(String digest) {
          return List.of();
        }

        @Override
        public Optional<ImageMetadata> metadata(String digest) {
          return Optional.empty();
        }

        @Override
        public String fingerprint(Collection<String> digests) {
          return factsVersion;
        }
      };

  static PodLifecycle.Policies enforced(long version, String mode) {
    InForce in = parse(Fixtures.enforced(version, mode));
    return cluster -> in;
  }

  static PodLifecycle.Policies dryRun(long version, String mode) {
    InForce in = parse(Fixtures.dryRun(version, mode));
    return cluster -> in;
  }

  static InForce parse(PolicyDocument d) {
    try {
      var set = ValidationEngine.standard().parser().parse(d, null, List.of());
      return new InForce(set, null, set.versions());
    } catch (InvalidPolicyException e) {
      throw new AssertionError(e);
    }
  }

  /** No template is known: every pod is judged on its own (the template tests give theirs). */
  static final PodLifecycle.Templates NO_TEMPLATES = fingerprint -> null;

  Result step(Pod before, PodLifecycle.Input in, PodLifecycle.Policies policies) {
    return lifecycle.step(before, in, policies, facts, NO_TEMPLATES, NOW);
  }

  static Pod empty(String key) {
    return new Pod(key, null, null);
  }

  static PodEvent pod(PodEvent.Type type, long rv) {
    return Fixtures.pod(type, "payments", "api-1", rv, OWNER, image(API, 'a'));
  }

  static <T extends Output> List<T> of(Result r, Class<T> type) {
    return r.outputs().stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The pod after its first event under {@code policies}. */
  Pod judged(PodLifecycle.Policies policies) {
    PodEvent e = added("payments", "api-1", 10, OWNER, image(API, 'a'));
    return step(empty(e.key()), new PodChanged(e), policies).after();
  }

  // ---- pod events ------------------------------------------------------------------------

  @Test
  void theFirstJudgementPublishesAVerdictAndOpensTheViolation() {
    PodEvent e = added("payments", "api-1", 10, OWNER, image(API, 'a'));

    Result r = step(empty(e.key()), new PodChanged(e), enforced(1, "ALWAYS_DENY"));

    List<Judged> verdicts = of(r, Judged.class);
    assertEquals(1, verdicts.size());
    Verdict v = verdicts.get(0).verdict();
    assertEquals(Decision.DENY, v.decision());
    assertEquals(e.key() + "#1", v.verdictId());
    assertEquals(Verdict.Trigger.POD_EVENT, v.trigger());
    assertEquals(NOW, v.evaluatedAt());
    List<Transitioned> t = of(r, Transitioned.class);
    assertEquals(1, t.size());
    assertEquals(Transition.OPENED, t.get(0).transition().transition());
    assertEquals(e.observedAt(), t.get(0).transition().eventTime());
    PodState s = r.after().state();
    assertEquals(1, s.evaluations());
    assertEquals(Decision.DENY, s.decision());
    assertEquals("facts-1", s.factsFingerprint());
    assertNotNull(s.violation());
    assertNull(r.ignored());
  }

  @Test
  void anAllowedPodPublishesAVerdictButNoViolation() {
    PodEvent e = added("payments", "api-1", 10, OWNER, image(API, 'a'));

    Result r = step(empty(e.key()), new PodChanged(e), enforced(1, "ALWAYS_ALLOW"));

    assertEquals(Decision.ALLOW, of(r, Judged.class).get(0).verdict().decision());
    assertEquals(List.of(), of(r, Transitioned.class));
    assertNull(r.after().state().violation());
  }

  @Test
  void aRepeatedOrOlderEventPublishesNothingAndChangesNothing() {
    Pod before = judged(enforced(1, "ALWAYS_DENY"));
    PodEvent again = before.state().pod();

    Result repeated = step(before, new PodChanged(again), enforced(1, "ALWAYS_DENY"));
    Result older =
        step(before, new PodChanged(pod(PodEvent.Type.MODIFIED, 9)), enforced(1, "ALWAYS_DENY"));

    assertEquals(List.of(), repeated.outputs());
    assertEquals("duplicate", repeated.ignored());
    assertSame(before, repeated.after(), "nothing to write");
    assertEquals(List.of(), older.outputs());
    assertEquals("out_of_order", older.ignored());
    assertSame(before, older.after());
  }

  /**
   * A pod event that changes only the pod's status (phase, resourceVersion) under the same policies
   * and facts is not judged again: nothing is published, the newer event is kept for ordering (ADR
   * 0131).
   */
  @Test
  void aStatusOnlyChangeIsNotJudgedAgainAndPublishesNothing() {
    Pod before = judged(enforced(1, "ALWAYS_DENY"));

    Result r =
        step(before, new PodChanged(pod(PodEvent.Type.MODIFIED, 11)), enforced(1, "ALWAYS_DENY"));

    assertEquals(List.of(), r.outputs());
    assertEquals(PodLifecycle.UNCHANGED, r.ignored());
    assertEquals(before.state().violation(), r.after().state().violation());
    assertEquals(before.state().evaluations(), r.after().state().evaluations());
    assertEquals("11", r.after().state().pod().resourceVersion(), "the newer event is kept");
    // and an event older than that one is now out of order
    assertEquals(
        "out_of_order",
        step(r.after(), new PodChanged(pod(PodEvent.Type.MODIFIED, 10)), enforced(1, "ALWAYS_DENY"))
            .ignored());
  }

  /** With {@code streams.verdicts=all} the same event is judged and its verdict published. */
  @Test
  void everyEventPublishesAVerdictWhenAskedTo() {
    PodLifecycle all =
        new PodLifecycle(
            PodLifecycle.Settings.of(
                StreamsSettings.fromMap(
                    Map.of("streams.verdicts", "all"), "127.0.0.1:9", Path.of("unused"))),
            ValidationEngine.standard().evaluator());
    PodEvent e = added("payments", "api-1", 10, OWNER, image(API, 'a'));
    Pod before =
        all.step(
                empty(e.key()),
                new PodChanged(e),
                enforced(1, "ALWAYS_DENY"),
                facts,
                NO_TEMPLATES,
                NOW)
            .after();

    Result r =
        all.step(
            before,
            new PodChanged(pod(PodEvent.Type.MODIFIED, 11)),
            enforced(1, "ALWAYS_DENY"),
            facts,
            NO_TEMPLATES,
            NOW);

    assertEquals(1, of(r, Judged.class).size());
    assertEquals(List.of(), of(r, Transitioned.class), "the same finding: no transition");
    assertNull(r.ignored());
  }

  /** What the outcome depends on moved: the pod is judged again even if its event looks alike. */
  @Test
  void aChangedDigestPolicyVersionFactOrUnknownOutcomeIsJudgedAgain() {
    Pod before = judged(enforced(1, "ALWAYS_DENY"));
    PodEvent sameStatus = pod(PodEvent.Type.MODIFIED, 11);

    // another digest
    PodEvent other =
        Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "api-1", 11, OWNER, image(API, 'b'));
    assertEquals(
        1,
        of(step(before, new PodChanged(other), enforced(1, "ALWAYS_DENY")), Judged.class).size());
    // another policy version in force (a re-evaluation has not reached the pod yet)
    assertEquals(
        1,
        of(step(before, new PodChanged(sameStatus), enforced(2, "ALWAYS_DENY")), Judged.class)
            .size());
    // other facts for its digests
    factsVersion = "facts-2";
    assertEquals(
        1,
        of(step(before, new PodChanged(sameStatus), enforced(1, "ALWAYS_DENY")), Judged.class)
            .size());
    factsVersion = "facts-1";
    // a pod judged UNKNOWN (no usable policy then) is judged again at its next event
    Pod unknown = judged(cluster -> new InForce(null, "no policy in force", List.of()));
    assertEquals(Decision.UNKNOWN, unknown.state().decision());
    Result r =
        step(
            unknown,
            new PodChanged(pod(PodEvent.Type.MODIFIED, 11)),
            cluster -> new InForce(null, "no policy in force", List.of()));
    assertEquals(1, of(r, Judged.class).size());
    assertEquals(Decision.UNKNOWN, of(r, Judged.class).get(0).verdict().decision());
  }

  @Test
  void aDeletionResolvesTheOpenViolationAndTellsTheFollowUps() {
    Pod admitted = judged(enforced(1, "ALWAYS_DENY"));
    Pod before =
        step(
                admitted,
                new Admitted(
                    Fixtures.failedOpen("audit-1", "payments", "api-1", OWNER, image(API, 'a')),
                    T0),
                enforced(1, "ALWAYS_DENY"))
            .after();

    Result r =
        step(before, new PodChanged(pod(PodEvent.Type.DELETED, 11)), enforced(1, "ALWAYS_DENY"));

    List<Transitioned> t = of(r, Transitioned.class);
    assertEquals(1, t.size());
    assertEquals(Transition.RESOLVED, t.get(0).transition().transition());
    assertEquals(List.of("pod deleted"), t.get(0).transition().reasons());
    assertEquals(before.state().violation().violationId(), t.get(0).transition().violationId());
    List<Signaled> gone = of(r, Signaled.class);
    assertEquals(1, gone.size());
    assertEquals(FollowUpSignal.Type.GONE, gone.get(0).signal().type());
    assertEquals(List.of(), of(r, Judged.class), "a deleted pod is not judged");
    assertTrue(r.after().state().deleted());
    assertNull(r.after().state().violation());
  }

  @Test
  void theDeletionOfAPodNeverSeenIsKeptQuietly() {
    PodEvent deleted = pod(PodEvent.Type.DELETED, 11);

    Result r = step(empty(deleted.key()), new PodChanged(deleted), enforced(1, "ALWAYS_DENY"));

    assertEquals(List.of(), r.outputs());
    assertTrue(r.after().state().deleted(), "kept, so a late event for it is recognised");
  }

  @Test
  void aDryRunDenialAtCreationJoinsTheDryRunFollowUp() {
    PodEvent e = added("payments", "api-1", 10, OWNER, image(API, 'a'));

    Result r = step(empty(e.key()), new PodChanged(e), dryRun(1, "ALWAYS_DENY"));

    assertEquals(Decision.DRYRUN_DENY, of(r, Judged.class).get(0).verdict().decision());
    List<Signaled> s = of(r, Signaled.class);
    assertEquals(1, s.size());
    assertEquals(FollowUp.Kind.DRY_RUN, s.get(0).signal().kind());
    assertEquals(FollowUpSignal.Type.ADMITTED, s.get(0).signal().type());
    assertEquals(FollowUp.key(Fixtures.CLUSTER, OWNER, FollowUp.Kind.DRY_RUN), s.get(0).key());
  }

  // ---- admissions ------------------------------------------------------------------------

  @Test
  void anAdmissionBeforeItsPodWaitsAndThePodJoinsItsFollowUp() {
    AdmissionEvent a = Fixtures.failedOpen("audit-1", "payments", "api-1", OWNER, image(API, 'a'));

    Result waiting = step(empty(a.key()), new Admitted(a, T0), enforced(1, "ALWAYS_DENY"));

    assertEquals(List.of(), waiting.outputs(), "nothing to publish before the pod is judged");
    assertNull(waiting.after().state());
    assertEquals(List.of(a), waiting.after().waiting().events());
    assertEquals(T0, waiting.after().waiting().since());

    PodEvent e = added("payments", "api-1", 10, OWNER, image(API, 'a'));
    Result joined = step(waiting.after(), new PodChanged(e), enforced(1, "ALWAYS_DENY"));

    List<Signaled> s = of(joined, Signaled.class);
    assertEquals(1, s.size());
    assertEquals(FollowUpSignal.Type.ADMITTED, s.get(0).signal().type());
    assertEquals(FollowUp.Kind.FAIL_OPEN, s.get(0).signal().kind());
    assertEquals(Decision.DENY, s.get(0).signal().decision(), "joined with its verdict");
    assertNull(joined.after().waiting(), "the waiting admissions are deleted");
    assertEquals(List.of(FollowUp.Kind.FAIL_OPEN), joined.after().state().followUpKinds());
  }

  @Test
  void anAdmissionAfterItsPodJoinsAtOnceAndOnlyOnce() {
    Pod before = judged(enforced(1, "ALWAYS_DENY"));
    AdmissionEvent a = Fixtures.failedOpen("audit-1", "payments", "api-1", OWNER, image(API, 'a'));

    Result r = step(before, new Admitted(a, T0), enforced(1, "ALWAYS_DENY"));
    Result again = step(r.after(), new Admitted(a, T0), enforced(1, "ALWAYS_DENY"));

    List<Signaled> s = of(r, Signaled.class);
    assertEquals(1, s.size());
    assertEquals(Decision.DENY, s.get(0).signal().decision());
    assertEquals(List.of("audit-1"), r.after().state().seenAdmissions());
    assertEquals(List.of(), again.outputs(), "the same audit id joins once");
    assertNull(r.after().waiting());
  }

  @Test
  void anAdmissionThePolicyBlockedOrAllowedChangesNothing() {
    AdmissionEvent plain =
        Fixtures.admission("audit-1", "payments", "api-1", OWNER, false, false, false);
    Pod before = empty(plain.key());

    Result r = step(before, new Admitted(plain, T0), enforced(1, "ALWAYS_DENY"));

    assertSame(before, r.after());
    assertEquals(List.of(), r.outputs());
  }

  @Test
  void waitingAdmissionsAreAnnouncedAfterTheSkewAndForgottenAfterTheMaximumAge() {
    AdmissionEvent a = Fixtures.failedOpen("audit-1", "payments", "api-1", OWNER, image(API, 'a'));
    Pod waiting = step(empty(a.key()), new Admitted(a, T0), enforced(1, "ALWAYS_DENY")).after();
    Duration skew = settings.correlationSkew();

    Result early = step(waiting, new AdmissionsDue(T0.plus(skew)), enforced(1, "ALWAYS_DENY"));
    Result late =
        step(waiting, new AdmissionsDue(T0.plus(skew).plusMillis(1)), enforced(1, "ALWAYS_DENY"));
    Result lateAgain =
        step(
            late.after(),
            new AdmissionsDue(T0.plus(skew).plusSeconds(1)),
            enforced(1, "ALWAYS_DENY"));
    Result tooOld =
        step(
            late.after(),
            new AdmissionsDue(T0.plus(settings.followUpMaxOpenAge()).plusMillis(1)),
            enforced(1, "ALWAYS_DENY"));

    assertSame(waiting, early.after());
    assertEquals(List.of(), early.outputs());
    List<Signaled> s = of(late, Signaled.class);
    assertEquals(1, s.size());
    assertEquals(FollowUpSignal.Type.ADMITTED, s.get(0).signal().type());
    assertEquals(Decision.DENY, s.get(0).signal().decision(), "judged from the admission's images");
    assertTrue(s.get(0).signal().detail().contains("no pod event within"), s.toString());
    assertTrue(late.after().waiting().announced());
    assertEquals(List.of(), lateAgain.outputs(), "announced once");
    assertNull(tooOld.after().waiting(), "forgotten");
  }

  @Test
  void aPodLaterThanTheSkewStillJoinsItsFollowUp() {
    AdmissionEvent a = Fixtures.failedOpen("audit-1", "payments", "api-1", OWNER, image(API, 'a'));
    Pod waiting = step(empty(a.key()), new Admitted(a, T0), enforced(1, "ALWAYS_DENY")).after();
    Pod announced =
        step(waiting, new AdmissionsDue(T0.plus(Duration.ofHours(1))), enforced(1, "ALWAYS_DENY"))
            .after();

    PodEvent e = added("payments", "api-1", 10, OWNER, image(API, 'a'));
    Result r = step(announced, new PodChanged(e), enforced(1, "ALWAYS_DENY"));

    List<Signaled> s = of(r, Signaled.class);
    assertEquals(1, s.size());
    assertEquals("api-1", s.get(0).signal().pod());
    assertEquals(Decision.DENY, s.get(0).signal().decision());
    assertNull(r.after().waiting());
  }

  // ---- re-evaluations --------------------------------------------------------------------

  @Test
  void aReevaluationThatChangesTheOutcomePublishesATransition() {
    Pod before = judged(enforced(1, "ALWAYS_ALLOW"));
    Instant published = T0.plusSeconds(30);

    Result r =
        step(
            before,
            new Reevaluate(Verdict.Trigger.POLICY_CHANGE, published),
            enforced(2, "ALWAYS_DENY"));

    Verdict v = of(r, Judged.class).get(0).verdict();
    assertEquals(Decision.DENY, v.decision());
    assertEquals(Verdict.Trigger.POLICY_CHANGE, v.trigger());
    assertEquals(before.key() + "#2", v.verdictId());
    List<Transitioned> t = of(r, Transitioned.class);
    assertEquals(1, t.size());
    assertEquals(Transition.OPENED, t.get(0).transition().transition());
    assertEquals(published, t.get(0).transition().eventTime());
    assertTrue(r.after().state().policyVersions().get(0).endsWith("@2"));
  }

  /**
   * ADR 0150: a template without a judgement has its pods walked; one whose outcome a re-evaluation
   * confirms gets template verdicts listing its pods, several for thousands of pods.
   */
  @Test
  void aConfirmedTemplateOfThousandsOfPodsTakesSeveralTemplateVerdicts() {
    PodTemplate t = PodTemplate.of(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    String fp = t.fingerprint();
    PodLifecycle.Policies v1 = enforced(1, "ALWAYS_DENY");
    List<String> pods =
        java.util.stream.IntStream.range(0, 4_500).mapToObj(i -> "c/payments/api-" + i).toList();

    var first =
        lifecycle.rejudge(
            fp, new TemplateState(t, null), Verdict.Trigger.POLICY_CHANGE, pods, v1, facts, NOW);
    assertTrue(first.walk(), "no judgement yet: its pods are judged one by one");
    assertEquals(List.of(), first.confirmed());
    assertEquals(Decision.DENY, first.after().judgement().evaluation().decision());

    var again =
        lifecycle.rejudge(
            fp,
            first.after(),
            Verdict.Trigger.POLICY_CHANGE,
            pods,
            enforced(2, "ALWAYS_DENY"),
            facts,
            NOW);
    assertFalse(again.walk(), "the same outcome");
    assertEquals(
        List.of(2_000, 2_000, 500),
        again.confirmed().stream().map(c -> c.verdict().podCount()).toList());
    assertEquals(
        pods, again.confirmed().stream().flatMap(c -> c.verdict().pods().stream()).toList());
    assertEquals(
        3, again.confirmed().stream().map(c -> c.verdict().templateVerdictId()).distinct().count());
    assertTrue(again.confirmed().stream().allMatch(c -> c.key().equals(fp)));
    assertTrue(
        again.confirmed().get(0).verdict().policyVersions().stream()
            .anyMatch(v -> v.endsWith("@2")));

    var changed =
        lifecycle.rejudge(
            fp,
            again.after(),
            Verdict.Trigger.POLICY_CHANGE,
            pods,
            enforced(3, "ALWAYS_ALLOW"),
            facts,
            NOW);
    assertTrue(changed.walk(), "the outcome changed: every pod gets its own verdict");
    assertEquals(List.of(), changed.confirmed());
  }

  @Test
  void aReevaluationThatConfirmsTheOutcomePublishesNoTransition() {
    Pod before = judged(enforced(1, "ALWAYS_DENY"));
    factsVersion = "facts-2";

    Result r =
        step(
            before,
            new Reevaluate(Verdict.Trigger.ATTESTATION_CHANGE, null),
            enforced(1, "ALWAYS_DENY"));

    assertEquals(List.of(), of(r, Transitioned.class));
    assertEquals(List.of(), of(r, Signaled.class));
    assertEquals(List.of(), of(r, Judged.class), "the same outcome: no verdict (ADR 0150)");
    assertEquals(Decision.DENY, r.after().state().decision());
    assertEquals("facts-2", r.after().state().factsFingerprint(), "the facts it was judged with");
  }

  @Test
  void aReevaluationThatChangesTheDecisionOfAPodInAFollowUpSignalsIt() {
    Pod judged = judged(enforced(1, "ALWAYS_DENY"));
    AdmissionEvent a = Fixtures.failedOpen("audit-1", "payments", "api-1", OWNER, image(API, 'a'));
    Pod before = step(judged, new Admitted(a, T0), enforced(1, "ALWAYS_DENY")).after();

    Result r =
        step(
            before,
            new Reevaluate(Verdict.Trigger.POLICY_CHANGE, null),
            enforced(2, "ALWAYS_ALLOW"));

    assertEquals(Transition.RESOLVED, of(r, Transitioned.class).get(0).transition().transition());
    List<Signaled> s = of(r, Signaled.class);
    assertEquals(1, s.size());
    assertEquals(FollowUpSignal.Type.EVALUATED, s.get(0).signal().type());
    assertEquals(Decision.ALLOW, s.get(0).signal().decision());
    assertEquals(Decision.ALLOW, r.after().state().signaledDecision());
  }

  @Test
  void aDeletedPodIsNotReevaluated() {
    Pod judged = judged(enforced(1, "ALWAYS_DENY"));
    Pod deleted =
        step(judged, new PodChanged(pod(PodEvent.Type.DELETED, 11)), enforced(1, "ALWAYS_DENY"))
            .after();

    Result r =
        step(
            deleted,
            new Reevaluate(Verdict.Trigger.POLICY_CHANGE, null),
            enforced(2, "ALWAYS_ALLOW"));

    assertSame(deleted, r.after());
    assertEquals(List.of(), r.outputs());
  }

  // ---- pods that cannot be judged --------------------------------------------------------

  @Test
  void aPodWithoutAPolicyInForceIsUnknownNeverAllowed() {
    PodLifecycle.Policies none = cluster -> new InForce(null, "no policy in force", List.of());
    PodEvent e = added("payments", "api-1", 10, OWNER, image(API, 'a'));

    Result r = step(empty(e.key()), new PodChanged(e), none);

    Verdict v = of(r, Judged.class).get(0).verdict();
    assertEquals(Decision.UNKNOWN, v.decision());
    assertEquals(List.of("no policy in force"), v.images().get(0).reasons());
    assertEquals(Decision.UNKNOWN, of(r, Transitioned.class).get(0).transition().current());
  }

  @Test
  void aPodTheEvaluatorFailsOnIsUnknownNeverAllowed() {
    PodLifecycle failing =
        new PodLifecycle(
            PodLifecycle.Settings.of(settings),
            (pod, policies, f, now) -> {
              throw new IllegalStateException("boom");
            });
    PodEvent e = added("payments", "api-1", 10, OWNER, image(API, 'a'));

    Result r =
        failing.step(
            empty(e.key()),
            new PodChanged(e),
            enforced(1, "ALWAYS_ALLOW"),
            facts,
            NO_TEMPLATES,
            NOW);

    Verdict v = of(r, Judged.class).get(0).verdict();
    assertEquals(Decision.UNKNOWN, v.decision());
    assertTrue(v.images().get(0).reasons().get(0).contains("boom"), v.toString());
    assertTrue(v.policyVersions().get(0).endsWith("@1"), "judged under the versions in force");
  }
}
