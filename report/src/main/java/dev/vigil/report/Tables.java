package dev.vigil.report;

import dev.vigil.report.Report.Counts;
import dev.vigil.report.Report.FollowUpEntry;
import dev.vigil.schemas.FollowUp;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The report's sections as plain tables of text, shared by the Markdown and HTML renderers so both
 * show the same rows. Cells hold raw values: each renderer escapes them for its own syntax.
 */
final class Tables {

  /**
   * One section.
   *
   * @param id a stable identifier (the HTML table's id)
   * @param numeric indexes of columns that hold numbers (aligned right)
   * @param empty what to say when there are no rows
   */
  record Table(
      String id,
      String title,
      String description,
      List<String> headers,
      Set<Integer> numeric,
      List<List<String>> rows,
      String empty) {

    /** A table with one row per item, {@code row} giving its cells. */
    static <T> Table of(
        String id,
        String title,
        String description,
        List<String> headers,
        Set<Integer> numeric,
        List<T> items,
        Function<T, List<String>> row,
        String empty) {
      return new Table(
          id, title, description, headers, numeric, items.stream().map(row).toList(), empty);
    }

    /** Whether column {@code i} holds long free text (images, users, notes, reasons). */
    boolean wraps(int i) {
      return WRAPPING.contains(headers.get(i));
    }
  }

  /**
   * A column of a table of {@code T}s: its header, and its cell for one item. A column that several
   * tables show is declared once below.
   */
  record Column<T>(String header, Function<T, String> cell) {}

  private static <T> List<String> headers(List<Column<? super T>> columns) {
    return columns.stream().map(Column::header).toList();
  }

  private static <T> Function<T, List<String>> cells(List<Column<? super T>> columns) {
    return item -> columns.stream().map(c -> cell(c, item)).toList();
  }

  private static <T> String cell(Column<T> column, T item) {
    return column.cell().apply(item);
  }

  private static final Column<FollowUpEntry> ID = new Column<>("Id", FollowUpEntry::followUpId);
  private static final Column<FollowUpEntry> KIND = new Column<>("Kind", f -> Text.kind(f.kind()));
  private static final Column<FollowUpEntry> SEVERITY =
      new Column<>("Severity", f -> Text.severity(f.severity()));
  private static final Column<FollowUpEntry> CLUSTER =
      new Column<>("Cluster", FollowUpEntry::clusterId);
  private static final Column<FollowUpEntry> WORKLOAD =
      new Column<>("Workload", f -> Text.workload(f.owner()));
  private static final Column<FollowUpEntry> IMAGES =
      new Column<>("Images", f -> Text.images(f.images()));
  private static final Column<FollowUpEntry> USERS =
      new Column<>("Users", f -> Text.list(f.users()));
  private static final Column<FollowUpEntry> STATE =
      new Column<>("State", f -> Text.lower(f.state()));
  private static final Column<FollowUpEntry> FIRST_SEEN =
      new Column<>("First seen", f -> Text.time(f.firstSeen()));
  private static final Column<FollowUpEntry> ACKNOWLEDGED_BY =
      new Column<>("Acknowledged by", f -> nullToEmpty(f.acknowledgedBy()));
  private static final Column<FollowUpEntry> NOTE =
      new Column<>("Note", f -> nullToEmpty(f.note()));

  /** The first columns of a table of follow-ups: which one, what kind, where. */
  private static final List<Column<FollowUpEntry>> FOLLOW_UP = List.of(ID, KIND, CLUSTER, WORKLOAD);

  /** The same, with the follow-up's severity. */
  private static final List<Column<FollowUpEntry>> FOLLOW_UP_AND_SEVERITY =
      List.of(ID, KIND, SEVERITY, CLUSTER, WORKLOAD);

  /**
   * The first columns of a table of workloads with violating pods; {@code decision} heads the
   * decision's column.
   */
  private static List<Column<Report.WorkloadViolations>> violations(String decision) {
    return List.of(
        new Column<>("Severity", w -> Text.severity(w.severity())),
        new Column<>("Cluster", Report.WorkloadViolations::clusterId),
        new Column<>("Workload", w -> Text.workload(w.owner())),
        new Column<>(decision, w -> Text.lower(w.decision())),
        new Column<>("Pods", w -> Text.count(w.pods())),
        new Column<>("Pod names", w -> someOf(w.podNames(), w.pods())));
  }

  /** {@code first}, then {@code more}. */
  @SafeVarargs
  private static <T> List<Column<? super T>> columns(
      List<? extends Column<? super T>> first, Column<? super T>... more) {
    List<Column<? super T>> all = new ArrayList<>(first);
    all.addAll(List.of(more));
    return all;
  }

  private static final Set<String> WRAPPING =
      Set.of("Images", "Users", "Note", "Reasons", "Pod names", "Namespaces", "Workload", "Cause");

  private Tables() {}

  /** The lines that say what the report covers. */
  static List<String> scope(Report r) {
    ReportSettings s = r.settings();
    List<String> lines = new ArrayList<>();
    lines.add("Period: " + Text.time(s.from()) + " to " + Text.time(s.to()) + " (end excluded)");
    lines.add(
        "Clusters: "
            + Text.scope(s.sortedClusters())
            + "; namespaces: "
            + Text.scope(s.sortedNamespaces()));
    lines.add(
        "States and ages as of "
            + Text.time(r.asOf())
            + "; generated "
            + Text.time(r.generatedAt())
            + (r.generator() == null ? "" : " by " + r.generator()));
    long byProcessing = r.coverage().datedByProcessingTime();
    lines.add(
        "Times are event times (when the admission, pod event, policy change or fact happened), which "
            + "also place records in the period"
            + (byProcessing == 0
                ? ""
                : "; "
                    + Text.count(byProcessing)
                    + " violation and follow-up records carry none and are placed and "
                    + "dated by when Vigil processed them"));
    lines.add(
        "Deadline to close a follow-up: "
            + Text.duration(s.deadline())
            + "; fail-open admissions less than "
            + Text.duration(s.outageGap())
            + " apart count as one outage");
    if (s.minSeverity() != null) {
      lines.add(
          "Violations of severity "
              + s.minSeverity().wire()
              + " or graver, and of unknown severity (records"
              + " without one)");
    }
    return lines;
  }

  static List<Table> all(Report r) {
    return List.of(
        summary(r),
        namespaces(r),
        outages(r),
        gaps(r),
        followUps(r),
        stillOpen(r),
        pastDeadline(r),
        bypassAttempts(r),
        acknowledgedWithExpiry(r),
        violationsInPeriod(r),
        violating(r),
        policies(r),
        deadLetters(r),
        input(r),
        inputOffsets(r));
  }

  static Table summary(Report r) {
    Counts c = r.summary();
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("Admissions seen", Text.count(c.admissions())));
    rows.add(List.of("Admitted", Text.count(c.admitted())));
    rows.add(List.of("Denied", Text.count(c.denials())));
    rows.add(List.of("Dry-run denials (admitted, logged)", Text.count(c.dryRunDenials())));
    rows.add(List.of("Fail-open admissions", Text.count(c.failOpenAdmissions())));
    rows.add(List.of("Fail-open outages", Text.count(c.failOpenOutages())));
    rows.add(List.of("Breakglass uses", Text.count(c.breakglassUses())));
    rows.add(List.of("Violations opened", Text.count(c.violationsOpened())));
    rows.add(List.of("Violations resolved", Text.count(c.violationsResolved())));
    rows.add(
        List.of(
            "Follow-ups",
            Text.count(r.followUps().size())
                + " (fail-open "
                + r.followUpsOf(FollowUp.Kind.FAIL_OPEN)
                + ", breakglass "
                + r.followUpsOf(FollowUp.Kind.BREAKGLASS)
                + ", dry-run "
                + r.followUpsOf(FollowUp.Kind.DRY_RUN)
                + ")"));
    rows.add(List.of("Follow-ups still open at the end", Text.count(r.stillOpen().size())));
    rows.add(
        List.of(
            "Follow-ups past the deadline of " + Text.duration(r.settings().deadline()),
            Text.count(r.pastDeadline().size())));
    rows.add(
        List.of(
            "Suspected bypasses (denials, then fail-open by the same principal)",
            Text.count(
                r.bypassAttempts().stream()
                    .filter(f -> Boolean.TRUE.equals(f.suspectedBypass()))
                    .count())));
    rows.add(
        List.of(
            "Acknowledged until a time at the end", Text.count(r.acknowledgedWithExpiry().size())));
    rows.add(List.of("Follow-ups closed in the period", Text.count(r.timeToClose().closed())));
    rows.add(List.of("Mean time to close", orDash(Text.duration(r.timeToClose().mean()))));
    rows.add(
        List.of("95th-percentile time to close", orDash(Text.duration(r.timeToClose().p95()))));
    rows.add(List.of("Workloads violating at the end", Text.count(r.violatingAtEnd().size())));
    return new Table(
        "summary", "Summary", null, List.of("Measure", "Value"), Set.of(1), rows, null);
  }

  static Table namespaces(Report r) {
    List<List<String>> rows = new ArrayList<>();
    for (Report.NamespaceCounts n : r.byNamespace()) {
      Counts c = n.counts();
      rows.add(
          List.of(
              n.clusterId(),
              n.namespace(),
              Text.count(c.admissions()),
              Text.count(c.denials()),
              Text.count(c.dryRunDenials()),
              Text.count(c.failOpenAdmissions()),
              Text.count(c.failOpenOutages()),
              Text.count(c.breakglassUses()),
              Text.count(c.violationsOpened()),
              Text.count(c.violationsResolved())));
    }
    return new Table(
        "namespaces",
        "Per cluster and namespace",
        "Outages counts the outages that touched the namespace.",
        List.of(
            "Cluster",
            "Namespace",
            "Admissions",
            "Denied",
            "Dry-run denials",
            "Fail-open",
            "Outages",
            "Breakglass",
            "Violations opened",
            "Violations resolved"),
        Set.of(2, 3, 4, 5, 6, 7, 8, 9),
        rows,
        "Nothing was admitted and no violation changed in the period.");
  }

  static Table outages(Report r) {
    return Table.of(
        "outages",
        "Fail-open outages",
        "Fail-open admissions of one cluster less than "
            + Text.duration(r.settings().outageGap())
            + " apart are grouped as one outage.",
        List.of(
            "Cluster",
            "Start",
            "End",
            "Duration",
            "Fail-open admissions",
            "Namespaces",
            "Mechanisms"),
        Set.of(4),
        r.outages(),
        (Report.Outage o) ->
            List.of(
                o.clusterId(),
                Text.time(o.start()),
                Text.time(o.end()),
                Text.duration(o.duration()),
                Text.count(o.failOpenAdmissions()),
                Text.list(o.namespaces()),
                Text.list(o.mechanisms())),
        "No admission failed open in the period.");
  }

  static Table gaps(Report r) {
    return Table.of(
        "gaps",
        "When Vigil was down",
        "Periods in which a component sent no heartbeat (on vigil.heartbeats) for more than three of its "
            + "intervals: what happened then was not watched live, and records of it came late or not at all. "
            + "A back-filled or replayed period shows as one.",
        List.of("Component", "From", "To", "Duration"),
        Set.of(),
        r.coverage().gaps(),
        (Report.Gap g) ->
            List.of(
                g.component(),
                Text.time(g.start()),
                Text.time(g.end()),
                Text.duration(g.duration())),
        r.coverage().heartbeatsRead()
            ? "Every component sent heartbeats throughout the period."
            : "Not known: no heartbeat was read (the topic vigil.heartbeats does not exist).");
  }

  static Table followUps(Report r) {
    List<Column<? super FollowUpEntry>> columns =
        columns(
            FOLLOW_UP_AND_SEVERITY,
            IMAGES,
            USERS,
            new Column<>("Pods", f -> Text.count(f.podCount())),
            FIRST_SEEN,
            new Column<>("Last seen", f -> Text.time(f.lastSeen())),
            STATE,
            new Column<>("Re-evaluation", f -> Text.lower(f.reevaluation())),
            ACKNOWLEDGED_BY,
            NOTE,
            new Column<>("Closed", f -> Text.time(f.closedAt())),
            new Column<>("Time to close", f -> Text.duration(f.timeToClose())));
    return Table.of(
        "followups",
        "Follow-ups",
        "Every follow-up whose life overlaps the period, oldest first, as it stood at the end. "
            + "Digests are shortened here; the CSV and JSON forms carry them whole.",
        headers(columns),
        Set.of(7),
        r.followUps(),
        cells(columns),
        "No follow-up in the period.");
  }

  static Table stillOpen(Report r) {
    List<Column<? super FollowUpEntry>> columns =
        columns(
            FOLLOW_UP_AND_SEVERITY,
            STATE,
            FIRST_SEEN,
            new Column<>("Age", f -> Text.duration(f.age())),
            new Column<>("Past deadline", f -> f.pastDeadline() ? "yes" : "no"));
    return Table.of(
        "still-open",
        "Still open at the end of the period",
        "Oldest first; age at " + Text.time(r.asOf()) + ".",
        headers(columns),
        Set.of(7),
        r.stillOpen(),
        cells(columns),
        "Every follow-up was closed.");
  }

  static Table pastDeadline(Report r) {
    List<Column<? super FollowUpEntry>> columns =
        columns(
            FOLLOW_UP,
            STATE,
            FIRST_SEEN,
            new Column<>(
                "Open for / closed after",
                f ->
                    f.open()
                        ? "open for " + Text.duration(f.age())
                        : "closed after " + Text.duration(f.timeToClose())));
    return Table.of(
        "past-deadline",
        "Past the deadline of " + Text.duration(r.settings().deadline()),
        "Follow-ups still open after the deadline, or closed later than it.",
        headers(columns),
        Set.of(),
        r.pastDeadline(),
        cells(columns),
        "No follow-up went past the deadline.");
  }

  static Table bypassAttempts(Report r) {
    List<Column<? super FollowUpEntry>> columns =
        columns(
            FOLLOW_UP,
            USERS,
            IMAGES,
            new Column<>(
                "Prior denials", f -> Text.count(f.priorDenials() == null ? 0 : f.priorDenials())),
            new Column<>(
                "Suspected bypass", f -> Boolean.TRUE.equals(f.suspectedBypass()) ? "yes" : "no"),
            STATE,
            FIRST_SEEN);
    return Table.of(
        "bypass-attempts",
        "Suspected bypasses",
        "Fail-open and breakglass follow-ups whose admission came after denials of the same image by the same "
            + "principal. Suspected bypass: a fail-open admission after at least the configured number of denials "
            + "(exhausting the enforcer's quota makes it fail open).",
        headers(columns),
        Set.of(6),
        r.bypassAttempts(),
        cells(columns),
        "No fail-open or breakglass admission came after denials.");
  }

  static Table acknowledgedWithExpiry(Report r) {
    List<Column<? super FollowUpEntry>> columns =
        columns(
            FOLLOW_UP,
            ACKNOWLEDGED_BY,
            new Column<>("Until", f -> Text.time(f.acknowledgedUntil())),
            new Column<>("Ticket", f -> nullToEmpty(f.ticket())),
            NOTE);
    return Table.of(
        "acknowledged-until",
        "Acknowledged until a time",
        "Acknowledgements that expire (vigil ack --until): the follow-up re-opens then, in the state it was "
            + "acknowledged from. Permanent acknowledgements are not listed here.",
        headers(columns),
        Set.of(),
        r.acknowledgedWithExpiry(),
        cells(columns),
        "No acknowledgement with an expiry at the end of the period.");
  }

  static Table violationsInPeriod(Report r) {
    List<Column<? super Report.PeriodViolations>> columns =
        columns(
            violations("Worst decision"),
            new Column<Report.PeriodViolations>("First opened", w -> Text.time(w.firstOpened())),
            new Column<Report.PeriodViolations>("Open at the end", w -> Text.count(w.openAtEnd())));
    return Table.of(
        "violations-in-period",
        "Violations in the period",
        "Workloads with pods that violated the policy at any time in the period (opened, changed or resolved "
            + "in it, or open through it), with the most severe decision and the gravest severity they had, "
            + "gravest first (unknown: records without a severity).",
        headers(columns),
        Set.of(4, 7),
        r.violationsInPeriod(),
        cells(columns),
        "No pod violated the policy in the period.");
  }

  static Table policies(Report r) {
    return Table.of(
        "policies",
        "Policy versions",
        "Per policy, the revision in force when the period began and every revision published in it "
            + "(from vigil.policies.accepted where streams runs its policy gate, else vigil.policies). Both "
            + "topics are compacted, so older revisions may be gone.",
        List.of("Policy", "Version", "Published", "When", "SHA-256", "Source"),
        Set.of(1),
        r.policies(),
        (Report.PolicyRevision p) ->
            List.of(
                p.key(),
                String.valueOf(p.version()),
                Text.time(p.publishedAt()),
                p.inForceAtStart() ? "in force at the start" : "changed in the period",
                p.sha256(),
                p.source() == null ? "" : p.source()),
        "No policy revision found on the policy topics.");
  }

  static Table deadLetters(Report r) {
    return Table.of(
        "dead-letters",
        "Dead letters in the period",
        "Records Vigil could not process (on vigil.dead-letter), by component, source and error; the records "
            + "themselves stay on the topic. Dead letters carry no cluster: the scope does not narrow them.",
        List.of("Component", "Source", "Error", "Count", "First", "Last"),
        Set.of(3),
        r.deadLetters(),
        (Report.DeadLetters d) ->
            List.of(
                d.component(),
                d.source(),
                d.errorType(),
                Text.count(d.count()),
                Text.time(d.first()),
                Text.time(d.last())),
        "No dead letter in the period.");
  }

  static Table violating(Report r) {
    List<Column<? super Report.ViolatingWorkload>> columns =
        columns(
            violations("Decision"),
            new Column<Report.ViolatingWorkload>("Open since", w -> Text.time(w.openSince())),
            new Column<Report.ViolatingWorkload>("Reasons", w -> Text.list(w.reasons())));
    return Table.of(
        "violating",
        "Workloads violating at the end of the period",
        "Running pods whose violation of the policy was open at "
            + Text.time(r.asOf())
            + ", by workload, "
            + "gravest severity first (unknown: records without a severity).",
        headers(columns),
        Set.of(4),
        r.violatingAtEnd(),
        cells(columns),
        "No workload violated the policy at the end of the period.");
  }

  static Table input(Report r) {
    Report.Input in = r.input();
    List<List<String>> rows =
        List.of(
            List.of("Admission events read", Text.count(in.admissionEventsRead())),
            List.of("Violation transitions read", Text.count(in.violationsRead())),
            List.of("Follow-up changes read", Text.count(in.followUpsRead())),
            List.of("Unreadable records skipped", Text.count(in.unreadable())),
            List.of(
                "Redelivered admission events dropped", Text.count(in.duplicateAdmissionEvents())),
            List.of("SHA-256 of the offsets read", in.sha256()));
    return new Table(
        "input",
        "Input",
        "Records read, including those before the period that tell what was already open. A re-run "
            + "with the same offsets digest read the same records.",
        List.of("Records", "Count"),
        Set.of(),
        rows,
        null);
  }

  static Table inputOffsets(Report r) {
    return Table.of(
        "input-offsets",
        "Offsets read",
        "Per partition, the first offset read and the end offset (excluded), taken when the read began.",
        List.of("Topic", "Partition", "Start", "End"),
        Set.of(1, 2, 3),
        r.input().ranges(),
        (Report.OffsetRange o) ->
            List.of(
                o.topic(),
                String.valueOf(o.partition()),
                String.valueOf(o.start()),
                String.valueOf(o.end())),
        "No partition was read (the report was built without Kafka).");
  }

  /** The names listed, with an ellipsis when there are more than listed. */
  private static String someOf(List<String> names, int all) {
    return Text.list(names) + (all > names.size() ? ", …" : "");
  }

  private static String orDash(String s) {
    return s.isEmpty() ? "–" : s;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
