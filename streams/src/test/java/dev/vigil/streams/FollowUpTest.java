package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUp.Kind;
import dev.vigil.schemas.FollowUp.State;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.FollowUpId;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.WorkloadRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FollowUpTest {

  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final WorkloadRef OWNER = deployment("payments", "api");
  static final Duration FLUSH = Duration.ofSeconds(5);

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

  private void policy(PolicyDocument p) {
    h.send(Topics.POLICIES, p.key(), p);
  }

  private void pod(PodEvent e) {
    h.send(Topics.POD_EVENTS, e.key(), e);
  }

  private void admission(AdmissionEvent a) {
    h.send(Topics.ADMISSION_EVENTS, a.key(), a);
  }

  private static List<State> states(List<FollowUp> f) {
    return f.stream().map(FollowUp::state).toList();
  }

  @Test
  void aFailOpenWhoseImagesComplyBecomesVerified() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    // the audit event may come before the pod event
    admission(Fixtures.failedOpen("a-1", "payments", "api-1", OWNER, image(API, 'a')));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    assertEquals(
        List.of(State.OPEN), states(h.newFollowUps()), "VERIFIED waits for the burst to end");

    h.advance(FLUSH);
    h.newFollowUps();
    List<FollowUp> f = h.allFollowUps;
    assertEquals(List.of(State.OPEN, State.VERIFIED), states(f));
    FollowUp verified = f.get(1);
    assertEquals(Kind.FAIL_OPEN, verified.kind());
    assertEquals(OWNER, verified.owner());
    assertEquals(Decision.ALLOW, verified.reevaluation());
    assertEquals(1, verified.podCount());
    assertEquals(List.of("api-1"), verified.pods());
    assertTrue(verified.cause().startsWith("re-evaluation under"), verified.cause());
    assertEquals("us-central1-a.prod/payments/DEPLOYMENT/api/FAIL_OPEN#1", verified.followUpId());
    assertEquals(0, h.gauge("vigil.followups.open", "kind", "FAIL_OPEN", "state", "OPEN"));
  }

  @Test
  void aFailOpenThatViolatesBecomesEscalatedAndResolvesWhenMadeCompliant() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    admission(Fixtures.failedOpen("a-1", "payments", "api-1", OWNER, image(API, 'a'))); // pod first
    assertEquals(
        List.of(State.OPEN), states(h.newFollowUps()), "the judgement waits for the burst to end");
    h.advance(FLUSH);

    List<FollowUp> f = h.allFollowUps;
    h.newFollowUps();
    assertEquals(List.of(State.OPEN, State.ESCALATED), states(f));
    assertEquals(Decision.DENY, f.get(1).reevaluation());
    assertEquals(1, h.gauge("vigil.followups.open", "kind", "FAIL_OPEN", "state", "ESCALATED"));
    assertTrue(h.gauge("vigil.followups.oldest.open.age") > 0, "firstSeen is in the past");

    policy(Fixtures.enforced(2, "ALWAYS_ALLOW"));
    h.advance(Duration.ofSeconds(1));
    f = h.newFollowUps();
    assertEquals(List.of(State.RESOLVED), states(f));
    assertTrue(f.get(0).cause().contains("made compliant"), f.get(0).cause());
    assertEquals(0, h.gauge("vigil.followups.open", "kind", "FAIL_OPEN", "state", "ESCALATED"));
  }

  @Test
  void breakglassStaysOpenUntilAcknowledged() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    admission(Fixtures.breakglass("b-1", "payments", "api-1", OWNER, image(API, 'a')));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    h.advance(FLUSH);

    List<FollowUp> f = h.newFollowUps();
    assertEquals(List.of(State.OPEN, State.OPEN), states(f), "never auto-verified");
    assertEquals(Decision.ALLOW, f.get(1).reevaluation(), "records that the images comply");
    assertTrue(f.get(1).cause().contains("breakglass stays open"), f.get(1).cause());

    h.advance(Duration.ofHours(1)); // periodic re-evaluation changes nothing
    assertTrue(h.newFollowUps().isEmpty());

    h.send(
        Topics.FOLLOWUP_ACKS,
        FollowUp.key(Fixtures.CLUSTER, OWNER, Kind.BREAKGLASS),
        Fixtures.ack(f.get(1).followUpId(), FollowUpAck.Action.ACKNOWLEDGE));
    f = h.newFollowUps();
    assertEquals(List.of(State.ACKNOWLEDGED), states(f));
    assertEquals("alice@acme.example", f.get(0).acknowledgedBy());
    assertEquals("enforcer outage SEC-42", f.get(0).note());
    assertTrue(f.get(0).cause().startsWith("acknowledged by alice@acme.example"));
  }

  @Test
  void anAckWhoseIdIsNotAFollowUpIdIsDeadLetteredAndTheNextAckStillCounts() {
    FollowUp escalated = anEscalatedBreakglass();

    h.send(
        Topics.FOLLOWUP_ACKS,
        FollowUp.key(Fixtures.CLUSTER, OWNER, Kind.BREAKGLASS),
        Fixtures.ack(
            FollowUp.key(Fixtures.CLUSTER, OWNER, Kind.BREAKGLASS) + "#first",
            FollowUpAck.Action.ACKNOWLEDGE));
    List<DeadLetter> dead = h.newDeadLetters();
    assertTrue(h.newFollowUps().isEmpty());
    acknowledge(escalated);

    assertEquals(1, dead.size());
    assertTrue(dead.get(0).error().contains("is not " + FollowUpId.FORMAT), dead.get(0).error());
    assertEquals(List.of(State.ACKNOWLEDGED), states(h.newFollowUps()));
  }

  /** A breakglass pod of payments/api whose image the policy denies: OPEN, then ESCALATED. */
  private FollowUp anEscalatedBreakglass() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    admission(Fixtures.breakglass("b-1", "payments", "api-1", OWNER, image(API, 'a')));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    h.advance(FLUSH);
    List<FollowUp> f = h.newFollowUps();
    assertEquals(List.of(State.OPEN, State.ESCALATED), states(f));
    assertEquals(1, h.gauge("vigil.followups.open", "kind", "BREAKGLASS", "state", "ESCALATED"));
    return f.get(1);
  }

  /**
   * Pods api-0 … api-(n-1) of payments/api, each admitted by a bypass of {@code kind}, then
   * started.
   */
  private void admitted(Kind kind, int n, long firstVersion) {
    for (int i = 0; i < n; i++) {
      String pod = "api-" + i;
      admission(
          kind == Kind.BREAKGLASS
              ? Fixtures.breakglass("b-" + i, "payments", pod, OWNER, image(API, 'a'))
              : Fixtures.failedOpen("a-" + i, "payments", pod, OWNER, image(API, 'a')));
      pod(added("payments", pod, firstVersion + i, OWNER, image(API, 'a')));
    }
  }

  private void acknowledge(FollowUp f) {
    h.send(
        Topics.FOLLOWUP_ACKS,
        FollowUp.key(Fixtures.CLUSTER, OWNER, Kind.BREAKGLASS),
        Fixtures.ack(f.followUpId(), FollowUpAck.Action.ACKNOWLEDGE));
  }

  @Test
  void breakglassDropsBackToOpenWhenItsImagesComplyAndEscalatesAgainWhenTheyViolate() {
    FollowUp escalated = anEscalatedBreakglass();

    policy(Fixtures.enforced(2, "ALWAYS_ALLOW"));
    h.advance(Duration.ofSeconds(1));
    List<FollowUp> f = h.newFollowUps();
    assertEquals(
        List.of(State.OPEN), states(f), "the critical alert stops, the follow-up stays open");
    assertEquals(Decision.ALLOW, f.get(0).reevaluation());
    assertTrue(
        f.get(0).cause().contains("the images comply; breakglass stays open until acknowledged"),
        f.get(0).cause());
    assertEquals(0, h.gauge("vigil.followups.open", "kind", "BREAKGLASS", "state", "ESCALATED"));
    assertEquals(1, h.gauge("vigil.followups.open", "kind", "BREAKGLASS", "state", "OPEN"));

    policy(Fixtures.enforced(3, "ALWAYS_DENY"));
    h.advance(Duration.ofSeconds(1));
    f = h.newFollowUps();
    assertEquals(List.of(State.ESCALATED), states(f), "violating again escalates again");
    assertEquals(Decision.DENY, f.get(0).reevaluation());
    assertEquals(escalated.followUpId(), f.get(0).followUpId(), "the same follow-up throughout");

    policy(Fixtures.enforced(4, "ALWAYS_ALLOW"));
    h.advance(Duration.ofSeconds(1));
    assertEquals(List.of(State.OPEN), states(h.newFollowUps()));
    h.advance(h.settings.followUpMaxOpenAge().plusHours(1));
    assertTrue(
        h.newFollowUps().isEmpty(), "complying for a long time does not close it, nor escalate it");
  }

  @Test
  void breakglassWhosePodsAreDeletedIsRecordedButStaysOpenUntilAcknowledged() {
    FollowUp escalated = anEscalatedBreakglass();

    pod(Fixtures.pod(PodEvent.Type.DELETED, "payments", "api-1", 20, OWNER, image(API, 'a')));
    List<FollowUp> f = h.newFollowUps();
    assertEquals(List.of(State.OPEN), states(f), "not RESOLVED: nobody has reviewed it");
    assertEquals(
        "every pod admitted with breakglass is gone; breakglass stays open until acknowledged",
        f.get(0).cause());
    assertEquals(List.of("api-1"), f.get(0).pods(), "the pods it covered are still listed");
    assertEquals(
        0,
        h.gauge("vigil.followups.open", "kind", "BREAKGLASS", "state", "ESCALATED"),
        "nothing forbidden runs any more");
    assertEquals(1, h.gauge("vigil.followups.open", "kind", "BREAKGLASS", "state", "OPEN"));

    pod(Fixtures.pod(PodEvent.Type.DELETED, "payments", "api-1", 20, OWNER, image(API, 'a')));
    h.advance(h.settings.followUpMaxOpenAge().plusHours(1));
    assertTrue(h.newFollowUps().isEmpty(), "a repeated deletion and time change nothing");

    acknowledge(escalated);
    f = h.newFollowUps();
    assertEquals(List.of(State.ACKNOWLEDGED), states(f), "only a person closes a breakglass");
    assertEquals("alice@acme.example", f.get(0).acknowledgedBy());
    assertEquals(0, h.gauge("vigil.followups.open", "kind", "BREAKGLASS", "state", "OPEN"));
  }

  @Test
  void aBreakglassPodDeletedWhileItsImagesComplyDoesNotCloseItEither() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    admitted(Kind.BREAKGLASS, 2, 10);
    h.advance(FLUSH);
    List<FollowUp> f = h.newFollowUps();
    assertEquals(State.OPEN, f.get(f.size() - 1).state());
    for (int i = 0; i < 2; i++) {
      pod(
          Fixtures.pod(
              PodEvent.Type.DELETED, "payments", "api-" + i, 20 + i, OWNER, image(API, 'a')));
    }
    h.advance(FLUSH);
    f = h.newFollowUps();
    assertTrue(
        f.stream().noneMatch(x -> x.state() == State.RESOLVED || x.state() == State.VERIFIED),
        f.toString());
    assertEquals(State.OPEN, f.get(f.size() - 1).state());
    assertTrue(
        f.get(f.size() - 1).cause().startsWith("every pod admitted with breakglass is gone"));

    // a new breakglass pod of the same workload joins the follow-up still awaiting review
    admission(Fixtures.breakglass("b-2", "payments", "api-2", OWNER, image(API, 'a')));
    pod(added("payments", "api-2", 30, OWNER, image(API, 'a')));
    h.advance(FLUSH);
    f = h.newFollowUps();
    assertEquals(
        FollowUp.key(Fixtures.CLUSTER, OWNER, Kind.BREAKGLASS) + "#1",
        f.get(f.size() - 1).followUpId());
    assertEquals(3, f.get(f.size() - 1).podCount());

    acknowledge(f.get(0));
    assertEquals(List.of(State.ACKNOWLEDGED), states(h.newFollowUps()));
  }

  @Test
  void fiveHundredFailedOpenPodsOfOneDeploymentAreOneFollowUpWithACount() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    admitted(Kind.FAIL_OPEN, 500, 1000);
    h.advance(FLUSH);
    List<FollowUp> f = h.newFollowUps();
    Set<String> ids = f.stream().map(FollowUp::followUpId).collect(Collectors.toSet());
    assertEquals(1, ids.size());
    assertTrue(f.size() <= 4, "changes, not one record per pod: " + f.size());
    FollowUp last = f.get(f.size() - 1);
    assertEquals(500, last.podCount());
    assertEquals(FollowUp.MAX_PODS_LISTED, last.pods().size());
    assertEquals(State.VERIFIED, last.state());
  }

  @Test
  void aFollowUpResolvesWhenEveryPodItCoversIsGone() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    admitted(Kind.FAIL_OPEN, 2, 10);
    h.advance(FLUSH);
    h.newFollowUps();
    pod(Fixtures.pod(PodEvent.Type.DELETED, "payments", "api-0", 20, OWNER, image(API, 'a')));
    assertTrue(h.newFollowUps().isEmpty());
    h.advance(FLUSH);
    List<FollowUp> f = h.newFollowUps();
    assertEquals(List.of(State.ESCALATED), states(f), "a count update: " + f);
    pod(Fixtures.pod(PodEvent.Type.DELETED, "payments", "api-1", 21, OWNER, image(API, 'a')));
    f = h.newFollowUps();
    assertEquals(List.of(State.RESOLVED), states(f));
    assertEquals("every pod admitted this way is gone", f.get(0).cause());
  }

  @Test
  void duplicateAdmissionEventsDoNotDuplicateFollowUps() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    AdmissionEvent a = Fixtures.failedOpen("a-1", "payments", "api-1", OWNER, image(API, 'a'));
    admission(a);
    admission(a);
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    admission(a);
    h.advance(FLUSH);
    List<FollowUp> f = h.newFollowUps();
    assertEquals(List.of(State.OPEN, State.VERIFIED), states(f));
    assertEquals(1, f.get(1).podCount());
  }

  @Test
  void aDryRunAdmissionIsRecordedAsDryRunNotDenied() {
    policy(Fixtures.dryRun(1, "ALWAYS_DENY"));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    h.advance(FLUSH);
    List<FollowUp> f = h.newFollowUps();
    assertEquals(Kind.DRY_RUN, f.get(0).kind());
    assertEquals(List.of(State.OPEN, State.OPEN), states(f));
    assertEquals(Decision.DRYRUN_DENY, f.get(1).reevaluation());
    // an enforced rule now denies it: escalated
    policy(Fixtures.enforced(2, "ALWAYS_DENY"));
    h.advance(Duration.ofSeconds(1));
    assertEquals(List.of(State.ESCALATED), states(h.newFollowUps()));
  }

  @Test
  void anAdmissionWhosePodNeverShowsUpIsFollowedUpAfterTheSkewInStreamTime() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    admission(
        Fixtures.failedOpen("a-1", "payments", "api-1", OWNER)); // no images: nothing to judge
    h.advance(Duration.ofMinutes(6));
    assertTrue(
        h.newFollowUps().isEmpty(),
        "the skew is measured in stream time: no later record, no expiry");
    h.later(Duration.ofMinutes(1));
    pod(added("payments", "other-1", 10, deployment("payments", "other"), image(API, 'a')));
    assertTrue(h.newFollowUps().isEmpty(), "waits for the pod event");
    h.later(Duration.ofMinutes(5));
    pod(added("payments", "other-2", 11, deployment("payments", "other"), image(API, 'a')));
    h.advance(Duration.ofSeconds(1));
    List<FollowUp> f = h.newFollowUps();
    assertEquals(List.of(State.OPEN), states(f));
    assertNull(f.get(0).reevaluation());
    assertTrue(f.get(0).detail().contains("no pod event"), f.get(0).detail());
    h.advance(FLUSH).advance(FLUSH);
    assertTrue(h.newFollowUps().isEmpty(), "without images in the admission it waits for its pod");
  }

  @Test
  void inAuditOnlyModeAdmissionsAreJudgedFromTheImagesTheyCarry() {
    // No pod events at all (--watch false): two fail-open Deployments, one allowed, one denied.
    String allowed = "us-docker.pkg.dev/acme/app/web";
    WorkloadRef web = deployment("payments", "web");
    policy(Fixtures.enforced(1, "ALWAYS_DENY", allowed + "@*"));
    admission(
        Fixtures.failedOpen("a-web", "payments", "web-7d9f8c6b5-x1", web, image(allowed, 'b')));
    admission(
        Fixtures.failedOpen("a-api", "payments", "api-7d9f8c6b5-h0tf1", OWNER, image(API, 'd')));
    h.advance(Duration.ofMinutes(1));
    assertTrue(h.newFollowUps().isEmpty(), "within the skew the pod events may still come");
    h.later(h.settings.correlationSkew().plusSeconds(1));
    admission(
        Fixtures.failedOpen(
            "a-other", "shop", "cart-1", deployment("shop", "cart"))); // stream time moves
    h.advance(Duration.ofSeconds(1));
    List<FollowUp> opened = h.newFollowUps();
    assertEquals(List.of(State.OPEN, State.OPEN), states(opened));

    h.advance(FLUSH).advance(FLUSH);
    List<FollowUp> f = h.newFollowUps();
    FollowUp webF = f.stream().filter(x -> x.owner().equals(web)).reduce((a, b) -> b).orElseThrow();
    FollowUp apiF =
        f.stream().filter(x -> x.owner().equals(OWNER)).reduce((a, b) -> b).orElseThrow();
    assertEquals(State.VERIFIED, webF.state(), f.toString());
    assertEquals(Decision.ALLOW, webF.reevaluation());
    assertEquals(State.ESCALATED, apiF.state(), f.toString());
    assertEquals(Decision.DENY, apiF.reevaluation());
    assertEquals(
        "us-central1-a.prod/payments/DEPLOYMENT/api/FAIL_OPEN#1",
        apiF.followUpId(),
        "the owner is the Deployment, resolved from the request");
    assertEquals(List.of("api-7d9f8c6b5-h0tf1"), apiF.pods());
    assertEquals(
        List.of(new FollowUp.Image("c0", image(API, 'd'), Fixtures.digest('d'))),
        apiF.images(),
        "each container's image with the digest it names");
    assertEquals(Severity.HIGH, apiF.severity(), "an escalated fail-open");
    assertEquals(Severity.LOW, webF.severity(), "a verified fail-open");
    assertTrue(apiF.detail().contains("judged from the images in the admission"), apiF.detail());
    assertTrue(
        apiF.cause().startsWith("re-evaluation under ")
            && apiF.cause().endsWith(": 1 of 1 pods run images the policy denies"),
        apiF.cause());
    assertEquals(1, h.gauge("vigil.followups.open", "kind", "FAIL_OPEN", "state", "ESCALATED"));
  }

  /**
   * A fail-open admission of api-1 that carries no images (its request was not logged), then ten
   * minutes, in stream time (another pod's event) and on the wall clock: its follow-up opens
   * without a verdict.
   */
  private void anAdmissionWhosePodHasNotComeTenMinutesLater() {
    policy(Fixtures.enforced(1, "ALWAYS_ALLOW"));
    admission(Fixtures.failedOpen("a-1", "payments", "api-1", OWNER));
    h.later(Duration.ofMinutes(10));
    pod(added("payments", "other-1", 10, deployment("payments", "other"), image(API, 'a')));
    h.advance(Duration.ofMinutes(10));
    assertEquals(List.of(State.OPEN), states(h.newFollowUps()));
  }

  @Test
  void aPodThatComesLaterThanTheSkewStillJoinsItsFollowUp() {
    anAdmissionWhosePodHasNotComeTenMinutesLater();

    // the pod event comes late: it joins, is judged, and the follow-up is verified
    h.later(Duration.ofMinutes(1));
    pod(added("payments", "api-1", 11, OWNER, image(API, 'a')));
    h.advance(FLUSH).advance(FLUSH);
    List<FollowUp> f = h.newFollowUps();
    assertEquals(State.VERIFIED, f.get(f.size() - 1).state(), f.toString());
    assertEquals(Decision.ALLOW, f.get(f.size() - 1).reevaluation());
    assertEquals(1, f.get(f.size() - 1).podCount());
    assertEquals(List.of(), openIndex(), "a verified follow-up leaves the index");
  }

  @Test
  void aFailOpenFollowUpStillOpenPastTheMaximumAgeIsEscalated() {
    anAdmissionWhosePodHasNotComeTenMinutesLater();

    h.advance(h.settings.followUpMaxOpenAge());

    List<FollowUp> f = h.newFollowUps();
    assertEquals(List.of(State.ESCALATED), states(f));
    assertTrue(f.get(0).cause().contains("1 of 1 pods never judged"), f.get(0).cause());
    assertEquals("PT24H", h.settings.followUpMaxOpenAge().toString(), "the documented default");
    assertEquals(List.of(), openIndex(), "an escalated follow-up leaves the index");
  }

  @Test
  void theStaleCheckFindsAnOpenFollowUpByItsIndexAndNotBeforeItsTime() {
    anAdmissionWhosePodHasNotComeTenMinutesLater();
    assertEquals(1, openIndex().size(), "the open follow-up is indexed by when it opened");

    h.advance(h.settings.followUpMaxOpenAge().minusMinutes(30));
    assertEquals(List.of(), h.newFollowUps(), "not due yet");
    h.advance(Duration.ofMinutes(30));
    assertEquals(List.of(State.ESCALATED), states(h.newFollowUps()));
  }

  @Test
  void aFollowUpKeptByAnEarlierVersionWithoutTheIndexStillEscalates() {
    anAdmissionWhosePodHasNotComeTenMinutesLater();
    // what a version before the index (ADR 0185) left: the follow-up, and no index entry
    KeyValueStore<String, String> expiries =
        h.driver.getKeyValueStore(StoreNames.FOLLOWUP_ACK_EXPIRY);
    openIndex().forEach(expiries::delete);
    expiries.delete(FollowUpProcessor.OPEN_INDEXED);

    h.advance(h.settings.followUpMaxOpenAge());
    assertEquals(List.of(State.ESCALATED), states(h.newFollowUps()));
    assertEquals(List.of(), openIndex());
  }

  /** The keys of the open follow-ups' index. */
  private List<String> openIndex() {
    KeyValueStore<String, String> expiries =
        h.driver.getKeyValueStore(StoreNames.FOLLOWUP_ACK_EXPIRY);
    List<String> keys = new java.util.ArrayList<>();
    try (var it = expiries.prefixScan(FollowUpProcessor.OPEN, new StringSerializer())) {
      it.forEachRemaining(kv -> keys.add(kv.key));
    }
    return keys;
  }

  @Test
  void twoFailOpenPodsOfOneDeploymentGiveTheSameFollowUpsWhicheverPartitionIsPolledFirst() {
    // api-ok runs an allowed image, api-bad one the policy denies; each pod's admission and pod
    // event are on its own partition, so either may reach the follow-up first.
    String allowed = "us-docker.pkg.dev/acme/app/api-ok";
    PolicyDocument p = Fixtures.enforced(1, "ALWAYS_DENY", allowed + "@*");
    Runnable ok =
        () -> {
          admission(Fixtures.failedOpen("a-ok", "payments", "api-ok", OWNER, image(allowed, 'a')));
          pod(added("payments", "api-ok", 10, OWNER, image(allowed, 'a')));
        };
    Runnable bad =
        () -> {
          admission(Fixtures.failedOpen("a-bad", "payments", "api-bad", OWNER, image(API, 'b')));
          pod(added("payments", "api-bad", 11, OWNER, image(API, 'b')));
        };
    List<List<String>> published = new java.util.ArrayList<>();
    for (Runnable[] order : List.of(new Runnable[] {ok, bad}, new Runnable[] {bad, ok})) {
      h.close();
      h = new TopologyHarness(dir.resolve("order-" + published.size()));
      policy(p);
      order[0].run();
      order[1].run();
      h.advance(FLUSH).advance(FLUSH);
      published.add(
          h.newFollowUps().stream().map(f -> f.state() + "/" + f.reevaluation()).toList());
    }
    assertEquals(
        List.of("OPEN/null", "ESCALATED/DENY"),
        published.get(0),
        "no VERIFIED while a pod of the burst is unjudged");
    assertEquals(published.get(0), published.get(1));
  }

  @Test
  void anAcknowledgementForAnotherFollowUpIdIsIgnored() {
    policy(Fixtures.enforced(1, "ALWAYS_DENY"));
    admission(Fixtures.failedOpen("a-1", "payments", "api-1", OWNER, image(API, 'a')));
    pod(added("payments", "api-1", 10, OWNER, image(API, 'a')));
    h.newFollowUps();
    String key = FollowUp.key(Fixtures.CLUSTER, OWNER, Kind.FAIL_OPEN);
    h.send(Topics.FOLLOWUP_ACKS, key, Fixtures.ack(key + "#7", FollowUpAck.Action.ACKNOWLEDGE));
    assertTrue(h.newFollowUps().isEmpty());
    h.send(Topics.FOLLOWUP_ACKS, key, Fixtures.ack(key + "#1", FollowUpAck.Action.RESOLVE));
    assertEquals(List.of(State.RESOLVED), states(h.newFollowUps()));
    // a new fail-open after it closed opens a new follow-up
    admission(Fixtures.failedOpen("a-2", "payments", "api-2", OWNER, image(API, 'a')));
    pod(added("payments", "api-2", 11, OWNER, image(API, 'a')));
    List<FollowUp> f = h.newFollowUps();
    assertEquals(key + "#2", f.get(0).followUpId());
  }
}
