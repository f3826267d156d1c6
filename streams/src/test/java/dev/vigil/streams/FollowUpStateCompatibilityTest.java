package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.JsonSerde;
import dev.vigil.schemas.Severity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The follow-ups store and the follow-up signals topic hold JSON written by the previous version
 * (follow-up v1: images as strings, no severity): after an upgrade they still read and the
 * lifecycle carries on from them.
 */
class FollowUpStateCompatibilityTest {

  static final String IMAGE = "us-docker.pkg.dev/acme/app/api@sha256:" + "ab".repeat(32);

  static final String V1_STATE =
      """
      {"current":{"followUpId":"us-central1-a.prod/payments/DEPLOYMENT/api/FAIL_OPEN#1",
        "clusterId":"us-central1-a.prod","owner":{"kind":"DEPLOYMENT","namespace":"payments","name":"api"},
        "kind":"FAIL_OPEN","state":"ESCALATED","cause":"re-evaluation: 1 of 1 pods run images the policy denies",
        "reevaluation":"DENY","podCount":1,"pods":["api-1"],"images":["%s"],
        "users":["system:serviceaccount:kube-system:replicaset-controller"],"detail":"admission failed open",
        "firstSeen":"2026-11-20T10:00:00Z","lastSeen":"2026-11-20T10:00:00Z","changedAt":"2026-11-20T10:00:05Z"},
       "cycle":1,"pods":{"api-1":{"live":true,"decision":"DENY"}},"policyVersions":["p@1"],
       "lastAdmittedAt":"2026-11-20T10:00:00Z","held":false}
      """
          .formatted(IMAGE);

  static final String V1_SIGNAL =
      """
      {"type":"ADMITTED","clusterId":"c","owner":{"kind":"DEPLOYMENT","namespace":"ns","name":"api"},
       "kind":"FAIL_OPEN","pod":"api-2","images":["%s"],"user":"u","decision":"DENY","policyVersions":[],
       "at":"2026-11-20T10:00:00Z"}
      """
          .formatted(IMAGE);

  @Test
  void aStoredStateOfThePreviousVersionReadsAndMovesOn() {
    FollowUpState s =
        new JsonSerde<>(FollowUpState.class)
            .deserializer()
            .deserialize("followups-store-changelog", V1_STATE.getBytes(StandardCharsets.UTF_8));

    assertEquals(List.of(FollowUp.Image.of(IMAGE)), s.current().images());
    assertEquals("sha256:" + "ab".repeat(32), s.current().images().get(0).digest());
    assertEquals(Severity.HIGH, s.current().severity());
    assertNull(s.acknowledgedFrom());

    FollowUpAck ack =
        new FollowUpAck(
            s.current().followUpId(),
            FollowUpAck.Action.ACKNOWLEDGE,
            "alice",
            "known",
            Instant.parse("2026-11-20T11:00:00Z"),
            Instant.parse("2026-11-21T11:00:00Z"),
            "SEC-1");
    FollowUpLifecycle.Result r =
        FollowUpLifecycle.onAck(s, ack, Instant.parse("2026-11-20T11:00:01Z"));

    FollowUp f = r.emitted().get(0);
    assertEquals(FollowUp.State.ACKNOWLEDGED, f.state());
    assertEquals("SEC-1", f.ticket());
    assertEquals(FollowUp.State.ESCALATED, r.state().acknowledgedFrom());
  }

  @Test
  void aSignalOfThePreviousVersionReads() {
    FollowUpSignal sig =
        new JsonSerde<>(FollowUpSignal.class)
            .deserializer()
            .deserialize("followup-signals", V1_SIGNAL.getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(FollowUp.Image.of(IMAGE)), sig.images());
  }
}
