package dev.vigil.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.report.Report.FollowUpEntry;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.WorkloadRef;
import java.io.IOException;
import java.io.Writer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Writes a report as JSON following {@code schemas/report.schema.json} (version {@link
 * Report#VERSION}): times as ISO-8601 UTC strings, durations as whole seconds, absent values left
 * out.
 */
final class JsonRenderer {

  private static final ObjectMapper MAPPER = Json.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT);

  private JsonRenderer() {}

  static void render(Report r, Writer out) throws IOException {
    MAPPER.writeValue(new NonClosingWriter(out), tree(r));
    out.write("\n");
  }

  static ObjectNode tree(Report r) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("version", Report.VERSION);
    time(root, "generatedAt", r.generatedAt());
    ReportSettings s = r.settings();
    ObjectNode period = root.putObject("period");
    time(period, "from", s.from());
    time(period, "to", s.to());
    time(period, "asOf", r.asOf());
    ObjectNode scope = root.putObject("scope");
    strings(scope.putArray("clusters"), s.sortedClusters());
    strings(scope.putArray("namespaces"), s.sortedNamespaces());
    ObjectNode settings = root.putObject("settings");
    settings.put("deadlineSeconds", s.deadline().getSeconds());
    settings.put("outageGapSeconds", s.outageGap().getSeconds());
    settings.put("lookbackSeconds", s.lookback().getSeconds());

    ObjectNode summary = counts(root.putObject("summary"), r.summary());
    summary.put("followUps", r.followUps().size());
    summary.put("followUpsStillOpen", r.stillOpen().size());
    summary.put("followUpsPastDeadline", r.pastDeadline().size());
    summary.put("workloadsViolatingAtEnd", r.violatingAtEnd().size());
    ObjectNode ttc = summary.putObject("timeToClose");
    ttc.put("closed", r.timeToClose().closed());
    seconds(ttc, "meanSeconds", r.timeToClose().mean());
    seconds(ttc, "p95Seconds", r.timeToClose().p95());

    ArrayNode byNamespace = root.putArray("byNamespace");
    for (Report.NamespaceCounts n : r.byNamespace()) {
      ObjectNode o = byNamespace.addObject();
      o.put("clusterId", n.clusterId());
      o.put("namespace", n.namespace());
      counts(o, n.counts());
    }
    ArrayNode outages = root.putArray("outages");
    for (Report.Outage o : r.outages()) {
      ObjectNode n = outages.addObject();
      n.put("clusterId", o.clusterId());
      time(n, "start", o.start());
      time(n, "end", o.end());
      n.put("failOpenAdmissions", o.failOpenAdmissions());
      strings(n.putArray("namespaces"), o.namespaces());
      strings(n.putArray("mechanisms"), o.mechanisms());
    }
    ArrayNode followUps = root.putArray("followUps");
    for (FollowUpEntry f : r.followUps()) {
      ObjectNode n = followUps.addObject();
      n.put("followUpId", f.followUpId());
      n.put("clusterId", f.clusterId());
      workload(n.putObject("owner"), f.owner());
      n.put("kind", f.kind().name());
      n.put("state", f.state().name());
      n.put("open", f.open());
      n.put("cause", f.cause());
      if (f.reevaluation() != null) {
        n.put("reevaluation", f.reevaluation().name());
      }
      n.put("podCount", f.podCount());
      strings(n.putArray("pods"), f.pods());
      strings(n.putArray("images"), f.images());
      strings(n.putArray("users"), f.users());
      if (f.detail() != null) {
        n.put("detail", f.detail());
      }
      time(n, "firstSeen", f.firstSeen());
      time(n, "lastSeen", f.lastSeen());
      time(n, "lastChangedAt", f.lastChangedAt());
      time(n, "closedAt", f.closedAt());
      seconds(n, "timeToCloseSeconds", f.timeToClose());
      seconds(n, "ageSeconds", f.age());
      if (f.acknowledgedBy() != null) {
        n.put("acknowledgedBy", f.acknowledgedBy());
      }
      time(n, "acknowledgedAt", f.acknowledgedAt());
      if (f.note() != null) {
        n.put("note", f.note());
      }
      n.put("pastDeadline", f.pastDeadline());
    }
    strings(root.putArray("stillOpen"), r.stillOpen().stream().map(FollowUpEntry::followUpId).toList());
    strings(root.putArray("pastDeadline"), r.pastDeadline().stream().map(FollowUpEntry::followUpId).toList());
    ArrayNode violating = root.putArray("violatingAtEnd");
    for (Report.ViolatingWorkload w : r.violatingAtEnd()) {
      ObjectNode n = violating.addObject();
      n.put("clusterId", w.clusterId());
      workload(n.putObject("owner"), w.owner());
      n.put("decision", w.decision().name());
      n.put("pods", w.pods());
      strings(n.putArray("podNames"), w.podNames());
      strings(n.putArray("reasons"), w.reasons());
      time(n, "openSince", w.openSince());
    }
    ObjectNode input = root.putObject("input");
    input.put("admissionEventsRead", r.input().admissionEventsRead());
    input.put("violationsRead", r.input().violationsRead());
    input.put("followUpsRead", r.input().followUpsRead());
    input.put("unreadable", r.input().unreadable());
    input.put("duplicateAdmissionEvents", r.input().duplicateAdmissionEvents());
    return root;
  }

  private static ObjectNode counts(ObjectNode o, Report.Counts c) {
    o.put("admissions", c.admissions());
    o.put("admitted", c.admitted());
    o.put("denials", c.denials());
    o.put("dryRunDenials", c.dryRunDenials());
    o.put("failOpenAdmissions", c.failOpenAdmissions());
    o.put("failOpenOutages", c.failOpenOutages());
    o.put("breakglassUses", c.breakglassUses());
    o.put("violationsOpened", c.violationsOpened());
    o.put("violationsResolved", c.violationsResolved());
    return o;
  }

  private static void workload(ObjectNode o, WorkloadRef w) {
    o.put("kind", w.kind().name());
    o.put("namespace", w.namespace());
    o.put("name", w.name());
  }

  private static void time(ObjectNode o, String field, Instant t) {
    if (t != null) {
      o.put(field, t.toString());
    }
  }

  private static void seconds(ObjectNode o, String field, Duration d) {
    if (d != null) {
      o.put(field, d.getSeconds());
    }
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }

  /** Lets Jackson flush without closing the caller's writer. */
  private static final class NonClosingWriter extends java.io.FilterWriter {
    NonClosingWriter(Writer out) {
      super(out);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
