package dev.vigil.report;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.vigil.report.Report.FollowUpEntry;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * Writes one row per follow-up as RFC 4180 CSV (CRLF line ends, fields quoted when they hold a
 * comma, quote or line break) through Jackson's CSV writer. Cells that a spreadsheet would take for
 * a formula (starting with {@code = + - @}, tab or carriage return) get a leading apostrophe, as
 * OWASP recommends; that is the one thing the writer does not do for us.
 */
final class CsvRenderer {

  static final List<String> HEADER =
      List.of(
          "follow_up_id",
          "kind",
          "cluster",
          "namespace",
          "workload_kind",
          "workload",
          "state",
          "open_at_end",
          "first_seen",
          "last_seen",
          "last_changed",
          "closed_at",
          "time_to_close_seconds",
          "age_seconds",
          "past_deadline",
          "pod_count",
          "images",
          "users",
          "acknowledged_by",
          "acknowledged_at",
          "note",
          "reevaluation",
          "cause",
          "suspected_bypass",
          "prior_denials",
          "acknowledged_until",
          "ticket",
          "severity");

  /**
   * Rows are written as arrays; quoting is decided per value, not guessed from its length; the
   * caller's writer is flushed, not closed.
   */
  private static final ObjectWriter ROWS =
      CsvMapper.builder()
          .enable(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING)
          .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
          .build()
          .writer(CsvSchema.emptySchema().withLineSeparator("\r\n"));

  private CsvRenderer() {}

  static void render(Report report, Writer out) throws IOException {
    try (SequenceWriter rows = ROWS.writeValues(out)) {
      rows.write(HEADER.toArray(String[]::new));
      for (FollowUpEntry f : report.followUps()) {
        rows.write(
            neutralised(
                f.followUpId(),
                f.kind().name(),
                f.clusterId(),
                f.owner().namespace(),
                f.owner().kind().name(),
                f.owner().name(),
                f.state().name(),
                Boolean.toString(f.open()),
                Text.time(f.firstSeen()),
                Text.time(f.lastSeen()),
                Text.time(f.lastChangedAt()),
                Text.time(f.closedAt()),
                f.timeToClose() == null ? "" : Long.toString(f.timeToClose().getSeconds()),
                f.age() == null ? "" : Long.toString(f.age().getSeconds()),
                Boolean.toString(f.pastDeadline()),
                Integer.toString(f.podCount()),
                String.join(" ", f.images()),
                String.join(" ", f.users()),
                f.acknowledgedBy(),
                Text.time(f.acknowledgedAt()),
                f.note(),
                f.reevaluation() == null ? "" : f.reevaluation().name(),
                f.cause(),
                Boolean.toString(Boolean.TRUE.equals(f.suspectedBypass())),
                f.priorDenials() == null ? "" : f.priorDenials().toString(),
                Text.time(f.acknowledgedUntil()),
                f.ticket(),
                f.severity() == null ? "" : f.severity().wire()));
      }
    }
  }

  /** The cells, null as empty, each neutralised against formula injection. */
  private static String[] neutralised(String... cells) {
    String[] out = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      String v = cells[i] == null ? "" : cells[i];
      out[i] = !v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0 ? "'" + v : v;
    }
    return out;
  }
}
