package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's report over topics filled by issue 5's replay harness: {@code vigil replay --keep-data
 * DIR}, then {@code vigil report --data-dir DIR}. Inputs: the breakglass scenario plus the
 * fail-open outage of {@code fail-open-escalated} (whose unsigned worker image the attestation
 * policy denies).
 */
class ReplayReportIT {

  static final Path SCENARIOS = ReplayScenariosIT.ROOT;

  @Test
  void reportCountsWhatTheReplayProduced(@TempDir Path dir) throws Exception {
    Path bg = SCENARIOS.resolve("breakglass");
    Path fo = SCENARIOS.resolve("fail-open-escalated");
    Path pods = dir.resolve("pods.jsonl");
    Path audit = dir.resolve("audit.jsonl");
    Files.writeString(
        pods,
        Files.readString(bg.resolve("pods.jsonl")) + Files.readString(fo.resolve("pods.jsonl")));
    Files.writeString(
        audit,
        Files.readString(bg.resolve("audit.jsonl")) + Files.readString(fo.resolve("audit.jsonl")));
    Path data = dir.resolve("kept");

    VigilRun replay =
        vigil(
            "replay",
            "--cluster",
            "us-central1-a.prod",
            "--policy",
            bg.resolve("policy.yaml").toString(),
            "--attestors",
            bg.resolve("attestors.yaml").toString(),
            "--attestations",
            bg.resolve("attestations.json").toString(),
            "--pods",
            pods.toString(),
            "--audit",
            audit.toString(),
            "--keep-data",
            data.toString());
    assertEquals(0, replay.code(), replay.err());
    List<JsonNode> lines = new ArrayList<>();
    for (String l : replay.out().lines().toList()) {
      lines.add(Json.mapper().readTree(l));
    }
    assertEquals(
        2,
        lines.stream().filter(l -> l.path("state").asText().equals("ESCALATED")).count(),
        replay.out());

    // Follow-up records are processed now, but carry the time of the events that caused them (Nov
    // 2026).
    String to = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
    VigilRun report =
        vigil(
            "report",
            "--from",
            "2026-11-01T00:00:00Z",
            "--to",
            to,
            "--format",
            "json",
            "--data-dir",
            data.toString());

    assertEquals(0, report.code(), report.err());
    JsonNode doc = Json.mapper().readTree(report.out());
    JsonNode summary = doc.path("summary");
    assertEquals(4, summary.path("admissions").asLong(), report.out());
    assertEquals(3, summary.path("failOpenAdmissions").asLong());
    assertEquals(1, summary.path("failOpenOutages").asLong());
    assertEquals(1, summary.path("breakglassUses").asLong());
    assertEquals(4, summary.path("violationsOpened").asLong());
    assertEquals(0, summary.path("violationsResolved").asLong());
    assertEquals(2, summary.path("followUps").asLong());
    assertEquals(2, summary.path("followUpsStillOpen").asLong());
    assertEquals(2, summary.path("workloadsViolatingAtEnd").asLong());
    List<String> ids = new ArrayList<>();
    doc.path("stillOpen").forEach(n -> ids.add(n.asText()));
    assertTrue(
        ids.contains("us-central1-a.prod/batch/DEPLOYMENT/worker/FAIL_OPEN#1"), ids.toString());
    assertTrue(
        ids.contains("us-central1-a.prod/payments/DEPLOYMENT/api/BREAKGLASS#1"), ids.toString());
    for (JsonNode f : doc.path("followUps")) {
      Instant firstSeen = Instant.parse(f.path("firstSeen").asText());
      if (f.path("kind").asText().equals("FAIL_OPEN")) {
        assertEquals(3, f.path("podCount").asInt(), f.toString());
        assertEquals("ESCALATED", f.path("state").asText());
        // dated by the audit events (10:00:20-22), not by when the replay ran (eventTime)
        assertTrue(
            !firstSeen.isBefore(Instant.parse("2026-11-20T10:00:20Z"))
                && !firstSeen.isAfter(Instant.parse("2026-11-20T10:00:22Z")),
            f.toString());
      } else {
        assertEquals(Instant.parse("2026-11-20T10:00:30Z"), firstSeen, f.toString());
      }
    }
  }

  /**
   * Issue 21: a back-filled month. The fail-open scenario moved to October 2026, with its pods
   * deleted two hours later, is replayed today: the report over October lists its follow-up and
   * violations, the report over today does not (it was only processed today).
   */
  @Test
  void aReplayedPastMonthIsReportedInItsMonthNotToday(@TempDir Path dir) throws Exception {
    Path fo = SCENARIOS.resolve("fail-open-escalated");
    Path pods = dir.resolve("pods.jsonl");
    Path audit = dir.resolve("audit.jsonl");
    String added = Files.readString(fo.resolve("pods.jsonl")).replace("2026-11-20T", "2026-10-20T");
    StringBuilder all = new StringBuilder(added);
    for (String line : added.lines().toList()) {
      com.fasterxml.jackson.databind.node.ObjectNode event =
          (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().readTree(line);
      event.put("type", "DELETED");
      ((com.fasterxml.jackson.databind.node.ObjectNode) event.path("object").path("metadata"))
          .put("deletionTimestamp", "2026-10-20T12:00:00Z");
      all.append(Json.mapper().writeValueAsString(event)).append('\n');
    }
    Files.writeString(pods, all.toString());
    Files.writeString(
        audit, Files.readString(fo.resolve("audit.jsonl")).replace("2026-11-20T", "2026-10-20T"));
    Path data = dir.resolve("kept");
    VigilRun replay =
        vigil(
            "replay",
            "--cluster",
            "us-central1-a.prod",
            "--policy",
            fo.resolve("policy.yaml").toString(),
            "--pods",
            pods.toString(),
            "--audit",
            audit.toString(),
            "--keep-data",
            data.toString());
    assertEquals(0, replay.code(), replay.err());
    assertTrue(replay.out().contains("\"state\":\"RESOLVED\""), replay.out());

    JsonNode october =
        Json.mapper().readTree(report(data, "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z").out());
    JsonNode summary = october.path("summary");
    assertEquals(3, summary.path("admissions").asLong(), october.toString());
    // (the replay sends the pod events, deletions included, before the audit events: each admission
    // finds its pod gone, so each opens a follow-up of its own, resolved at once)
    assertEquals(3, summary.path("followUps").asLong(), october.toString());
    assertEquals(0, summary.path("followUpsStillOpen").asLong());
    assertEquals(3, summary.path("violationsOpened").asLong());
    assertEquals(3, summary.path("violationsResolved").asLong());
    assertEquals(1, october.path("violationsInPeriod").size());
    assertEquals(
        "2026-10-20T10:00:20Z",
        october.path("violationsInPeriod").get(0).path("firstOpened").asText());
    for (JsonNode followUp : october.path("followUps")) {
      assertTrue(
          followUp
              .path("followUpId")
              .asText()
              .startsWith("us-central1-a.prod/batch/DEPLOYMENT/worker/FAIL_OPEN#"),
          followUp.toString());
      assertTrue(
          followUp.path("firstSeen").asText().startsWith("2026-10-20T10:00:2"),
          followUp.toString());
      assertEquals("2026-10-20T12:00:00Z", followUp.path("closedAt").asText(), followUp.toString());
    }
    assertEquals(0, october.path("coverage").path("datedByProcessingTime").asLong());
    // Vigil did not run in October: the back-filled month was not watched live, and the report says
    // so.
    JsonNode gaps = october.path("coverage").path("gaps");
    assertEquals(1, gaps.size(), gaps.toString());
    assertEquals("2026-10-01T00:00:00Z", gaps.get(0).path("start").asText());
    assertEquals("2026-11-01T00:00:00Z", gaps.get(0).path("end").asText());

    Instant now = Instant.now();
    JsonNode today =
        Json.mapper()
            .readTree(
                report(
                        data,
                        now.truncatedTo(ChronoUnit.DAYS).toString(),
                        now.plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString())
                    .out());
    assertEquals(0, today.path("summary").path("admissions").asLong(), today.toString());
    assertEquals(0, today.path("summary").path("followUps").asLong(), today.toString());
    assertEquals(0, today.path("summary").path("violationsOpened").asLong());
    assertEquals(0, today.path("summary").path("violationsResolved").asLong());
    assertEquals(0, today.path("violationsInPeriod").size(), today.toString());
  }

  private static VigilRun report(Path data, String from, String to) throws Exception {
    VigilRun report =
        vigil(
            "report",
            "--from",
            from,
            "--to",
            to,
            "--format",
            "json",
            "--data-dir",
            data.toString());
    assertEquals(0, report.code(), report.err());
    return report;
  }
}
