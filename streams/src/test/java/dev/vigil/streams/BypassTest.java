package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.T0;
import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUp.Kind;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.WorkloadRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suspected quota-exhaustion bypasses (issue 18): denials of an image by a principal, then a
 * fail-open admission of it by the same principal within the window.
 */
class BypassTest {

  static final String PROBE = "us-docker.pkg.dev/acme/app/probe";
  static final String MALLORY = "mallory@acme.example";
  static final String BOB = "bob@acme.example";

  @TempDir Path dir;
  TopologyHarness h;
  int audit;

  @BeforeEach
  void start() {
    h = new TopologyHarness(dir);
    h.send(
        Topics.POLICIES,
        Fixtures.enforced(1, "ALWAYS_DENY").key(),
        Fixtures.enforced(1, "ALWAYS_DENY"));
  }

  @AfterEach
  void stop() {
    h.close();
  }

  /**
   * An admission by {@code user} at {@code T0 + minute} minutes: denied, failed open or breakglass.
   */
  private AdmissionEvent admission(
      String user,
      String pod,
      WorkloadRef owner,
      String image,
      double minute,
      boolean denied,
      boolean failedOpen,
      boolean breakglass) {
    String id = "audit-" + (++audit);
    return new AdmissionEvent(
        "ev-" + id,
        Fixtures.CLUSTER,
        AdmissionEvent.Source.KUBERNETES_AUDIT,
        id,
        "ResponseComplete",
        "create",
        owner.namespace(),
        pod,
        null,
        user,
        "default",
        owner,
        List.of(new ContainerImage("c0", ContainerImage.Kind.CONTAINER, image, null)),
        denied,
        false,
        breakglass,
        failedOpen
            ? new AdmissionEvent.FailedOpen(
                AdmissionEvent.FailedOpen.Mechanism.GKE_BINARY_AUTHORIZATION, "quota exceeded")
            : null,
        denied ? 400 : 201,
        denied ? "VIOLATES_POLICY" : "Created",
        Map.of(),
        T0.plusMillis((long) (minute * 60_000)));
  }

  private void send(AdmissionEvent a) {
    h.send(Topics.ADMISSION_EVENTS, a.key(), a);
  }

  private void denied(String user, String pod, WorkloadRef owner, String image, double minute) {
    send(admission(user, pod, owner, image, minute, true, false, false));
  }

  private void failedOpen(String user, String pod, WorkloadRef owner, String image, double minute) {
    send(admission(user, pod, owner, image, minute, false, true, false));
    running(pod, owner, image);
  }

  private void running(String pod, WorkloadRef owner, String image) {
    PodEvent p = added(owner.namespace(), pod, 100 + audit, owner, image);
    h.send(Topics.POD_EVENTS, p.key(), p);
  }

  private FollowUp latest(WorkloadRef owner, Kind kind) {
    h.newFollowUps();
    return h.allFollowUps.stream()
        .filter(f -> f.owner().equals(owner) && f.kind() == kind)
        .reduce((a, b) -> b)
        .orElseThrow(
            () -> new AssertionError("no follow-up for " + owner + " in " + h.allFollowUps));
  }

  @Test
  void denialsThenAFailOpenBySameUserIsASuspectedBypassAndAnotherUsersFailOpenIsNot() {
    WorkloadRef probe = new WorkloadRef(WorkloadRef.Kind.POD, "payments", "probe");
    WorkloadRef web = deployment("payments", "web");
    String digest = image(PROBE, 'e');
    for (int i = 0; i < 4; i++) {
      denied(MALLORY, "probe", probe, digest, i * 0.5); // kubectl run probe, again and again
    }
    failedOpen(MALLORY, "probe", probe, digest, 2.5); // the quota is exhausted: admitted fail-open
    failedOpen(BOB, "web-1", web, image("us-docker.pkg.dev/acme/app/web", 'f'), 2.6); // same outage

    FollowUp bypass = latest(probe, Kind.FAIL_OPEN);
    assertEquals(Boolean.TRUE, bypass.suspectedBypass(), bypass.toString());
    assertEquals(4, bypass.priorDenials());
    assertTrue(bypass.severity().atLeast(Severity.HIGH), bypass.severity().wire());
    assertTrue(
        bypass
            .cause()
            .contains(
                "suspected bypass: 4 denials of digest "
                    + Fixtures.digest('e')
                    + " by "
                    + MALLORY
                    + " within PT10M"),
        bypass.cause());
    assertEquals(1, h.counter("vigil.followups.suspected.bypass"));

    FollowUp other = latest(web, Kind.FAIL_OPEN);
    assertNull(other.suspectedBypass(), other.toString());
    assertNull(other.priorDenials());

    h.advance(Duration.ofSeconds(5)); // the re-evaluation: the policy denies the image
    FollowUp judged = latest(probe, Kind.FAIL_OPEN);
    assertEquals(FollowUp.State.ESCALATED, judged.state());
    assertEquals(Severity.CRITICAL, judged.severity(), "the bypass got a denied image running");
    assertEquals(Boolean.TRUE, judged.suspectedBypass(), "the flag stays");
    assertEquals(Severity.HIGH, latest(web, Kind.FAIL_OPEN).severity());
  }

  @Test
  void generatedPodNamesByTagCorrelateByWorkload() {
    WorkloadRef api = deployment("payments", "api");
    String byTag = PROBE + ":latest";
    for (int i = 0; i < 3; i++) {
      denied(MALLORY, "api-7d9f8c6b5-", api, byTag, i); // a denied create keeps the generateName
    }
    failedOpen(MALLORY, "api-7d9f8c6b5-x2x9q", api, byTag, 3.0);

    FollowUp f = latest(api, Kind.FAIL_OPEN);
    assertEquals(Boolean.TRUE, f.suspectedBypass(), f.toString());
    assertEquals(3, f.priorDenials());
    assertTrue(f.cause().contains("workload payments/DEPLOYMENT/api"), f.cause());
  }

  @Test
  void fewerDenialsThanTheThresholdAreCountedButNotSuspected() {
    WorkloadRef probe = new WorkloadRef(WorkloadRef.Kind.POD, "payments", "probe");
    denied(MALLORY, "probe", probe, image(PROBE, 'e'), 0);
    denied(MALLORY, "probe", probe, image(PROBE, 'e'), 1);
    failedOpen(MALLORY, "probe", probe, image(PROBE, 'e'), 2);

    FollowUp f = latest(probe, Kind.FAIL_OPEN);
    assertNull(f.suspectedBypass());
    assertEquals(2, f.priorDenials());
    assertEquals(Severity.MEDIUM, f.severity());
    assertEquals(0, h.counter("vigil.followups.suspected.bypass"));
  }

  @Test
  void denialsOutsideTheWindowOrByAnotherPrincipalDoNotCount() {
    WorkloadRef probe = new WorkloadRef(WorkloadRef.Kind.POD, "payments", "probe");
    for (int i = 0; i < 3; i++) {
      denied(MALLORY, "probe", probe, image(PROBE, 'e'), i); // 20 minutes before
      denied(BOB, "probe", probe, image(PROBE, 'e'), 15 + i); // by someone else
    }
    failedOpen(MALLORY, "probe", probe, image(PROBE, 'e'), 22);

    FollowUp f = latest(probe, Kind.FAIL_OPEN);
    assertNull(f.suspectedBypass(), f.toString());
    assertNull(f.priorDenials());
  }

  @Test
  void aBreakglassAfterDenialsCarriesPriorDenialsButIsNotASuspectedBypass() {
    WorkloadRef api = deployment("payments", "api");
    for (int i = 0; i < 3; i++) {
      denied(MALLORY, "api-1", api, image(PROBE, 'e'), i);
    }
    send(admission(MALLORY, "api-1", api, image(PROBE, 'e'), 4, false, false, true));
    running("api-1", api, image(PROBE, 'e'));

    FollowUp f = latest(api, Kind.BREAKGLASS);
    assertEquals(3, f.priorDenials());
    assertNull(f.suspectedBypass());
    assertTrue(f.severity().atLeast(Severity.MEDIUM));
  }

  @Test
  void denialsThatArriveAfterTheFailOpenStillMakeItASuspectedBypass() {
    WorkloadRef probe = new WorkloadRef(WorkloadRef.Kind.POD, "payments", "probe");
    AdmissionEvent late1 =
        admission(MALLORY, "probe", probe, image(PROBE, 'e'), 0, true, false, false);
    AdmissionEvent late2 =
        admission(MALLORY, "probe", probe, image(PROBE, 'e'), 1, true, false, false);
    AdmissionEvent late3 =
        admission(MALLORY, "probe", probe, image(PROBE, 'e'), 2, true, false, false);
    failedOpen(MALLORY, "probe", probe, image(PROBE, 'e'), 3);
    FollowUp first = latest(probe, Kind.FAIL_OPEN);
    assertNull(first.suspectedBypass());

    send(late1);
    send(late2);
    send(late2); // the audit webhook may deliver an event twice
    assertEquals(2, latest(probe, Kind.FAIL_OPEN).priorDenials());
    assertNull(latest(probe, Kind.FAIL_OPEN).suspectedBypass());
    send(late3);

    FollowUp f = latest(probe, Kind.FAIL_OPEN);
    assertEquals(Boolean.TRUE, f.suspectedBypass(), f.toString());
    assertEquals(3, f.priorDenials());
    assertEquals(first.followUpId(), f.followUpId());
  }

  @Test
  void evidenceThatComesBeforeThePodStillReachesTheFollowUpWhenItOpens() {
    WorkloadRef probe = new WorkloadRef(WorkloadRef.Kind.POD, "payments", "probe");
    for (int i = 0; i < 3; i++) {
      denied(MALLORY, "probe", probe, image(PROBE, 'e'), i);
    }
    send(
        admission(
            MALLORY, "probe", probe, image(PROBE, 'e'), 3, false, true, false)); // no pod event yet
    h.newFollowUps();
    assertTrue(h.allFollowUps.isEmpty(), "the follow-up waits for its pod");

    running("probe", probe, image(PROBE, 'e'));

    List<FollowUp> f = h.newFollowUps();
    assertEquals(FollowUp.State.OPEN, f.get(0).state());
    assertEquals(Boolean.TRUE, f.get(0).suspectedBypass(), "the opening record carries it");
    assertEquals(3, f.get(0).priorDenials());
    assertFalse(f.get(0).cause().isEmpty());
  }

  /** ADR 0155: admissions are forgotten the bypass window and the skew after the newest one. */
  @Test
  void admissionsAreForgottenAfterTheWindowAndTheSkew() {
    WorkloadRef probe = new WorkloadRef(WorkloadRef.Kind.POD, "payments", "probe");
    String digest = image(PROBE, 'e');
    denied(MALLORY, "probe", probe, digest, 0);
    var store = h.driver.<String, byte[]>getKeyValueStore(StoreNames.BYPASS_ADMISSIONS);
    assertEquals(2, keys(store).size(), "the admission and its expiry entry: " + keys(store));

    h.later(Duration.ofHours(1));
    denied(MALLORY, "probe", probe, digest, 60);

    List<String> kept = keys(store);
    assertEquals(2, kept.size(), kept.toString());
    assertTrue(kept.stream().allMatch(k -> k.contains("|audit-2")), kept.toString());
  }

  /**
   * A denial is kept as its key (time and audit id are all that is counted); a fail-open admission
   * without its images and annotations: what the evidence names. The suspected bypass is still
   * found from them, and an admission stored whole (the build before) still counts.
   */
  @Test
  void denialsAreKeptAsTheirKeysAndAdmittedOnesWithoutImages() {
    WorkloadRef probe = new WorkloadRef(WorkloadRef.Kind.POD, "payments", "probe");
    String digest = image(PROBE, 'e');
    var store = h.driver.<String, byte[]>getKeyValueStore(StoreNames.BYPASS_ADMISSIONS);
    // as the build before kept a denial: its whole JSON
    AdmissionEvent old = admission(MALLORY, "probe", probe, digest, 0, true, false, false);
    String oldKey =
        BypassCorrelator.subjects(old).get(0).key
            + "|"
            + BypassCorrelator.time(old.requestReceivedAt().toEpochMilli())
            + "|"
            + old.auditId();
    store.put(oldKey, dev.vigil.schemas.Json.write(old));
    for (int i = 1; i < 3; i++) {
      denied(MALLORY, "probe", probe, digest, i * 0.5);
    }
    failedOpen(MALLORY, "probe", probe, digest, 2.5);

    try (var it = store.all()) {
      it.forEachRemaining(
          kv -> {
            if (kv.key.startsWith("~") || kv.key.equals(oldKey)) {
              return;
            }
            if (kv.key.contains("|admitted|")) {
              AdmissionEvent kept = dev.vigil.schemas.Json.read(kv.value, AdmissionEvent.class);
              assertEquals(List.of(), kept.images(), kv.key);
              assertEquals(MALLORY, kept.user());
              assertTrue(kept.failedOpen() != null, kv.key);
            } else {
              assertEquals(1, kv.value.length, kv.key);
            }
          });
    }
    FollowUp bypass = latest(probe, Kind.FAIL_OPEN);
    assertEquals(3, bypass.priorDenials(), "the old whole one and the two new ones");
    assertEquals(Boolean.TRUE, bypass.suspectedBypass(), bypass.toString());
  }

  private static List<String> keys(
      org.apache.kafka.streams.state.KeyValueStore<String, byte[]> store) {
    List<String> out = new java.util.ArrayList<>();
    try (var it = store.all()) {
      it.forEachRemaining(
          kv -> {
            if (!kv.key.equals(BypassCorrelator.NEWEST)) {
              out.add(kv.key);
            }
          });
    }
    return out;
  }

  @Test
  void theSettingsAreTyped() {
    var s =
        StreamsSettings.fromMap(
            Map.of("streams.bypass-denials", "5", "streams.bypass-window", "30m"),
            "127.0.0.1:9",
            dir);
    assertEquals(5, s.bypassDenials());
    assertEquals(Duration.ofMinutes(30), s.bypassWindow());
    var ex =
        org.junit.jupiter.api.Assertions.assertThrows(
            dev.vigil.schemas.settings.SettingException.class,
            () ->
                StreamsSettings.fromMap(Map.of("streams.bypass-denials", "0"), "127.0.0.1:9", dir));
    assertTrue(ex.getMessage().contains("streams.bypass-denials"), ex.getMessage());
  }
}
