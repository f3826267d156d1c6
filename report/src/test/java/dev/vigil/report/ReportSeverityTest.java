package dev.vigil.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.Transition;
import dev.vigil.schemas.WorkloadRef;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Severity in the report: each violating workload shows the gravest severity of its violations, the
 * lists are sorted gravest first with v1 records (no severity) last as {@code unknown}, and {@code
 * --severity} keeps only violations at least that grave, never those of unknown severity.
 */
class ReportSeverityTest {

  static final Instant FROM = Instant.parse("2026-11-01T00:00:00Z");
  static final Instant TO = Instant.parse("2026-11-02T00:00:00Z");
  static final String CLUSTER = "us-central1-a.prod";

  static ViolationTransition opened(String name, Severity severity, String at) {
    WorkloadRef owner = new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "prod", name);
    Instant t = Instant.parse(at);
    Decision d = severity == Severity.LOW ? Decision.DRYRUN_DENY : Decision.DENY;
    return new ViolationTransition(
        "viol-" + name,
        CLUSTER,
        "prod",
        name + "-pod",
        owner,
        ViolationCategory.POLICY,
        severity,
        List.of("defaultAdmissionRule"),
        Transition.OPENED,
        null,
        d,
        name + " runs an unsigned image",
        List.of(),
        List.of("BINAUTHZ_POLICY/*/policy@1"),
        List.of("no attestation"),
        "verdict-" + name,
        t,
        t,
        t);
  }

  /** A record written before schema v2, as a reader gets it from the topic: no severity. */
  static ViolationTransition openedV1(String name, String at) {
    String v1 =
        """
        {"violationId":"viol-%1$s","clusterId":"%2$s","namespace":"prod","podName":"%1$s-pod",
         "owner":{"kind":"DEPLOYMENT","namespace":"prod","name":"%1$s"},"transition":"OPENED","current":"DENY",
         "reasons":["no attestation"],"verdictId":"verdict-%1$s","openedAt":"%3$s","at":"%3$s","eventTime":"%3$s"}
        """
            .formatted(name, CLUSTER, at);
    return Json.read(
        v1.getBytes(java.nio.charset.StandardCharsets.UTF_8), ViolationTransition.class);
  }

  static Report report(Severity minSeverity) {
    ReportBuilder b =
        new ReportBuilder(
            new ReportSettings(FROM, TO, Set.of(), Set.of(), null, null, null, minSeverity),
            ReportBuilderTest.LATER);
    b.violation(opened("low", Severity.LOW, "2026-11-01T01:00:00Z"));
    b.violation(openedV1("legacy", "2026-11-01T02:00:00Z"));
    b.violation(opened("medium", Severity.MEDIUM, "2026-11-01T03:00:00Z"));
    b.violation(opened("critical", Severity.CRITICAL, "2026-11-01T04:00:00Z"));
    b.violation(opened("high", Severity.HIGH, "2026-11-01T05:00:00Z"));
    return b.build();
  }

  static List<String> names(List<WorkloadRef> owners) {
    return owners.stream().map(WorkloadRef::name).toList();
  }

  @Test
  void violationListsAreSortedGravestFirstWithUnknownLast() {
    Report r = report(null);

    assertEquals(
        List.of("critical", "high", "medium", "low", "legacy"),
        names(r.violatingAtEnd().stream().map(Report.ViolatingWorkload::owner).toList()));
    assertEquals(
        List.of("critical", "high", "medium", "low", "legacy"),
        names(r.violationsInPeriod().stream().map(Report.PeriodViolations::owner).toList()));
    assertEquals(Severity.CRITICAL, r.violatingAtEnd().get(0).severity());
    assertEquals(null, r.violatingAtEnd().get(4).severity(), "a v1 record has no severity");
    assertEquals(5, r.summary().violationsOpened());
  }

  @Test
  void severityFilterKeepsTheGraveAndTheUnknown() {
    Report r = report(Severity.HIGH);

    assertEquals(
        List.of("critical", "high", "legacy"),
        names(r.violatingAtEnd().stream().map(Report.ViolatingWorkload::owner).toList()));
    assertEquals(
        List.of("critical", "high", "legacy"),
        names(r.violationsInPeriod().stream().map(Report.PeriodViolations::owner).toList()));
    assertEquals(3, r.summary().violationsOpened(), "counts follow the filter");
  }

  @Test
  void aWorkloadShowsTheGravestSeverityOfItsPods() {
    ReportBuilder b = new ReportBuilder(ReportSettings.of(FROM, TO), ReportBuilderTest.LATER);
    ViolationTransition low = opened("app", Severity.LOW, "2026-11-01T01:00:00Z");
    ViolationTransition high = opened("app", Severity.HIGH, "2026-11-01T02:00:00Z");
    b.violation(low);
    b.violation(
        new ViolationTransition(
            "viol-2",
            CLUSTER,
            "prod",
            "app-pod-2",
            high.owner(),
            high.category(),
            high.severity(),
            high.rules(),
            high.transition(),
            null,
            high.current(),
            high.summary(),
            high.images(),
            high.policyVersions(),
            high.reasons(),
            "verdict-2",
            high.openedAt(),
            high.at(),
            high.eventTime()));

    Report r = b.build();

    assertEquals(Severity.HIGH, r.violatingAtEnd().get(0).severity());
    assertEquals(2, r.violatingAtEnd().get(0).pods());
  }

  @Test
  void jsonCarriesSeverityAndTheFilterAndFollowsTheSchema() throws IOException {
    JsonNode doc =
        Json.mapper().readTree(RenderersTest.render(report(Severity.HIGH), ReportFormat.JSON));

    assertTrue(
        RenderersTest.reportSchema().validate(doc).isEmpty(),
        RenderersTest.reportSchema().validate(doc).toString());
    assertEquals("high", doc.path("settings").path("minSeverity").asText());
    List<String> severities = new ArrayList<>();
    doc.path("violatingAtEnd").forEach(w -> severities.add(w.path("severity").asText()));
    assertEquals(List.of("critical", "high", "unknown"), severities);
    assertEquals("critical", doc.path("violationsInPeriod").get(0).path("severity").asText());
  }

  @Test
  void htmlAndMarkdownShowASeverityColumnAndTheFilter() {
    for (ReportFormat f : List.of(ReportFormat.HTML, ReportFormat.MARKDOWN)) {
      String out = RenderersTest.render(report(Severity.HIGH), f);
      assertTrue(out.contains("Severity"), f + " has a severity column");
      assertTrue(
          out.contains("Violations of severity high or graver"), f + " says what the filter keeps");
      assertTrue(
          out.indexOf("critical-pod") < out.indexOf("high-pod")
              && out.indexOf("high-pod") < out.indexOf("legacy-pod"),
          f + " lists the gravest first");
    }
  }
}
