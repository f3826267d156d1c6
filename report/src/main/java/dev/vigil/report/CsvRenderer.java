package dev.vigil.report;

import dev.vigil.report.Report.FollowUpEntry;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * Writes one row per follow-up as RFC 4180 CSV (CRLF line ends, fields quoted when they hold a
 * comma, quote or line break). Cells that a spreadsheet would take for a formula (starting with
 * {@code = + - @}, tab or carriage return) get a leading apostrophe, as OWASP recommends.
 */
final class CsvRenderer {

  static final List<String> HEADER = List.of("follow_up_id", "kind", "cluster", "namespace", "workload_kind",
      "workload", "state", "open_at_end", "first_seen", "last_seen", "last_changed", "closed_at",
      "time_to_close_seconds", "age_seconds", "past_deadline", "pod_count", "images", "users",
      "acknowledged_by", "acknowledged_at", "note", "reevaluation", "cause");

  private CsvRenderer() {}

  static void render(Report report, Writer out) throws IOException {
    row(out, HEADER);
    for (FollowUpEntry f : report.followUps()) {
      row(out, List.of(f.followUpId(), f.kind().name(), f.clusterId(), f.owner().namespace(),
          f.owner().kind().name(), f.owner().name(), f.state().name(), Boolean.toString(f.open()),
          Text.time(f.firstSeen()), Text.time(f.lastSeen()), Text.time(f.lastChangedAt()), Text.time(f.closedAt()),
          f.timeToClose() == null ? "" : Long.toString(f.timeToClose().getSeconds()),
          f.age() == null ? "" : Long.toString(f.age().getSeconds()),
          Boolean.toString(f.pastDeadline()), Integer.toString(f.podCount()),
          String.join(" ", f.images()), String.join(" ", f.users()),
          nullToEmpty(f.acknowledgedBy()), Text.time(f.acknowledgedAt()), nullToEmpty(f.note()),
          f.reevaluation() == null ? "" : f.reevaluation().name(), f.cause()));
    }
  }

  private static void row(Writer out, List<String> cells) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(field(cells.get(i)));
    }
    b.append("\r\n");
    out.write(b.toString());
  }

  /** One field, neutralised against formula injection and quoted when RFC 4180 needs it. */
  static String field(String value) {
    String v = value == null ? "" : value;
    if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
      v = "'" + v;
    }
    if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
      return '"' + v.replace("\"", "\"\"") + '"';
    }
    return v;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
