package dev.vigil.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.report.Report.FollowUpEntry;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.WorkloadRef;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The report's suspected-bypass section and its acknowledgements with an expiry, shown apart from
 * permanent ones, with their tickets (issue 18).
 */
class BypassAndExpiryReportTest {

  static final Instant FROM = Instant.parse("2026-11-01T00:00:00Z");
  static final Instant TO = Instant.parse("2026-11-08T00:00:00Z");
  static final Instant AT = Instant.parse("2026-11-03T10:00:00Z");

  static FollowUp followUp(
      String name,
      FollowUp.Kind kind,
      FollowUp.State state,
      Boolean suspected,
      Integer prior,
      String by,
      Instant until,
      String ticket) {
    WorkloadRef owner = new WorkloadRef(WorkloadRef.Kind.POD, "payments", name);
    return new FollowUp(
        "prod/payments/POD/" + name + "/" + kind + "#1",
        "prod",
        owner,
        kind,
        state,
        null,
        "cause of " + name,
        Decision.DENY,
        1,
        List.of(name),
        List.of(
            new FollowUp.Image(
                "c0",
                "registry.example/probe@sha256:" + "ab".repeat(32),
                "sha256:" + "ab".repeat(32))),
        List.of("mallory@acme.example"),
        null,
        suspected,
        prior,
        AT,
        AT,
        AT.plusSeconds(60),
        by,
        null,
        until,
        ticket,
        AT);
  }

  static Report report() {
    ReportBuilder b = new ReportBuilder(ReportSettings.of(FROM, TO), ReportBuilderTest.LATER);
    b.followUp(
        followUp(
            "probe", FollowUp.Kind.FAIL_OPEN, FollowUp.State.ESCALATED, true, 4, null, null, null));
    b.followUp(
        followUp("tool", FollowUp.Kind.BREAKGLASS, FollowUp.State.OPEN, null, 2, null, null, null));
    b.followUp(
        followUp(
            "batch",
            FollowUp.Kind.FAIL_OPEN,
            FollowUp.State.ACKNOWLEDGED,
            null,
            null,
            "alice",
            Instant.parse("2026-11-20T00:00:00Z"),
            "SEC-42"));
    b.followUp(
        followUp(
            "legacy",
            FollowUp.Kind.FAIL_OPEN,
            FollowUp.State.ACKNOWLEDGED,
            null,
            null,
            "bob",
            null,
            "SEC-7"));
    return b.build();
  }

  static List<String> names(List<FollowUpEntry> entries) {
    return entries.stream().map(f -> f.owner().name()).toList();
  }

  @Test
  void suspectedBypassesAndDenialsBeforeABreakglassHaveTheirSection() {
    Report r = report();
    assertEquals(List.of("probe", "tool"), names(r.bypassAttempts()));
    String md = RenderersTest.render(r, ReportFormat.MARKDOWN);
    assertTrue(
        md.contains(
            "| Pod payments/probe | mallory@acme.example | registry.example/probe@sha256:abababababab… | 4 "
                + "| yes | escalated |"),
        md);
    assertTrue(
        md.contains(
            "| Pod payments/tool | mallory@acme.example | registry.example/probe@sha256:abababababab… | 2 "
                + "| no | open |"),
        md);
    assertTrue(
        md.contains("Suspected bypasses (denials, then fail-open by the same principal) | 1"), md);
  }

  @Test
  void acknowledgementsWithAnExpiryAreListedApartWithTheirTickets() {
    Report r = report();
    assertEquals(
        List.of("batch"), names(r.acknowledgedWithExpiry()), "the permanent one is not listed");
    String html = RenderersTest.render(r, ReportFormat.HTML);
    int start = html.indexOf("id=\"acknowledged-until\"");
    assertTrue(start > 0, "the HTML has the section");
    String table = html.substring(start, html.indexOf("</table>", start));
    assertTrue(table.contains("SEC-42") && table.contains("2026-11-20"), table);
    assertFalse(table.contains("SEC-7"), table);
  }

  @Test
  void jsonAndCsvCarryTheFieldsAndTheJsonMatchesItsSchema() throws Exception {
    Report r = report();
    JsonNode doc = Json.mapper().readTree(RenderersTest.render(r, ReportFormat.JSON));
    assertTrue(
        RenderersTest.reportSchema().validate(doc).isEmpty(),
        RenderersTest.reportSchema().validate(doc).toString());
    JsonNode probe = null;
    JsonNode batch = null;
    for (JsonNode f : doc.path("followUps")) {
      if (f.path("followUpId").asText().contains("/probe/")) {
        probe = f;
      }
      if (f.path("followUpId").asText().contains("/batch/")) {
        batch = f;
      }
    }
    assertTrue(probe.path("suspectedBypass").asBoolean());
    assertEquals(4, probe.path("priorDenials").asInt());
    assertEquals("2026-11-20T00:00:00Z", batch.path("acknowledgedUntil").asText());
    assertEquals("SEC-42", batch.path("ticket").asText());

    String csv = RenderersTest.render(r, ReportFormat.CSV);
    String probeRow = csv.lines().filter(l -> l.contains("/probe/")).findFirst().orElseThrow();
    assertTrue(
        probeRow.endsWith(
            ",true,4,,,"
                + r.followUps().stream()
                    .filter(f -> f.owner().name().equals("probe"))
                    .findFirst()
                    .orElseThrow()
                    .severity()
                    .wire()),
        probeRow);
    String batchRow = csv.lines().filter(l -> l.contains("/batch/")).findFirst().orElseThrow();
    assertTrue(
        batchRow.matches(".*,false,,2026-11-20T00:00:00Z,SEC-42,(critical|high|medium|low)"),
        batchRow);
  }

  @Test
  void followUpsCarryTheirSeverityInEveryForm() throws Exception {
    Report r = report();
    FollowUpEntry probe =
        r.followUps().stream()
            .filter(f -> f.owner().name().equals("probe"))
            .findFirst()
            .orElseThrow();
    // an escalated suspected bypass of a denied image is critical by the follow-up severity rule
    assertEquals(dev.vigil.schemas.Severity.CRITICAL, probe.severity());

    String md = RenderersTest.render(r, ReportFormat.MARKDOWN);
    assertTrue(md.contains("| Id | Kind | Severity | Cluster |"), md);
    assertTrue(
        md.contains("| prod/payments/POD/probe/FAIL\\_OPEN#1 | fail-open | critical | prod |"), md);
    JsonNode doc = Json.mapper().readTree(RenderersTest.render(r, ReportFormat.JSON));
    for (JsonNode f : doc.path("followUps")) {
      if (f.path("followUpId").asText().contains("/probe/")) {
        assertEquals("critical", f.path("severity").asText(), f.toString());
      }
    }
    assertTrue(
        RenderersTest.render(r, ReportFormat.CSV)
            .lines()
            .findFirst()
            .orElseThrow()
            .endsWith(",ticket,severity"));
  }
}
