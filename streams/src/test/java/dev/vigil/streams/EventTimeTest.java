package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.WorkloadRef;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay or a back-fill: the inputs happened days before Vigil processes them (the driver's wall
 * clock is {@link Fixtures#T0}). Follow-ups and violations carry the time of the input that caused
 * them beside the processing time.
 */
class EventTimeTest {

  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final WorkloadRef OWNER = deployment("payments", "api");
  static final Instant POLICY_V1 = Fixtures.T0.minus(Duration.ofDays(7));
  static final Instant ADMITTED = Fixtures.T0.minus(Duration.ofDays(6));
  static final Instant POD_SEEN = ADMITTED.plusSeconds(2);
  static final Instant POLICY_V2 = Fixtures.T0.minus(Duration.ofDays(5));

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

  @Test
  void followUpsAndViolationsCarryTheTimesOfTheEventsThatCausedThem() {
    policy(publishedAt(Fixtures.enforced(1, "ALWAYS_DENY"), POLICY_V1));
    h.advance(Duration.ofSeconds(1));
    AdmissionEvent a =
        at(Fixtures.failedOpen("a-1", "payments", "api-1", OWNER, image(API, 'a')), ADMITTED);
    h.send(Topics.ADMISSION_EVENTS, a.key(), a);
    PodEvent p = at(added("payments", "api-1", 10, OWNER, image(API, 'a')), POD_SEEN);
    h.send(Topics.POD_EVENTS, p.key(), p);
    h.advance(Duration.ofSeconds(5)); // the burst settles: ESCALATED

    policy(publishedAt(Fixtures.enforced(2, "ALWAYS_ALLOW"), POLICY_V2));
    h.advance(Duration.ofSeconds(1)); // re-evaluated under v2: compliant
    h.drain();

    List<ViolationTransition> v = h.allViolations;
    assertEquals(
        List.of(ViolationTransition.Transition.OPENED, ViolationTransition.Transition.RESOLVED),
        v.stream().map(ViolationTransition::transition).toList());
    assertEquals(
        List.of(POD_SEEN, POLICY_V2),
        v.stream().map(ViolationTransition::eventTime).toList(),
        "opened by the pod event, resolved by the policy revision");

    List<FollowUp> f = h.allFollowUps;
    assertEquals(
        List.of(FollowUp.State.OPEN, FollowUp.State.ESCALATED, FollowUp.State.RESOLVED),
        f.stream().map(FollowUp::state).toList());
    assertEquals(
        List.of(ADMITTED, ADMITTED, POLICY_V2),
        f.stream().map(FollowUp::eventTime).toList(),
        "opened and judged on the admission, resolved by the policy revision");

    // beside the processing times, which are the driver's wall clock, days later
    v.forEach(t -> assertFalse(t.at().isBefore(Fixtures.T0), t.toString()));
    f.forEach(u -> assertFalse(u.changedAt().isBefore(Fixtures.T0), u.toString()));
  }

  @Test
  void theAcknowledgementIsDatedByItsOwnTime() {
    policy(publishedAt(Fixtures.enforced(1, "ALWAYS_DENY"), POLICY_V1));
    AdmissionEvent a =
        at(Fixtures.breakglass("a-1", "payments", "api-1", OWNER, image(API, 'a')), ADMITTED);
    h.send(Topics.ADMISSION_EVENTS, a.key(), a);
    PodEvent p = at(added("payments", "api-1", 10, OWNER, image(API, 'a')), POD_SEEN);
    h.send(Topics.POD_EVENTS, p.key(), p);
    h.advance(Duration.ofSeconds(5));
    FollowUp open = h.newFollowUps().get(0);

    var ack = Fixtures.ack(open.followUpId(), dev.vigil.schemas.FollowUpAck.Action.ACKNOWLEDGE);
    h.send(Topics.FOLLOWUP_ACKS, ack.followUpId(), ack);
    h.advance(Duration.ofSeconds(1));
    List<FollowUp> f = h.newFollowUps();

    FollowUp acked = f.get(f.size() - 1);
    assertEquals(FollowUp.State.ACKNOWLEDGED, acked.state());
    assertEquals(ack.at(), acked.eventTime());
  }

  /**
   * A late attestation resolves the violation at the attestation's own time (its createTime); its
   * revocation leaves no fact to date it by, so it reopens at the task's stream time (the Kafka
   * timestamp of the newest input the task processed), as a periodic sweep does.
   */
  @Test
  void reevaluationsAfterAFactChangeCarryTheFactsTimeOrTheStreamTime() {
    Fixtures.Signer ci = new Fixtures.Signer();
    policy(publishedAt(ci.attestor(1), POLICY_V1));
    policy(publishedAt(Fixtures.enforced(1, "REQUIRE_ATTESTATION"), POLICY_V1));
    h.advance(Duration.ofSeconds(1));
    PodEvent p = at(added("payments", "api-1", 10, OWNER, image(API, 'a')), POD_SEEN);
    h.send(Topics.POD_EVENTS, p.key(), p);
    Instant podRecord = h.lastRecordTime();
    h.advance(Duration.ofSeconds(1));

    Instant attested = POD_SEEN.plus(Duration.ofHours(20));
    Attestation signed = ci.attest(API, Fixtures.digest('a'), "occ-1");
    Attestation att =
        new Attestation(
            signed.occurrence(),
            signed.noteName(),
            signed.resourceUri(),
            signed.imageDigest(),
            signed.serializedPayload(),
            signed.signatures(),
            signed.pgpSignedAttestation(),
            attested);
    h.send(Topics.ATTESTATIONS, att.key(), att);
    h.advance(Duration.ofSeconds(1));
    h.send(Topics.ATTESTATIONS, att.key(), null);
    h.advance(Duration.ofSeconds(1));
    h.drain();

    List<ViolationTransition> v = h.allViolations;
    assertEquals(
        List.of(
            ViolationTransition.Transition.OPENED,
            ViolationTransition.Transition.RESOLVED,
            ViolationTransition.Transition.OPENED),
        v.stream().map(ViolationTransition::transition).toList());
    assertEquals(
        List.of(POD_SEEN, attested, podRecord),
        v.stream().map(ViolationTransition::eventTime).toList(),
        "opened by the pod event, resolved by the attestation, reopened by its revocation at stream time");
  }

  private void policy(PolicyDocument d) {
    h.send(Topics.POLICIES, d.key(), d);
  }

  private static PolicyDocument publishedAt(PolicyDocument d, Instant t) {
    return new PolicyDocument(
        d.scope(),
        d.kind(),
        d.name(),
        d.version(),
        d.format(),
        d.content(),
        d.sha256(),
        d.source(),
        t);
  }

  private static AdmissionEvent at(AdmissionEvent a, Instant t) {
    return new AdmissionEvent(
        a.eventId(),
        a.clusterId(),
        a.source(),
        a.auditId(),
        a.stage(),
        a.verb(),
        a.namespace(),
        a.name(),
        a.uid(),
        a.user(),
        a.serviceAccount(),
        a.owner(),
        a.images(),
        a.blocked(),
        a.dryRun(),
        a.breakglass(),
        a.failedOpen(),
        a.responseCode(),
        a.responseReason(),
        a.annotations(),
        t);
  }

  private static PodEvent at(PodEvent e, Instant t) {
    return new PodEvent(
        e.eventId(),
        e.clusterId(),
        e.type(),
        e.namespace(),
        e.name(),
        e.uid(),
        e.serviceAccount(),
        e.phase(),
        e.owner(),
        e.images(),
        e.labels(),
        e.annotations(),
        e.resourceVersion(),
        t);
  }
}
