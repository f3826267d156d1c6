package dev.vigil.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.report.Report.FollowUpEntry;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Heartbeat;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.WorkloadRef;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ReportBuilderTest {

  static final Clock LATER = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);
  static final WorkloadRef API = new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "payments", "api");

  static Report scenarioReport(ReportSettings settings) {
    ReportBuilder builder = new ReportBuilder(settings, LATER);
    Scenario.feed(builder);
    return builder.build();
  }

  static Report scenarioReport() {
    return scenarioReport(ReportSettings.of(Scenario.FROM, Scenario.TO));
  }

  /** The numbers every format must show for the scenario over its whole period. */
  static void assertScenarioNumbers(Report r) {
    Report.Counts c = r.summary();
    assertEquals(new Report.Counts(34, 31, 3, 2, 6, 2, 1, 4, 2), c);

    assertEquals(2, r.outages().size());
    Report.Outage first = r.outages().get(0);
    assertEquals(Instant.parse("2026-11-03T10:00:00Z"), first.start());
    assertEquals(Instant.parse("2026-11-03T10:20:00Z"), first.end());
    assertEquals(5, first.failOpenAdmissions());
    assertEquals(List.of("checkout", "payments"), first.namespaces());
    assertEquals(List.of("IMAGE_POLICY_WEBHOOK"), first.mechanisms());
    assertEquals(1, r.outages().get(1).failOpenAdmissions());

    assertEquals(
        List.of("fu-f", "fu-s", "fu-a", "fu-b", "fu-d", "fu-c", "fu-e", "fu-i"),
        ids(r.followUps()));
    assertEquals(List.of("fu-f", "fu-e", "fu-i"), ids(r.stillOpen()));
    assertEquals(List.of("fu-f"), ids(r.pastDeadline()));

    Map<String, FollowUpEntry> byId =
        r.followUps().stream()
            .collect(Collectors.toMap(FollowUpEntry::followUpId, Function.identity()));
    FollowUpEntry a = byId.get("fu-a");
    assertEquals(FollowUp.State.RESOLVED, a.state());
    assertEquals(
        Duration.ofHours(5), a.timeToClose(), "closed when acknowledged, not when resolved");
    assertEquals("bob@acme.example", a.acknowledgedBy());
    assertEquals(Instant.parse("2026-11-03T15:00:00Z"), a.acknowledgedAt());
    FollowUpEntry d = byId.get("fu-d");
    assertEquals(FollowUp.Kind.BREAKGLASS, d.kind());
    assertEquals(FollowUp.State.ACKNOWLEDGED, d.state());
    assertEquals("carol@acme.example", d.acknowledgedBy());
    assertEquals(Scenario.HOSTILE_NOTE, d.note());
    assertEquals(Duration.ofHours(1), d.timeToClose());
    assertEquals(List.of("alice@acme.example"), d.users());
    FollowUpEntry e = byId.get("fu-e");
    assertTrue(e.open());
    assertEquals(FollowUp.State.ESCALATED, e.state());
    assertEquals(Duration.ofHours(40), e.age());
    assertNull(e.closedAt());
    assertFalse(e.pastDeadline());
    assertEquals(Duration.ofDays(14), byId.get("fu-f").age());
    assertEquals(
        FollowUp.State.OPEN,
        byId.get("fu-i").state(),
        "the change after the period does not count");

    assertEquals(5, r.timeToClose().closed());
    assertEquals(Duration.ofSeconds(5136), r.timeToClose().mean());
    assertEquals(Duration.ofHours(5), r.timeToClose().p95());

    assertEquals(2, r.violatingAtEnd().size());
    Report.ViolatingWorkload web = r.violatingAtEnd().get(0);
    assertEquals("web", web.owner().name());
    assertEquals(Decision.UNKNOWN, web.decision());
    Report.ViolatingWorkload api = r.violatingAtEnd().get(1);
    assertEquals("api", api.owner().name());
    assertEquals(3, api.pods());
    assertEquals(List.of("api-2", "api-3", "api-4"), api.podNames());
    assertEquals(Decision.DENY, api.decision());
    assertEquals(Instant.parse("2026-11-03T11:00:00Z"), api.openSince());

    // Every workload that violated in the period, not only those violating at its end: legacy's
    // violation resolved on 11-02, web's was open through the period, tool's opened after it.
    List<Report.PeriodViolations> period = r.violationsInPeriod();
    assertEquals(
        List.of("legacy", "web", "api"), period.stream().map(w -> w.owner().name()).toList());
    Report.PeriodViolations legacy = period.get(0);
    assertEquals(Decision.DENY, legacy.decision());
    assertEquals(0, legacy.openAtEnd());
    assertEquals(Instant.parse("2026-10-15T00:00:00Z"), legacy.firstOpened());
    Report.PeriodViolations inPeriodApi = period.get(2);
    assertEquals(List.of("api-1", "api-2", "api-3", "api-4"), inPeriodApi.podNames());
    assertEquals(4, inPeriodApi.pods());
    assertEquals(3, inPeriodApi.openAtEnd());
    assertEquals(Decision.DENY, inPeriodApi.decision());
    assertEquals(1, period.get(1).openAtEnd());
  }

  static List<String> ids(List<FollowUpEntry> entries) {
    return entries.stream().map(FollowUpEntry::followUpId).toList();
  }

  @Test
  void scenarioOverItsWeekGivesTheExpectedNumbers() {
    Report r = scenarioReport();

    assertScenarioNumbers(r);
    assertEquals(Scenario.TO, r.asOf());
    assertEquals(1, r.input().duplicateAdmissionEvents());
  }

  @Test
  void countsPerClusterAndNamespaceAddUpAndCarryTheirOutages() {
    Report r = scenarioReport();

    Map<String, Report.Counts> byNs =
        r.byNamespace().stream()
            .collect(
                Collectors.toMap(
                    n -> n.clusterId() + "/" + n.namespace(), Report.NamespaceCounts::counts));
    assertEquals(
        Set.of(
            Scenario.PROD + "/payments",
            Scenario.PROD + "/checkout",
            Scenario.PROD + "/sandbox",
            Scenario.STAGING + "/default"),
        byNs.keySet());
    assertEquals(
        new Report.Counts(15, 15, 0, 0, 4, 2, 1, 4, 1), byNs.get(Scenario.PROD + "/payments"));
    assertEquals(
        new Report.Counts(15, 12, 3, 0, 2, 1, 0, 0, 1), byNs.get(Scenario.PROD + "/checkout"));
    assertEquals(
        r.summary().admissions(),
        byNs.values().stream().mapToLong(Report.Counts::admissions).sum());
  }

  @Test
  void clusterFilterLeavesTheOtherClusterOut() {
    Report r =
        scenarioReport(
            new ReportSettings(
                Scenario.FROM, Scenario.TO, Set.of(Scenario.PROD), Set.of(), null, null, null));

    assertEquals(32, r.summary().admissions());
    assertFalse(ids(r.followUps()).contains("fu-s"));
    assertEquals(4, r.timeToClose().closed());
  }

  @Test
  void namespaceFilterKeepsOnlyThatNamespace() {
    Report r =
        scenarioReport(
            new ReportSettings(
                Scenario.FROM, Scenario.TO, Set.of(), Set.of("payments"), null, null, null));

    assertEquals(15, r.summary().admissions());
    assertEquals(List.of("fu-a", "fu-d", "fu-c"), ids(r.followUps()));
    assertEquals(List.of("api"), r.violatingAtEnd().stream().map(w -> w.owner().name()).toList());
    assertEquals(2, r.summary().failOpenOutages());
  }

  @Test
  void aShorterDeadlineMarksSlowClosesAsLate() {
    Report r =
        scenarioReport(
            new ReportSettings(
                Scenario.FROM, Scenario.TO, Set.of(), Set.of(), Duration.ofHours(2), null, null));

    assertEquals(List.of("fu-f", "fu-a", "fu-e", "fu-i"), ids(r.pastDeadline()));
  }

  @Test
  void aWiderOutageGapMergesTheOutages() {
    Report r =
        scenarioReport(
            new ReportSettings(
                Scenario.FROM, Scenario.TO, Set.of(), Set.of(), null, Duration.ofDays(3), null));

    assertEquals(1, r.outages().size());
    assertEquals(6, r.outages().get(0).failOpenAdmissions());
  }

  @Test
  void aNarrowerOutageGapSplitsTheOutage() {
    Report r =
        scenarioReport(
            new ReportSettings(
                Scenario.FROM, Scenario.TO, Set.of(), Set.of(), null, Duration.ofMinutes(5), null));

    // Gaps of 2, 3, 7 and 8 minutes: 10:00-10:05, 10:12, 10:20, and 5 November.
    assertEquals(
        List.of(3L, 1L, 1L, 1L),
        r.outages().stream().map(Report.Outage::failOpenAdmissions).toList());
  }

  @Test
  void agesRunOnlyUntilNowWhenThePeriodEndsInTheFuture() {
    Clock midPeriod = Clock.fixed(Instant.parse("2026-11-07T00:00:00Z"), ZoneOffset.UTC);
    ReportBuilder builder =
        new ReportBuilder(ReportSettings.of(Scenario.FROM, Scenario.TO), midPeriod);
    Scenario.feed(builder);

    Report r = builder.build();

    assertEquals(midPeriod.instant(), r.asOf());
    assertEquals(
        Duration.ofHours(16),
        r.followUps().stream()
            .filter(f -> f.followUpId().equals("fu-e"))
            .findFirst()
            .orElseThrow()
            .age());
  }

  @Test
  void deadLettersOfThePeriodAreCountedByComponentSourceAndError() {
    ReportBuilder b = new ReportBuilder(ReportSettings.of(Scenario.FROM, Scenario.TO), LATER);
    b.deadLetter(
        deadLetter(
            "streams", "vigil.pod-events", "UnreadableMessageException", "2026-10-31T23:59:59Z"));
    b.deadLetter(
        deadLetter(
            "streams", "vigil.pod-events", "UnreadableMessageException", "2026-11-02T10:00:00Z"));
    b.deadLetter(
        deadLetter(
            "streams", "vigil.pod-events", "UnreadableMessageException", "2026-11-01T08:00:00Z"));
    b.deadLetter(deadLetter("ingest", "audit", "JsonParseException", "2026-11-03T00:00:00Z"));
    b.deadLetter(deadLetter("ingest", "audit", "JsonParseException", "2026-11-08T00:00:00Z"));

    List<Report.DeadLetters> d = b.build().deadLetters();

    assertEquals(
        List.of(
            new Report.DeadLetters(
                "ingest",
                "audit",
                "JsonParseException",
                1,
                Instant.parse("2026-11-03T00:00:00Z"),
                Instant.parse("2026-11-03T00:00:00Z")),
            new Report.DeadLetters(
                "streams",
                "vigil.pod-events",
                "UnreadableMessageException",
                2,
                Instant.parse("2026-11-01T08:00:00Z"),
                Instant.parse("2026-11-02T10:00:00Z"))),
        d);
  }

  @Test
  void policiesShowTheRevisionInForceAtTheStartAndEveryChangeInThePeriod() {
    ReportBuilder b = new ReportBuilder(ReportSettings.of(Scenario.FROM, Scenario.TO), LATER);
    b.policy(policy("global", 1, "2026-10-01T00:00:00Z"));
    b.policy(policy("global", 2, "2026-10-20T00:00:00Z"));
    b.policy(policy("global", 3, "2026-11-05T00:00:00Z"));
    b.policy(policy("global", 3, "2026-11-05T00:00:00Z"));
    b.policy(policy("global", 4, "2026-11-09T00:00:00Z"));
    b.policy(policy("cluster-a", 7, "2026-11-02T00:00:00Z"));

    List<Report.PolicyRevision> p = b.build().policies();

    assertEquals(
        List.of(
            "BINAUTHZ_POLICY/cluster-a/policy.yaml@7 changed",
            "BINAUTHZ_POLICY/global/policy.yaml@2 in force",
            "BINAUTHZ_POLICY/global/policy.yaml@3 changed"),
        p.stream()
            .map(r -> r.key() + "@" + r.version() + (r.inForceAtStart() ? " in force" : " changed"))
            .toList());
  }

  private static dev.vigil.schemas.PolicyDocument policy(String scope, long version, String at) {
    return dev.vigil.schemas.PolicyDocument.of(
        scope,
        dev.vigil.schemas.PolicyDocument.Kind.BINAUTHZ_POLICY,
        "policy.yaml",
        version,
        dev.vigil.schemas.PolicyDocument.Format.YAML,
        "v" + version,
        "file:policy.yaml",
        Instant.parse(at));
  }

  private static dev.vigil.schemas.DeadLetter deadLetter(
      String component, String source, String type, String at) {
    return new dev.vigil.schemas.DeadLetter(
        component, source, 0, 1L, "k", null, 3, type, "bad", Instant.parse(at));
  }

  @Test
  void settingsRefuseAnEmptyPeriod() {
    assertThrows(
        IllegalArgumentException.class, () -> ReportSettings.of(Scenario.TO, Scenario.FROM));
    assertThrows(IllegalArgumentException.class, () -> ReportSettings.of(Scenario.TO, Scenario.TO));
  }

  /**
   * A replay processed on 2026-11-25 of events from 2026-11-19: follow-ups and violations are dated
   * by the events that caused them, not by when Vigil processed them.
   */
  @Test
  void recordsWithEventTimesAreDatedByThem() {
    Instant processed = Instant.parse("2026-11-25T09:00:00Z");
    Instant admitted = Instant.parse("2026-11-19T10:00:00Z");
    Instant acked = Instant.parse("2026-11-19T13:30:00Z");
    Instant podSeen = Instant.parse("2026-11-19T10:00:02Z");
    WorkloadRef api = new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "payments", "api");
    WorkloadRef web = new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "payments", "web");
    ReportBuilder b =
        new ReportBuilder(
            ReportSettings.of(
                Instant.parse("2026-11-18T00:00:00Z"), Instant.parse("2026-11-26T00:00:00Z")),
            LATER);
    b.followUp(
        followUp("replayed#1", api, FollowUp.State.OPEN, processed, processed, null, admitted));
    b.followUp(
        followUp(
            "replayed#1",
            api,
            FollowUp.State.ACKNOWLEDGED,
            processed,
            processed.plusSeconds(5),
            "bob@acme.example",
            acked));
    // written before event times were kept: dated by processing time, as before
    b.followUp(followUp("legacy#1", web, FollowUp.State.OPEN, processed, processed, null, null));
    b.violation(violation(ViolationTransition.Transition.OPENED, processed, podSeen));
    b.violation(violation(ViolationTransition.Transition.CHANGED, processed.plusSeconds(60), null));

    Report r = b.build();

    Map<String, FollowUpEntry> byId =
        r.followUps().stream()
            .collect(Collectors.toMap(FollowUpEntry::followUpId, Function.identity()));
    FollowUpEntry replayed = byId.get("replayed#1");
    assertEquals(admitted, replayed.firstSeen());
    assertEquals(acked, replayed.closedAt());
    assertEquals(acked, replayed.acknowledgedAt());
    assertEquals(acked, replayed.lastChangedAt());
    assertEquals(Duration.ofMinutes(210), replayed.timeToClose());
    assertEquals(processed, byId.get("legacy#1").firstSeen());
    assertEquals(List.of("replayed#1", "legacy#1"), ids(r.followUps()), "ordered by first seen");

    assertEquals(
        podSeen, r.violatingAtEnd().get(0).openSince(), "opened when the pod event happened");
    assertEquals(podSeen, r.violationsInPeriod().get(0).firstOpened());
  }

  @Test
  void registryHygieneFindingsAreNotCountedAsPolicyViolations() {
    WorkloadRef api = new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "payments", "api");
    Instant at = Instant.parse("2026-11-20T09:00:00Z");
    ReportBuilder b =
        new ReportBuilder(
            ReportSettings.of(
                Instant.parse("2026-11-18T00:00:00Z"), Instant.parse("2026-11-26T00:00:00Z")),
            LATER);
    b.violation(
        new ViolationTransition(
            "hygiene/image-by-tag/prod/payments/api-1",
            "prod",
            "payments",
            "api-1",
            api,
            dev.vigil.schemas.ViolationCategory.HYGIENE,
            dev.vigil.schemas.Severity.LOW,
            List.of("hygiene/image-by-tag"),
            ViolationTransition.Transition.OPENED,
            null,
            null,
            "payments/api-1: hygiene/image-by-tag: api app:1",
            List.of(),
            List.of(),
            List.of("api names app:1 by tag"),
            null,
            at,
            at,
            at));

    Report r = b.build();

    assertEquals(List.of(), r.violatingAtEnd());
    assertEquals(List.of(), r.violationsInPeriod());
    assertEquals(0, r.summary().violationsOpened());
  }

  /**
   * A month of audit logs back-filled (replayed) today: its records are processed today but carry
   * October's event times, so they belong to October's report and not to today's.
   */
  @Test
  void aBackFilledMonthIsReportedInItsMonthNotOnTheDayItWasProcessed() {
    Instant today = Instant.parse("2026-11-25T09:00:00Z");
    Instant admitted = Instant.parse("2026-10-12T10:00:00Z");
    Instant podSeen = Instant.parse("2026-10-12T10:00:02Z");
    Instant deleted = Instant.parse("2026-10-14T08:00:00Z");
    Function<ReportSettings, Report> report =
        settings -> {
          ReportBuilder b = new ReportBuilder(settings, LATER);
          b.followUp(
              followUp("backfill#1", API, FollowUp.State.OPEN, today, today, null, admitted));
          b.followUp(
              followUp(
                  "backfill#1",
                  API,
                  FollowUp.State.RESOLVED,
                  today,
                  today.plusSeconds(1),
                  null,
                  deleted));
          b.violation(violation(ViolationTransition.Transition.OPENED, today, podSeen));
          b.violation(
              violation(ViolationTransition.Transition.RESOLVED, today.plusSeconds(1), deleted));
          // written before event times were kept: placed by when it was processed
          b.followUp(followUp("legacy#1", API, FollowUp.State.OPEN, today, today, null, null));
          return b.build();
        };

    Report october =
        report.apply(
            ReportSettings.of(
                Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-11-01T00:00:00Z")));
    assertEquals(List.of("backfill#1"), ids(october.followUps()));
    assertEquals(deleted, october.followUps().get(0).closedAt());
    assertEquals(1, october.summary().violationsOpened());
    assertEquals(1, october.summary().violationsResolved());
    assertEquals(1, october.violationsInPeriod().size());
    assertEquals(podSeen, october.violationsInPeriod().get(0).firstOpened());
    assertEquals(0, october.coverage().datedByProcessingTime());

    Report thisWeek =
        report.apply(
            ReportSettings.of(
                Instant.parse("2026-11-23T00:00:00Z"), Instant.parse("2026-11-30T00:00:00Z")));
    assertEquals(
        List.of("legacy#1"),
        ids(thisWeek.followUps()),
        "the back-fill is not in the week it was processed");
    assertEquals(0, thisWeek.summary().violationsOpened());
    assertEquals(List.of(), thisWeek.violationsInPeriod());
    assertEquals(1, thisWeek.coverage().datedByProcessingTime());
    assertTrue(
        Tables.scope(thisWeek).stream()
            .anyMatch(
                l ->
                    l.contains(
                        "1 violation and follow-up records carry none and are placed and dated by when Vigil processed them")),
        Tables.scope(thisWeek).toString());
  }

  /** Heartbeats 30 s apart with a stop of ten minutes: the stop, and only it, is a gap. */
  @Test
  void periodsWithoutHeartbeatsAreGaps() {
    Instant from = Instant.parse("2026-11-24T10:00:00Z");
    ReportBuilder b =
        new ReportBuilder(ReportSettings.of(from, from.plus(Duration.ofHours(1))), LATER);
    for (Instant t = from.minusSeconds(20);
        t.isBefore(from.plus(Duration.ofHours(1)));
        t = t.plusSeconds(30)) {
      boolean stopped = !t.isBefore(from.plusSeconds(600)) && t.isBefore(from.plusSeconds(1200));
      if (!stopped) {
        b.heartbeat(new Heartbeat("streams", "host-1/42", null, from.minusSeconds(3600), t, 30));
      }
      // ingest stops at 10:45 and does not come back within the hour
      if (t.isBefore(from.plusSeconds(2700))) {
        b.heartbeat(new Heartbeat("ingest", "host-2/7", null, from.minusSeconds(3600), t, 30));
      }
    }
    Report r = b.build();
    assertEquals(
        List.of(
            new Report.Gap(
                "streams",
                Instant.parse("2026-11-24T10:09:40Z"),
                Instant.parse("2026-11-24T10:20:10Z")),
            new Report.Gap(
                "ingest",
                Instant.parse("2026-11-24T10:44:40Z"),
                Instant.parse("2026-11-24T11:00:00Z"))),
        r.coverage().gaps());
    assertTrue(r.coverage().heartbeatsRead());

    ReportBuilder none =
        new ReportBuilder(ReportSettings.of(from, from.plus(Duration.ofHours(1))), LATER);
    assertEquals(
        List.of(), none.build().coverage().gaps(), "no heartbeat topic: not known, not a gap");
    none.heartbeatsRead();
    assertEquals(
        List.of(new Report.Gap("vigil", from, from.plus(Duration.ofHours(1)))),
        none.build().coverage().gaps(),
        "the topic holds no heartbeat of the period: Vigil did not run");
  }

  private static FollowUp followUp(
      String id,
      WorkloadRef owner,
      FollowUp.State state,
      Instant seen,
      Instant changed,
      String by,
      Instant eventTime) {
    return new FollowUp(
        id,
        "prod",
        owner,
        FollowUp.Kind.FAIL_OPEN,
        state,
        state.name().toLowerCase(),
        null,
        1,
        List.of("pod-1"),
        List.of("registry.example/app:1"),
        List.of("alice@acme.example"),
        null,
        seen,
        seen,
        changed,
        by,
        null,
        eventTime);
  }

  private static ViolationTransition violation(
      ViolationTransition.Transition t, Instant at, Instant eventTime) {
    String image = "us-docker.pkg.dev/acme/app/api@sha256:" + "ab".repeat(32);
    return new ViolationTransition(
        "viol-1",
        "prod",
        "payments",
        "api-1",
        API,
        ViolationCategory.POLICY,
        Severity.HIGH,
        List.of("defaultAdmissionRule"),
        t,
        t == ViolationTransition.Transition.OPENED ? null : Decision.DENY,
        Decision.DENY,
        "payments/api-1: DENY: api " + image + " fails defaultAdmissionRule",
        List.of(
            new ViolationTransition.ImageFinding(
                "api",
                image,
                "sha256:" + "ab".repeat(32),
                "defaultAdmissionRule",
                Decision.DENY,
                List.of("projects/acme/attestors/built-by-ci"),
                List.of(),
                List.of("no attestation"))),
        List.of("BINAUTHZ_POLICY/*/projects/acme/policy@1"),
        List.of("no attestation"),
        "verdict-1",
        Instant.parse("2026-11-25T09:00:00Z"),
        at,
        eventTime);
  }
}
