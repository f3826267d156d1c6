package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.digest;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.ImageMetadata;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.Transition;
import dev.vigil.schemas.WorkloadRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContinuousValidationTest {

  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final String WEB = "us-docker.pkg.dev/acme/app/web";
  static final WorkloadRef OWNER = deployment("payments", "api");
  static final Duration POLL = Duration.ofSeconds(1);

  @TempDir Path dir;
  TopologyHarness h;

  @BeforeEach
  void start() {
    h = new TopologyHarness(dir);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  private void policy(dev.vigil.schemas.PolicyDocument p) {
    h.send(Topics.POLICIES, p.key(), p);
  }

  private void pod(PodEvent e) {
    h.send(Topics.POD_EVENTS, e.key(), e);
  }

  @Test
  void everyPodEventIsEvaluatedAndWrittenAsAVerdict() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));

    List<Verdict> v = h.newVerdicts();
    assertEquals(1, v.size());
    assertEquals(Decision.ALLOW, v.get(0).decision());
    assertEquals(Verdict.Trigger.POD_EVENT, v.get(0).trigger());
    assertEquals("us-central1-a.prod/payments/api-1", v.get(0).key());
    assertTrue(h.newViolations().isEmpty());
    assertEquals(1, h.counter("vigil.evaluations", "trigger", "pod_event"));
  }

  @Test
  void policyChangeRejudgesPodsWithoutNewEvents() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    for (int i = 0; i < 3; i++) {
      pod(added("payments", "api-" + i, 10 + i, OWNER, image(API, 'a')));
    }
    h.advance(POLL);
    assertEquals(3, h.newVerdicts().size());
    assertTrue(h.newViolations().isEmpty());

    // given no new pod event, when a stricter policy version arrives
    policy(Fixtures.enforced(2, "ALWAYS_DENY"));
    assertTrue(h.newVerdicts().isEmpty(), "nothing happens before the poll");
    h.advance(POLL);

    // then every pod is judged again under the new version
    List<Verdict> v = h.newVerdicts();
    assertEquals(3, v.size());
    assertTrue(
        v.stream()
            .allMatch(
                x ->
                    x.trigger() == Verdict.Trigger.POLICY_CHANGE && x.decision() == Decision.DENY));
    assertTrue(
        v.get(0).policyVersions().get(0).endsWith("@2"), v.get(0).policyVersions().toString());
    List<ViolationTransition> t = h.newViolations();
    assertEquals(3, t.size());
    assertTrue(
        t.stream()
            .allMatch(x -> x.transition() == Transition.OPENED && x.current() == Decision.DENY));
    assertEquals(1, h.counter("vigil.reevaluations", "reason", "policy_change"));
    assertEquals(
        3,
        h.gauge(
            "vigil.violations.open",
            "cluster",
            Fixtures.CLUSTER,
            "namespace",
            "payments",
            "decision",
            "deny"));

    // and nothing more while nothing changes
    h.advance(POLL).advance(POLL);
    assertTrue(h.newVerdicts().isEmpty());
    assertTrue(h.newViolations().isEmpty());
  }

  @Test
  void attestationArrivalClearsAViolationAndRevocationReopensIt() {
    Fixtures.Signer ci = new Fixtures.Signer();
    var attestor = ci.attestor(1);
    policy(attestor);
    policy(Fixtures.enforced(1, "REQUIRE_ATTESTATION"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    pod(added("payments", "web-1", 11, deployment("payments", "web"), image(WEB, 'b')));
    h.advance(POLL);
    assertEquals(2, h.newViolations().size());
    h.newVerdicts();

    // when an attestation signed by the attestor's key arrives for the api image
    var att = ci.attest(API, digest('a'), "occ-1");
    h.send(Topics.ATTESTATIONS, att.key(), att);
    h.advance(POLL);

    // then only the pod running that digest is re-evaluated, and its violation resolves
    List<Verdict> v = h.newVerdicts();
    assertEquals(1, v.size(), v.toString());
    assertEquals("api-1", v.get(0).podName());
    assertEquals(Verdict.Trigger.ATTESTATION_CHANGE, v.get(0).trigger());
    assertEquals(Decision.ALLOW, v.get(0).decision(), v.get(0).images().toString());
    List<ViolationTransition> t = h.newViolations();
    assertEquals(1, t.size());
    assertEquals(Transition.RESOLVED, t.get(0).transition());
    assertEquals("api-1", t.get(0).podName());

    // when the attestation is revoked (tombstone), the violation opens again
    h.send(Topics.ATTESTATIONS, att.key(), null);
    h.advance(POLL);
    t = h.newViolations();
    assertEquals(1, t.size());
    assertEquals(Transition.OPENED, t.get(0).transition());
  }

  /** Policies requiring {@code ci}'s attestation, and pod api-1 judged DENY without one. */
  private void unattestedPodUnderRequireAttestation(Fixtures.Signer ci) {
    policy(ci.attestor(1));
    policy(Fixtures.enforced(1, "REQUIRE_ATTESTATION"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    h.advance(POLL);
    assertEquals(Decision.DENY, h.newVerdicts().get(0).decision());
  }

  @Test
  void aPodEventAfterAnAttestationChangeSeesItBeforeAnyPoll() {
    // The parsed facts are cached per digest; the cache must follow the store, not the polls.
    Fixtures.Signer ci = new Fixtures.Signer();
    unattestedPodUnderRequireAttestation(ci);
    var att = ci.attest(API, digest('a'), "occ-1");
    h.send(Topics.ATTESTATIONS, att.key(), att);

    pod(added("payments", "api-2", 11, OWNER, image(API, 'a')));
    assertEquals(Decision.ALLOW, h.newVerdicts().get(0).decision());

    h.send(Topics.ATTESTATIONS, att.key(), null);
    pod(added("payments", "api-3", 12, OWNER, image(API, 'a')));
    assertEquals(Decision.DENY, h.newVerdicts().get(0).decision());
  }

  @Test
  void aForgedAttestationDoesNotClearAViolation() {
    Fixtures.Signer ci = new Fixtures.Signer();
    Fixtures.Signer mallory = new Fixtures.Signer();
    policy(ci.attestor(1));
    policy(Fixtures.enforced(1, "REQUIRE_ATTESTATION"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    h.advance(POLL);
    assertEquals(1, h.newViolations().size());
    var forged = mallory.attest(API, digest('a'), "occ-x");
    h.send(Topics.ATTESTATIONS, forged.key(), forged);
    h.advance(POLL);
    List<Verdict> v = h.newVerdicts();
    assertTrue(v.stream().allMatch(x -> x.decision() != Decision.ALLOW), v.toString());
    assertTrue(h.newViolations().stream().noneMatch(x -> x.transition() == Transition.RESOLVED));
  }

  @Test
  void aDryRunViolationIsNotADenial() {
    policy(Fixtures.dryRun(1, "ALWAYS_DENY"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));

    Verdict v = h.newVerdicts().get(0);
    assertEquals(Decision.DRYRUN_DENY, v.decision());
    ViolationTransition t = h.newViolations().get(0);
    assertEquals(Transition.OPENED, t.transition());
    assertEquals(Decision.DRYRUN_DENY, t.current(), "shown as a dry-run finding, never as DENY");
    assertEquals(0, h.counter("vigil.decisions", "decision", "deny"));
    assertEquals(1, h.counter("vigil.decisions", "decision", "dryrun_deny"));
    assertEquals(0, h.gauge("vigil.violations.open", "decision", "deny"));
    assertEquals(1, h.gauge("vigil.violations.open", "decision", "dryrun_deny"));
  }

  @Test
  void aPodThatStaysViolatingProducesNoNewTransition() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    pod(Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "api-1", 11, OWNER, image(API, 'a')));
    pod(Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "api-1", 12, OWNER, image(API, 'a')));
    h.advance(Duration.ofHours(1)); // the periodic full re-evaluation runs too

    // The added pod is judged; the two modifications change nothing the outcome depends on and
    // publish nothing (ADR 0131); the periodic re-evaluation confirms the pod's template: one
    // template verdict listing the pod, no verdict (ADR 0150).
    assertEquals(1, h.newVerdicts().size());
    List<dev.vigil.schemas.TemplateVerdict> confirmed = h.newTemplateVerdicts();
    assertEquals(1, confirmed.size(), confirmed.toString());
    assertEquals(List.of("us-central1-a.prod/payments/api-1"), confirmed.get(0).pods());
    assertEquals(Decision.DENY, confirmed.get(0).decision());
    assertEquals(2, h.counter("vigil.pod.events.ignored", "reason", "unchanged"));
    List<ViolationTransition> t = h.newViolations();
    assertEquals(1, t.size());
    assertEquals(Transition.OPENED, t.get(0).transition());
    assertTrue(h.counter("vigil.reevaluations", "reason", "periodic") >= 1);
  }

  @Test
  void aNewPolicyVersionThatJudgesThePodTheSameMakesNoTransition() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    h.advance(POLL);
    ViolationTransition opened = h.newViolations().get(0);
    h.newVerdicts();
    policy(Fixtures.enforced(2, "ALWAYS_DENY", "gcr.io/unrelated/**"));
    h.advance(POLL);
    assertEquals(List.of(), h.newVerdicts(), "the same outcome: no verdict per pod");
    List<dev.vigil.schemas.TemplateVerdict> confirmed = h.newTemplateVerdicts();
    assertEquals(1, confirmed.size(), confirmed.toString());
    assertTrue(confirmed.get(0).policyVersions().get(0).endsWith("@2"), confirmed.toString());
    assertEquals(
        List.of(opened.podName()),
        confirmed.get(0).pods().stream().map(k -> k.substring(k.lastIndexOf('/') + 1)).toList());
    assertTrue(h.newViolations().isEmpty(), "a version alone changes nothing");

    // the version in force still travels with the next transition
    pod(Fixtures.pod(PodEvent.Type.DELETED, "payments", "api-1", 11, OWNER, image(API, 'a')));
    List<ViolationTransition> t = h.newViolations();
    assertEquals(1, t.size());
    assertEquals(Transition.RESOLVED, t.get(0).transition());
    assertEquals(opened.violationId(), t.get(0).violationId());
    assertTrue(
        t.get(0).policyVersions().get(0).endsWith("@2"), t.get(0).policyVersions().toString());
  }

  @Test
  void duplicatesAndOutOfOrderEventsDoNotDuplicateViolations() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    PodEvent a10 = added("payments", "api-1", 10, OWNER, image(API, 'a'));
    pod(a10);
    pod(a10); // redelivered
    pod(Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "api-1", 12, OWNER, image(API, 'a')));
    pod(
        Fixtures.pod(
            PodEvent.Type.MODIFIED, "payments", "api-1", 11, OWNER, image(API, 'a'))); // late
    PodEvent deleted =
        Fixtures.pod(PodEvent.Type.DELETED, "payments", "api-1", 13, OWNER, image(API, 'a'));
    pod(deleted);
    pod(deleted);
    pod(
        Fixtures.pod(
            PodEvent.Type.MODIFIED,
            "payments",
            "api-1",
            12,
            OWNER,
            image(API, 'a'))); // after delete

    // Judged once: rv 12 changes only the status (ADR 0131), the others are ignored.
    assertEquals(1, h.newVerdicts().size());
    assertEquals(1, h.counter("vigil.pod.events.ignored", "reason", "unchanged"));
    List<ViolationTransition> t = h.newViolations();
    assertEquals(
        List.of(Transition.OPENED, Transition.RESOLVED),
        t.stream().map(ViolationTransition::transition).toList());
    assertEquals(List.of("pod deleted"), t.get(1).reasons());
    assertEquals(2, h.counter("vigil.pod.events.ignored", "reason", "duplicate"));
    assertEquals(2, h.counter("vigil.pod.events.ignored", "reason", "out_of_order"));
    assertEquals(0, h.gauge("vigil.violations.open", "decision", "deny"));
  }

  @Test
  void aDeletionCarryingTheLastResourceVersionStillResolves() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    pod(Fixtures.pod(PodEvent.Type.DELETED, "payments", "api-1", 10, OWNER, image(API, 'a')));

    List<ViolationTransition> t = h.newViolations();
    assertEquals(
        List.of(Transition.OPENED, Transition.RESOLVED),
        t.stream().map(ViolationTransition::transition).toList());
    assertEquals(0, h.gauge("vigil.violations.open", "decision", "deny"));
  }

  @Test
  void anAllowlistedImagePassesWhateverTheRule() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY", "us-docker.pkg.dev/acme/app/**"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    pod(added("payments", "other-1", 11, OWNER, image("docker.io/library/nginx", 'c')));
    List<Verdict> v = h.newVerdicts();
    assertEquals(Decision.ALLOW, v.get(0).decision());
    assertEquals(Decision.DENY, v.get(1).decision());
  }

  /**
   * ADR 0150: the pods of one template share its judgement. A policy change that confirms a
   * template's outcome publishes one template verdict listing its pods; one that changes it walks
   * its pods, each with its own verdict and transition; other templates are not touched.
   */
  @Test
  void aPolicyChangeJudgesEachTemplateOnceAndWalksOnlyThePodsWhoseOutcomeChanged() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY", API + "@**", WEB + "@**"));
    for (int i = 0; i < 3; i++) {
      pod(added("payments", "api-" + i, 10 + i, OWNER, image(API, 'a')));
      pod(added("payments", "web-" + i, 20 + i, deployment("payments", "web"), image(WEB, 'b')));
    }
    h.advance(POLL);
    assertEquals(6, h.newVerdicts().size(), "each pod's first judgement is published");
    assertEquals(List.of(), h.newTemplateVerdicts());

    // v2 no longer allowlists web: web's outcome changes, api's is confirmed
    policy(Fixtures.enforced(2, "ALWAYS_DENY", API + "@**"));
    h.advance(POLL);

    List<Verdict> verdicts = h.newVerdicts();
    assertEquals(
        List.of("web-0", "web-1", "web-2"),
        verdicts.stream().map(Verdict::podName).sorted().toList(),
        "a verdict for each pod whose outcome changed");
    assertTrue(verdicts.stream().allMatch(v -> v.decision() == Decision.DENY));
    assertEquals(3, h.newViolations().size());
    List<dev.vigil.schemas.TemplateVerdict> confirmed = h.newTemplateVerdicts();
    assertEquals(1, confirmed.size(), confirmed.toString());
    dev.vigil.schemas.TemplateVerdict t = confirmed.get(0);
    assertEquals(
        List.of("api-0", "api-1", "api-2"),
        t.pods().stream().map(k -> k.substring(k.lastIndexOf('/') + 1)).sorted().toList());
    assertEquals(3, t.podCount());
    assertEquals(Decision.ALLOW, t.decision());
    assertEquals(Verdict.Trigger.POLICY_CHANGE, t.trigger());
    assertTrue(t.policyVersions().stream().anyMatch(v -> v.endsWith("@2")), t.toString());
    assertEquals(
        PodTemplate.of(added("payments", "api-0", 10, OWNER, image(API, 'a'))).fingerprint(),
        t.template());

    // a new pod of the confirmed template takes its judgement; a status-only event changes nothing
    pod(added("payments", "api-3", 30, OWNER, image(API, 'a')));
    assertEquals(Decision.ALLOW, h.newVerdicts().get(0).decision());
    pod(Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "api-3", 31, OWNER, image(API, 'a')));
    assertEquals(List.of(), h.newVerdicts());
  }

  /** With {@code --verdicts all}, a confirming re-evaluation still publishes a verdict per pod. */
  @Test
  void withVerdictsAllEveryPodHasAVerdictAtEachReevaluation() {
    h.close();
    h = new TopologyHarness(dir, Map.of("streams.verdicts", "all"));
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    for (int i = 0; i < 3; i++) {
      pod(added("payments", "api-" + i, 10 + i, OWNER, image(API, 'a')));
    }
    h.advance(POLL);
    h.newVerdicts();
    h.newViolations();
    policy(Fixtures.enforced(2, "ALWAYS_DENY", "gcr.io/unrelated/**"));
    h.advance(POLL);
    assertEquals(3, h.newVerdicts().size());
    assertEquals(List.of(), h.newTemplateVerdicts());
    assertEquals(List.of(), h.newViolations());
  }

  @Test
  void anUnreadablePolicyIsRejectedAndTheLastGoodOneStays() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    h.advance(POLL);
    h.newVerdicts();

    policy(Fixtures.broken(2));
    h.advance(POLL);

    List<DeadLetter> dl = h.newDeadLetters();
    assertEquals(1, dl.size());
    assertEquals(Topics.POLICIES.name(), dl.get(0).source());
    assertTrue(dl.get(0).error().contains("version 2"), dl.get(0).error());
    assertEquals(1, h.counter("vigil.policies.rejected"));
    assertEquals(
        1,
        h.counter(
            "vigil.dead.letters", "source", Topics.POLICIES.name(), "reason", "invalid_policy"));
    assertTrue(h.newVerdicts().isEmpty(), "pods are not re-judged by a rejected policy");
    h.advance(POLL);
    assertTrue(h.newDeadLetters().isEmpty(), "a rejection is dead-lettered once");

    pod(added("payments", "web-1", 20, OWNER, image(WEB, 'b')));
    Verdict v = h.newVerdicts().get(0);
    assertEquals(Decision.DENY, v.decision(), "still judged by version 1");
    assertTrue(v.policyVersions().get(0).endsWith("@1"));
  }

  @Test
  void aPodWithNoPolicyInForceIsUnknownNotAllowed() {
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    Verdict v = h.newVerdicts().get(0);
    assertEquals(Decision.UNKNOWN, v.decision());
    assertEquals(Decision.UNKNOWN, h.newViolations().get(0).current());
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    h.advance(POLL);
    assertEquals(Transition.RESOLVED, h.newViolations().get(0).transition());
  }

  @Test
  void unreadableInputIsCountedAndSkipped() {
    // The dead-letter record itself is checked through a real broker in VigilStreamsIT:
    // TopologyTestDriver does not capture records that exception handlers return.
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    h.sendRaw(
        Topics.POD_EVENTS,
        "us-central1-a.prod/payments/x",
        "{not json".getBytes(StandardCharsets.UTF_8));
    assertEquals(
        1,
        h.counter(
            "vigil.dead.letters", "source", Topics.POD_EVENTS.name(), "reason", "unreadable"));
    // and the application carries on
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    assertEquals(1, h.newVerdicts().size());
  }

  @Test
  void unreadableRecordsOnTheGlobalTopicsDoNotStopTheApplication() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    h.sendRaw(Topics.POLICIES, "BINAUTHZ_POLICY/*/x", "{not json".getBytes(StandardCharsets.UTF_8));
    h.sendRaw(Topics.ATTESTATIONS, "sha256:x/occ", "[]".getBytes(StandardCharsets.UTF_8));
    h.sendRaw(Topics.IMAGE_METADATA, "sha256:x", "{}".getBytes(StandardCharsets.UTF_8));
    h.advance(POLL);
    // each is dead-lettered by the task of partition 0, with the original key and payload; an
    // unreadable policy is reported like an unusable one, and the last good one stays
    List<DeadLetter> dl = h.newDeadLetters();
    assertEquals(
        List.of("BINAUTHZ_POLICY/*/x", "sha256:x/occ", "sha256:x"),
        dl.stream().map(DeadLetter::key).toList());
    assertTrue(
        dl.stream().allMatch(d -> d.errorType().equals("UnreadableMessageException")),
        dl.toString());
    assertEquals(
        List.of(Topics.POLICIES.name(), Topics.ATTESTATIONS.name(), Topics.IMAGE_METADATA.name()),
        dl.stream().map(DeadLetter::source).toList());
    assertEquals(
        "[]",
        new String(
            java.util.Base64.getDecoder().decode(dl.get(1).payloadBase64()),
            StandardCharsets.UTF_8));
    assertEquals(
        1,
        h.counter("vigil.dead.letters", "source", Topics.POLICIES.name(), "reason", "unreadable"));
    assertEquals(
        1,
        h.counter(
            "vigil.dead.letters", "source", Topics.ATTESTATIONS.name(), "reason", "unreadable"));
    assertEquals(
        1,
        h.counter(
            "vigil.dead.letters", "source", Topics.IMAGE_METADATA.name(), "reason", "unreadable"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    assertEquals(Decision.DENY, h.newVerdicts().get(0).decision());
    h.advance(POLL);
    assertEquals(List.of(), h.newDeadLetters(), "each is dead-lettered once");
  }

  @Test
  void anAttestationWhoseRecordKeyIsNotTheOneItsValueImpliesIsDeadLetteredAndNotUsed() {
    Fixtures.Signer ci = new Fixtures.Signer();
    unattestedPodUnderRequireAttestation(ci);
    var att = ci.attest(API, digest('a'), "occ-1");
    String wrongKey = digest('b') + "/occ-1";
    h.send(Topics.ATTESTATIONS, wrongKey, att);
    h.advance(POLL);

    List<DeadLetter> dl = h.newDeadLetters();
    assertEquals(1, dl.size());
    assertEquals(wrongKey, dl.get(0).key());
    assertEquals(Topics.ATTESTATIONS.name(), dl.get(0).source());
    assertTrue(dl.get(0).error().contains(att.key()), dl.get(0).error());
    assertEquals(
        1,
        h.counter(
            "vigil.dead.letters", "source", Topics.ATTESTATIONS.name(), "reason", "key_mismatch"));
    pod(added("payments", "api-2", 11, OWNER, image(API, 'a')));
    assertEquals(Decision.DENY, h.newVerdicts().get(0).decision(), "the attestation is not used");
    h.advance(POLL);
    assertEquals(List.of(), h.newDeadLetters(), "dead-lettered once");
  }

  @Test
  void changedImageMetadataReevaluatesThePodsRunningTheDigest() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    pod(added("payments", "web-1", 11, OWNER, image(WEB, 'b')));
    h.advance(POLL);
    h.newVerdicts();
    ImageMetadata m = Fixtures.metadata(digest('b'), WEB, Fixtures.T0.minus(Duration.ofDays(3)));
    h.send(Topics.IMAGE_METADATA, m.imageDigest(), m);
    h.advance(POLL);
    assertEquals(List.of(), h.newVerdicts(), "still allowed: no verdict per pod");
    List<dev.vigil.schemas.TemplateVerdict> v = h.newTemplateVerdicts();
    assertEquals(1, v.size(), "only the template running the digest: " + v);
    assertEquals(List.of(web1Key()), v.get(0).pods());
    assertEquals(Verdict.Trigger.IMAGE_METADATA_CHANGE, v.get(0).trigger());
  }

  private static String web1Key() {
    return added("payments", "web-1", 11, OWNER, image(WEB, 'b')).key();
  }

  @Test
  void aFinishedPodIsNoLongerJudged() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    pod(added("payments", "job-1", 10, OWNER, image(API, 'a')));
    PodEvent done =
        Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "job-1", 11, OWNER, image(API, 'a'));
    pod(
        new PodEvent(
            done.eventId(),
            done.clusterId(),
            done.type(),
            done.namespace(),
            done.name(),
            done.uid(),
            done.serviceAccount(),
            "Succeeded",
            done.owner(),
            done.images(),
            done.labels(),
            done.annotations(),
            done.resourceVersion(),
            done.observedAt()));
    List<ViolationTransition> t = h.newViolations();
    assertEquals(
        List.of(Transition.OPENED, Transition.RESOLVED),
        t.stream().map(ViolationTransition::transition).toList());
    assertEquals(List.of("pod Succeeded"), t.get(1).reasons());
    assertTrue(
        t.get(0)
            .reasons()
            .get(0)
            .startsWith("c0 " + image(API, 'a') + " (" + digest('a') + "): defaultAdmissionRule"),
        t.get(0).reasons().toString());
  }

  @Test
  void deletingAViolatingPodResolvesItsViolation() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    pod(Fixtures.pod(PodEvent.Type.DELETED, "payments", "api-1", 11, OWNER, image(API, 'a')));
    List<ViolationTransition> t = h.newViolations();
    assertEquals(Transition.RESOLVED, t.get(1).transition());
    assertNull(t.get(1).verdictId());
    h.advance(Duration.ofHours(1));
    assertTrue(h.newVerdicts().size() == 1, "a deleted pod is not re-evaluated");
  }
}
