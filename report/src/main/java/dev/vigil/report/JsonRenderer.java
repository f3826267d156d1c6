package dev.vigil.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
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
 * out. It streams, so a large report needs no second copy in memory.
 */
final class JsonRenderer {

  private JsonRenderer() {}

  static void render(Report r, Writer out) throws IOException {
    JsonGenerator g = Json.mapper().getFactory().createGenerator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.setPrettyPrinter(new DefaultPrettyPrinter());
    ReportSettings s = r.settings();
    g.writeStartObject();
    g.writeNumberField("version", Report.VERSION);
    time(g, "generatedAt", r.generatedAt());
    if (r.generator() != null) {
      g.writeStringField("generator", r.generator());
    }
    g.writeObjectFieldStart("period");
    time(g, "from", s.from());
    time(g, "to", s.to());
    time(g, "asOf", r.asOf());
    g.writeEndObject();
    g.writeObjectFieldStart("scope");
    strings(g, "clusters", s.sortedClusters());
    strings(g, "namespaces", s.sortedNamespaces());
    g.writeEndObject();
    g.writeObjectFieldStart("settings");
    g.writeNumberField("deadlineSeconds", s.deadline().getSeconds());
    g.writeNumberField("outageGapSeconds", s.outageGap().getSeconds());
    g.writeNumberField("lookbackSeconds", s.lookback().getSeconds());
    if (s.minSeverity() != null) {
      g.writeStringField("minSeverity", s.minSeverity().wire());
    }
    g.writeEndObject();

    g.writeObjectFieldStart("summary");
    counts(g, r.summary());
    g.writeNumberField("followUps", r.followUps().size());
    g.writeNumberField("followUpsStillOpen", r.stillOpen().size());
    g.writeNumberField("followUpsPastDeadline", r.pastDeadline().size());
    g.writeNumberField("workloadsViolatingAtEnd", r.violatingAtEnd().size());
    g.writeObjectFieldStart("timeToClose");
    g.writeNumberField("closed", r.timeToClose().closed());
    seconds(g, "meanSeconds", r.timeToClose().mean());
    seconds(g, "p95Seconds", r.timeToClose().p95());
    g.writeEndObject();
    g.writeEndObject();

    g.writeArrayFieldStart("byNamespace");
    for (Report.NamespaceCounts n : r.byNamespace()) {
      g.writeStartObject();
      g.writeStringField("clusterId", n.clusterId());
      g.writeStringField("namespace", n.namespace());
      counts(g, n.counts());
      g.writeEndObject();
    }
    g.writeEndArray();

    g.writeArrayFieldStart("outages");
    for (Report.Outage o : r.outages()) {
      g.writeStartObject();
      g.writeStringField("clusterId", o.clusterId());
      time(g, "start", o.start());
      time(g, "end", o.end());
      g.writeNumberField("failOpenAdmissions", o.failOpenAdmissions());
      strings(g, "namespaces", o.namespaces());
      strings(g, "mechanisms", o.mechanisms());
      g.writeEndObject();
    }
    g.writeEndArray();

    g.writeArrayFieldStart("followUps");
    for (FollowUpEntry f : r.followUps()) {
      followUp(g, f);
    }
    g.writeEndArray();
    strings(g, "stillOpen", r.stillOpen().stream().map(FollowUpEntry::followUpId).toList());
    strings(g, "pastDeadline", r.pastDeadline().stream().map(FollowUpEntry::followUpId).toList());

    g.writeArrayFieldStart("violatingAtEnd");
    for (Report.ViolatingWorkload w : r.violatingAtEnd()) {
      g.writeStartObject();
      violatingPods(g, w);
      strings(g, "reasons", w.reasons());
      time(g, "openSince", w.openSince());
      g.writeEndObject();
    }
    g.writeEndArray();

    g.writeArrayFieldStart("policies");
    for (Report.PolicyRevision p : r.policies()) {
      g.writeStartObject();
      g.writeStringField("key", p.key());
      g.writeNumberField("version", p.version());
      g.writeStringField("sha256", p.sha256());
      if (p.source() != null) {
        g.writeStringField("source", p.source());
      }
      time(g, "publishedAt", p.publishedAt());
      g.writeBooleanField("inForceAtStart", p.inForceAtStart());
      g.writeEndObject();
    }
    g.writeEndArray();

    g.writeArrayFieldStart("deadLetters");
    for (Report.DeadLetters d : r.deadLetters()) {
      g.writeStartObject();
      g.writeStringField("component", d.component());
      g.writeStringField("source", d.source());
      g.writeStringField("errorType", d.errorType());
      g.writeNumberField("count", d.count());
      time(g, "first", d.first());
      time(g, "last", d.last());
      g.writeEndObject();
    }
    g.writeEndArray();

    g.writeArrayFieldStart("violationsInPeriod");
    for (Report.PeriodViolations w : r.violationsInPeriod()) {
      g.writeStartObject();
      violatingPods(g, w);
      time(g, "firstOpened", w.firstOpened());
      g.writeNumberField("openAtEnd", w.openAtEnd());
      g.writeEndObject();
    }
    g.writeEndArray();

    g.writeObjectFieldStart("coverage");
    g.writeNumberField("datedByProcessingTime", r.coverage().datedByProcessingTime());
    g.writeBooleanField("heartbeatsRead", r.coverage().heartbeatsRead());
    g.writeArrayFieldStart("gaps");
    for (Report.Gap gap : r.coverage().gaps()) {
      g.writeStartObject();
      g.writeStringField("component", gap.component());
      time(g, "start", gap.start());
      time(g, "end", gap.end());
      g.writeNumberField("seconds", gap.duration().getSeconds());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();

    g.writeObjectFieldStart("input");
    g.writeNumberField("admissionEventsRead", r.input().admissionEventsRead());
    g.writeNumberField("violationsRead", r.input().violationsRead());
    g.writeNumberField("followUpsRead", r.input().followUpsRead());
    g.writeNumberField("unreadable", r.input().unreadable());
    g.writeNumberField("duplicateAdmissionEvents", r.input().duplicateAdmissionEvents());
    g.writeArrayFieldStart("ranges");
    for (Report.OffsetRange o : r.input().ranges()) {
      g.writeStartObject();
      g.writeStringField("topic", o.topic());
      g.writeNumberField("partition", o.partition());
      g.writeNumberField("start", o.start());
      g.writeNumberField("end", o.end());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeStringField("sha256", r.input().sha256());
    g.writeEndObject();
    g.writeEndObject();
    g.flush();
    out.write("\n");
  }

  /** The fields a workload with violating pods has in both violation lists. */
  private static void violatingPods(JsonGenerator g, Report.WorkloadViolations w)
      throws IOException {
    g.writeStringField("clusterId", w.clusterId());
    workload(g, w.owner());
    g.writeStringField("decision", w.decision().name());
    g.writeStringField("severity", Text.severity(w.severity()));
    g.writeNumberField("pods", w.pods());
    strings(g, "podNames", w.podNames());
  }

  private static void followUp(JsonGenerator g, FollowUpEntry f) throws IOException {
    g.writeStartObject();
    g.writeStringField("followUpId", f.followUpId());
    g.writeStringField("clusterId", f.clusterId());
    workload(g, f.owner());
    g.writeStringField("kind", f.kind().name());
    g.writeStringField("state", f.state().name());
    g.writeBooleanField("open", f.open());
    g.writeStringField("cause", f.cause());
    if (f.reevaluation() != null) {
      g.writeStringField("reevaluation", f.reevaluation().name());
    }
    g.writeNumberField("podCount", f.podCount());
    strings(g, "pods", f.pods());
    strings(g, "images", f.images());
    strings(g, "users", f.users());
    if (f.detail() != null) {
      g.writeStringField("detail", f.detail());
    }
    time(g, "firstSeen", f.firstSeen());
    time(g, "lastSeen", f.lastSeen());
    time(g, "lastChangedAt", f.lastChangedAt());
    time(g, "closedAt", f.closedAt());
    seconds(g, "timeToCloseSeconds", f.timeToClose());
    seconds(g, "ageSeconds", f.age());
    if (f.acknowledgedBy() != null) {
      g.writeStringField("acknowledgedBy", f.acknowledgedBy());
    }
    time(g, "acknowledgedAt", f.acknowledgedAt());
    if (f.note() != null) {
      g.writeStringField("note", f.note());
    }
    g.writeBooleanField("pastDeadline", f.pastDeadline());
    if (Boolean.TRUE.equals(f.suspectedBypass())) {
      g.writeBooleanField("suspectedBypass", true);
    }
    if (f.priorDenials() != null) {
      g.writeNumberField("priorDenials", f.priorDenials());
    }
    time(g, "acknowledgedUntil", f.acknowledgedUntil());
    if (f.ticket() != null) {
      g.writeStringField("ticket", f.ticket());
    }
    if (f.severity() != null) {
      g.writeStringField("severity", f.severity().wire());
    }
    g.writeEndObject();
  }

  private static void counts(JsonGenerator g, Report.Counts c) throws IOException {
    g.writeNumberField("admissions", c.admissions());
    g.writeNumberField("admitted", c.admitted());
    g.writeNumberField("denials", c.denials());
    g.writeNumberField("dryRunDenials", c.dryRunDenials());
    g.writeNumberField("failOpenAdmissions", c.failOpenAdmissions());
    g.writeNumberField("failOpenOutages", c.failOpenOutages());
    g.writeNumberField("breakglassUses", c.breakglassUses());
    g.writeNumberField("violationsOpened", c.violationsOpened());
    g.writeNumberField("violationsResolved", c.violationsResolved());
  }

  private static void workload(JsonGenerator g, WorkloadRef w) throws IOException {
    g.writeObjectFieldStart("owner");
    g.writeStringField("kind", w.kind().name());
    g.writeStringField("namespace", w.namespace());
    g.writeStringField("name", w.name());
    g.writeEndObject();
  }

  private static void time(JsonGenerator g, String field, Instant t) throws IOException {
    if (t != null) {
      g.writeStringField(field, t.toString());
    }
  }

  private static void seconds(JsonGenerator g, String field, Duration d) throws IOException {
    if (d != null) {
      g.writeNumberField(field, d.getSeconds());
    }
  }

  private static void strings(JsonGenerator g, String field, List<String> values)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }
}
