package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.T0;
import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUp.Kind;
import dev.vigil.schemas.FollowUp.State;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.WorkloadRef;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acknowledgements with an expiry (issue 18): driven by the wall clock of the test driver. */
class AckExpiryTest {

  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final WorkloadRef OWNER = deployment("payments", "api");
  static final String KEY = FollowUp.key(Fixtures.CLUSTER, OWNER, Kind.FAIL_OPEN);

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

  /** A fail-open Deployment whose image the policy denies: ESCALATED. */
  private FollowUp escalated() {
    h.send(
        Topics.POLICIES,
        Fixtures.enforced(1, "ALWAYS_DENY").key(),
        Fixtures.enforced(1, "ALWAYS_DENY"));
    var admission = Fixtures.failedOpen("a-1", "payments", "api-1", OWNER, image(API, 'a'));
    h.send(Topics.ADMISSION_EVENTS, admission.key(), admission);
    PodEvent p = added("payments", "api-1", 10, OWNER, image(API, 'a'));
    h.send(Topics.POD_EVENTS, p.key(), p);
    h.advance(Duration.ofSeconds(5));
    List<FollowUp> f = h.newFollowUps();
    FollowUp last = f.get(f.size() - 1);
    assertEquals(State.ESCALATED, last.state());
    return last;
  }

  private void ack(FollowUp f, Instant until, String ticket) {
    h.send(
        Topics.FOLLOWUP_ACKS,
        KEY,
        new FollowUpAck(
            f.followUpId(),
            FollowUpAck.Action.ACKNOWLEDGE,
            "alice@acme.example",
            "known outage",
            T0.plusSeconds(60),
            until,
            ticket));
  }

  @Test
  void anAcknowledgementWithAnExpiryReopensTheFollowUpWhenItExpires() {
    FollowUp f = escalated();
    Instant until = T0.plus(Duration.ofHours(2));
    ack(f, until, "SEC-42");

    FollowUp acked = h.newFollowUps().get(0);
    assertEquals(State.ACKNOWLEDGED, acked.state());
    assertEquals(until, acked.acknowledgedUntil());
    assertEquals("SEC-42", acked.ticket());
    assertTrue(acked.cause().contains("until " + until + ", ticket SEC-42"), acked.cause());
    assertEquals(1, h.gauge("vigil.followups.acknowledged.expiring"));

    h.advance(Duration.ofMinutes(90)); // before the expiry: nothing
    assertTrue(h.newFollowUps().isEmpty());

    h.advance(Duration.ofMinutes(31)); // past it
    List<FollowUp> out = h.newFollowUps();
    assertEquals(1, out.size(), out.toString());
    FollowUp reopened = out.get(0);
    assertEquals(State.ESCALATED, reopened.state(), "back to the state it was acknowledged from");
    assertEquals(f.followUpId(), reopened.followUpId());
    assertTrue(
        reopened
            .cause()
            .startsWith(
                "acknowledgement by alice@acme.example expired at "
                    + until
                    + " (ticket SEC-42); back to ESCALATED"),
        reopened.cause());
    assertNull(reopened.acknowledgedUntil());
    assertEquals("SEC-42", reopened.ticket(), "the ticket travels on");
    assertEquals(1, h.counter("vigil.followups.acknowledgements.expired"));
    assertEquals(0, h.gauge("vigil.followups.acknowledged.expiring"));
    assertEquals(1, h.gauge("vigil.followups.open", "kind", "FAIL_OPEN", "state", "ESCALATED"));

    h.advance(Duration.ofHours(3));
    assertTrue(h.newFollowUps().isEmpty(), "expires once");
  }

  @Test
  void anAcknowledgementWithoutExpiryNeverReopens() {
    FollowUp f = escalated();
    ack(f, null, null);
    assertEquals(State.ACKNOWLEDGED, h.newFollowUps().get(0).state());
    h.advance(Duration.ofDays(3));
    assertTrue(h.newFollowUps().isEmpty());
    assertEquals(0, h.gauge("vigil.followups.acknowledged.expiring"));
  }

  @Test
  void aRenewedAcknowledgementExpiresAtItsNewTime() {
    FollowUp f = escalated();
    ack(f, T0.plus(Duration.ofHours(1)), "SEC-1");
    h.newFollowUps();
    ack(f, T0.plus(Duration.ofHours(5)), "SEC-2");
    FollowUp renewed = h.newFollowUps().get(0);
    assertTrue(
        renewed.cause().startsWith("acknowledgement renewed by alice@acme.example"),
        renewed.cause());
    assertEquals("SEC-2", renewed.ticket());

    h.advance(Duration.ofHours(2));
    assertTrue(h.newFollowUps().isEmpty(), "the first expiry no longer applies");
    h.advance(Duration.ofHours(4));
    FollowUp reopened = h.newFollowUps().get(0);
    assertEquals(
        State.ESCALATED, reopened.state(), "back to the state before the first acknowledgement");
  }

  @Test
  void aFailOpenWhosePodsWentWhileAcknowledgedResolvesWhenTheAcknowledgementExpires() {
    FollowUp f = escalated();
    ack(f, T0.plus(Duration.ofHours(1)), null);
    h.newFollowUps();
    PodEvent gone =
        Fixtures.pod(PodEvent.Type.DELETED, "payments", "api-1", 11, OWNER, image(API, 'a'));
    h.send(Topics.POD_EVENTS, gone.key(), gone);
    assertTrue(h.newFollowUps().isEmpty(), "followed quietly while acknowledged");

    h.advance(Duration.ofHours(2));
    FollowUp closed = h.newFollowUps().get(0);
    assertEquals(State.RESOLVED, closed.state());
    assertTrue(
        closed.cause().contains("expired")
            && closed.cause().contains("every pod admitted this way is gone"),
        closed.cause());
  }

  @Test
  void aPodMadeCompliantWhileAcknowledgedIsJudgedWhenTheAcknowledgementExpires() {
    FollowUp f = escalated();
    ack(f, T0.plus(Duration.ofHours(1)), null);
    h.newFollowUps();
    h.send(
        Topics.POLICIES,
        Fixtures.enforced(2, "ALWAYS_ALLOW").key(),
        Fixtures.enforced(2, "ALWAYS_ALLOW"));
    h.advance(Duration.ofSeconds(2));
    assertTrue(h.newFollowUps().isEmpty());

    h.advance(Duration.ofHours(1));
    List<FollowUp> out = h.newFollowUps();
    assertEquals(
        List.of(State.ESCALATED, State.RESOLVED),
        out.stream().map(FollowUp::state).toList(),
        "re-opened, then judged from what its pods did meanwhile");
  }
}
