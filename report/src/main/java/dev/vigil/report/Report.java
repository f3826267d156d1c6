package dev.vigil.report;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.WorkloadRef;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A compliance report over one period: what {@link ReportBuilder} found, ready for a renderer.
 * Every list is sorted, so the same topics give the same report.
 *
 * @param asOf the instant the report's ages and end-of-period states refer to: {@code to}, or the
 *     time the report was made when {@code to} lies in the future
 * @param byNamespace the counts per cluster and namespace, sorted by cluster then namespace
 * @param followUps every follow-up whose life overlaps the period, oldest first
 * @param violatingAtEnd workloads with pods whose violation was still open at {@code asOf}
 * @param violationsInPeriod workloads with pods that violated the policy at any time in the period
 * @param policies the policy revision in force at the start of the period and every revision
 *     published in it, per policy, oldest first
 * @param deadLetters records Vigil could not process in the period, grouped by component, source
 *     and error type
 * @param generator the tool that made the report, e.g. {@code vigil 0.1.0 (commit 1a2b3c4d5e6f)},
 *     or {@code null} when not told
 * @param coverage what the report's times rest on and when Vigil was not running
 */
public record Report(
    Instant generatedAt,
    String generator,
    ReportSettings settings,
    Instant asOf,
    Counts summary,
    List<NamespaceCounts> byNamespace,
    List<Outage> outages,
    List<FollowUpEntry> followUps,
    List<ViolatingWorkload> violatingAtEnd,
    List<PeriodViolations> violationsInPeriod,
    List<PolicyRevision> policies,
    List<DeadLetters> deadLetters,
    CloseTimes timeToClose,
    Input input,
    Coverage coverage) {

  /** The version of the report's JSON form ({@code report.schema.json}). */
  public static final int VERSION = 1;

  public Report {
    Objects.requireNonNull(generatedAt, "generatedAt");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(asOf, "asOf");
    Objects.requireNonNull(summary, "summary");
    byNamespace = List.copyOf(byNamespace);
    outages = List.copyOf(outages);
    followUps = List.copyOf(followUps);
    violatingAtEnd = List.copyOf(violatingAtEnd);
    violationsInPeriod = List.copyOf(violationsInPeriod);
    deadLetters = List.copyOf(deadLetters);
    policies = List.copyOf(policies);
    Objects.requireNonNull(timeToClose, "timeToClose");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(coverage, "coverage");
  }

  /** Follow-ups still open at {@code asOf}, oldest first. */
  public List<FollowUpEntry> stillOpen() {
    return followUps.stream()
        .filter(FollowUpEntry::open)
        .sorted(
            Comparator.comparing(FollowUpEntry::firstSeen).thenComparing(FollowUpEntry::followUpId))
        .toList();
  }

  /** Follow-ups open longer than the deadline, or closed later than it. */
  public List<FollowUpEntry> pastDeadline() {
    return followUps.stream().filter(FollowUpEntry::pastDeadline).toList();
  }

  /**
   * Orders by severity, gravest first, unknown (no severity: v1 records) last: the violation lists
   * are sorted by it before their own order.
   */
  public static final Comparator<Severity> GRAVEST_FIRST =
      Comparator.nullsLast(Comparator.naturalOrder());

  /**
   * Follow-ups flagged as a suspected bypass, or with denials before their admission, oldest first.
   */
  public List<FollowUpEntry> bypassAttempts() {
    return followUps.stream()
        .filter(f -> Boolean.TRUE.equals(f.suspectedBypass()) || f.priorDenials() != null)
        .toList();
  }

  /**
   * Follow-ups acknowledged until a time at {@code asOf} (they re-open when it passes), oldest
   * first.
   */
  public List<FollowUpEntry> acknowledgedWithExpiry() {
    return followUps.stream()
        .filter(f -> f.state() == FollowUp.State.ACKNOWLEDGED && f.acknowledgedUntil() != null)
        .toList();
  }

  /** Follow-ups of one kind. */
  public long followUpsOf(FollowUp.Kind kind) {
    return followUps.stream().filter(f -> f.kind() == kind).count();
  }

  /** Admission and violation counts over the period. */
  public record Counts(
      long admissions,
      long admitted,
      long denials,
      long dryRunDenials,
      long failOpenAdmissions,
      long failOpenOutages,
      long breakglassUses,
      long violationsOpened,
      long violationsResolved) {}

  /** {@link Counts} of one namespace of one cluster. */
  public record NamespaceCounts(String clusterId, String namespace, Counts counts) {}

  /**
   * Fail-open admissions of one cluster with no gap longer than the outage gap between them: most
   * likely one outage of the enforcer.
   */
  public record Outage(
      String clusterId,
      Instant start,
      Instant end,
      long failOpenAdmissions,
      List<String> namespaces,
      List<String> mechanisms) {
    public Outage {
      namespaces = List.copyOf(namespaces);
      mechanisms = List.copyOf(mechanisms);
    }

    /** How long the outage lasted, from the first to the last fail-open admission. */
    public Duration duration() {
      return Duration.between(start, end);
    }
  }

  /**
   * One follow-up as it stood at the end of the period.
   *
   * @param open whether someone still had to look at it at {@code asOf}
   * @param lastChangedAt when its state last changed, at or before {@code asOf}
   * @param closedAt when it left the open states (OPEN, ESCALATED) for the last time, or {@code
   *     null} while open
   * @param timeToClose from first seen to closed, or {@code null} while open
   * @param age from first seen to {@code asOf} while open, or {@code null} when closed
   * @param acknowledgedAt when it was acknowledged, or {@code null}
   * @param pastDeadline open longer than the deadline, or closed after more than the deadline
   * @param suspectedBypass {@code true} when flagged as a suspected quota-exhaustion bypass, else
   *     {@code null}
   * @param priorDenials denials of the image by the admitting principal before its fail-open or
   *     breakglass admission, or {@code null}
   * @param acknowledgedUntil when its acknowledgement expires, or {@code null}
   * @param ticket the ticket reference of its acknowledgement, or {@code null}
   */
  public record FollowUpEntry(
      String followUpId,
      String clusterId,
      WorkloadRef owner,
      FollowUp.Kind kind,
      FollowUp.State state,
      boolean open,
      String cause,
      Decision reevaluation,
      int podCount,
      List<String> pods,
      List<String> images,
      List<String> users,
      String detail,
      Instant firstSeen,
      Instant lastSeen,
      Instant lastChangedAt,
      Instant closedAt,
      Duration timeToClose,
      Duration age,
      String acknowledgedBy,
      Instant acknowledgedAt,
      String note,
      boolean pastDeadline,
      Boolean suspectedBypass,
      Integer priorDenials,
      Instant acknowledgedUntil,
      String ticket,
      Severity severity) {
    public FollowUpEntry {
      Objects.requireNonNull(followUpId, "followUpId");
      Objects.requireNonNull(owner, "owner");
      pods = List.copyOf(pods);
      images = List.copyOf(images);
      users = List.copyOf(users);
    }
  }

  /** What a workload's violating pods are shown by: its own, and theirs. */
  public interface WorkloadViolations {
    String clusterId();

    WorkloadRef owner();

    /** The most severe decision of its pods. */
    Decision decision();

    /** How many of its pods violate. */
    int pods();

    /** Some of them, at most {@link ReportBuilder#MAX_LISTED}. */
    List<String> podNames();

    /** The gravest severity of their violations; {@code null} (unknown) when none carries one. */
    Severity severity();
  }

  /**
   * A workload with pods whose violation was open at the end of the period.
   *
   * @param decision the most severe current decision of its pods (DENY, UNKNOWN, DRYRUN_DENY)
   * @param pods how many of its pods violate
   * @param podNames some of them, at most {@link ReportBuilder#MAX_LISTED}
   * @param reasons distinct reasons, at most {@link ReportBuilder#MAX_LISTED}
   * @param openSince when the oldest of its open violations opened
   * @param severity the gravest severity of its open violations; {@code null} (unknown) when none
   *     carries one (v1 records)
   */
  public record ViolatingWorkload(
      String clusterId,
      WorkloadRef owner,
      Decision decision,
      int pods,
      List<String> podNames,
      List<String> reasons,
      Instant openSince,
      Severity severity)
      implements WorkloadViolations {
    public ViolatingWorkload(
        String clusterId,
        WorkloadRef owner,
        Decision decision,
        int pods,
        List<String> podNames,
        List<String> reasons,
        Instant openSince) {
      this(clusterId, owner, decision, pods, podNames, reasons, openSince, null);
    }

    public ViolatingWorkload {
      podNames = List.copyOf(podNames);
      reasons = List.copyOf(reasons);
    }
  }

  /**
   * A workload with pods that violated the policy at some time in the period: a violation opened,
   * changed or resolved in it, or was open through it.
   *
   * @param decision the most severe decision any of its pods had in the period
   * @param pods how many of its pods violated
   * @param podNames some of them, at most {@link ReportBuilder#MAX_LISTED}
   * @param firstOpened when the earliest of those violations opened (possibly before the period)
   * @param openAtEnd how many were still open at the end of the period
   * @param severity the gravest severity its violations had in the period; {@code null} (unknown)
   *     when none carried one (v1 records)
   */
  public record PeriodViolations(
      String clusterId,
      WorkloadRef owner,
      Decision decision,
      int pods,
      List<String> podNames,
      Instant firstOpened,
      int openAtEnd,
      Severity severity)
      implements WorkloadViolations {
    public PeriodViolations(
        String clusterId,
        WorkloadRef owner,
        Decision decision,
        int pods,
        List<String> podNames,
        Instant firstOpened,
        int openAtEnd) {
      this(clusterId, owner, decision, pods, podNames, firstOpened, openAtEnd, null);
    }

    public PeriodViolations {
      podNames = List.copyOf(podNames);
    }
  }

  /**
   * One revision of a policy document.
   *
   * @param key {@code KIND/scope/name}
   * @param inForceAtStart the revision that was in force when the period began (published before
   *     it)
   */
  public record PolicyRevision(
      String key,
      long version,
      String sha256,
      String source,
      Instant publishedAt,
      boolean inForceAtStart) {}

  /**
   * Dead letters of one component, source (topic or feed) and error type in the period.
   *
   * @param count how many
   * @param first the time of the first
   * @param last the time of the last
   */
  public record DeadLetters(
      String component, String source, String errorType, long count, Instant first, Instant last) {}

  /**
   * How long follow-ups closed within the period took to close. {@code mean} and {@code p95}
   * (nearest rank) are {@code null} when none closed.
   */
  public record CloseTimes(int closed, Duration mean, Duration p95) {}

  /**
   * What was read: records per topic, records that could not be read (skipped and counted),
   * admission events dropped as redeliveries of one already counted, and the offsets read from each
   * partition (sorted by topic, then partition).
   */
  public record Input(
      long admissionEventsRead,
      long violationsRead,
      long followUpsRead,
      long unreadable,
      long duplicateAdmissionEvents,
      List<OffsetRange> ranges) {
    public Input {
      ranges =
          ranges.stream()
              .sorted(
                  Comparator.comparing(OffsetRange::topic).thenComparingInt(OffsetRange::partition))
              .toList();
    }

    /** Every record read. */
    public long total() {
      return admissionEventsRead + violationsRead + followUpsRead;
    }

    /**
     * SHA-256 (hex) of the offsets read, one line {@code topic/partition/start-end} per range in
     * order: two reports with the same digest read the same records.
     */
    public String sha256() {
      StringBuilder b = new StringBuilder();
      for (OffsetRange r : ranges) {
        b.append(r).append('\n');
      }
      try {
        return java.util.HexFormat.of()
            .formatHex(
                java.security.MessageDigest.getInstance("SHA-256")
                    .digest(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JVM has SHA-256", e);
      }
    }
  }

  /**
   * What the report's times rest on and when Vigil was not running. The period is one of event
   * time: admission events count by when the request was received, violations and follow-ups by the
   * event time they carry (the admission, pod event, policy change, attestation or sweep that
   * caused them), and records written before event times were kept by when streams processed them.
   *
   * @param datedByProcessingTime violation and follow-up records in the period that carry no event
   *     time, so are placed and dated by processing time
   * @param heartbeatsRead whether Vigil's heartbeats were read; without them, when Vigil was down
   *     is not known and {@code gaps} is empty
   * @param gaps periods of {@code [from, asOf)} in which a component sent no heartbeat, oldest
   *     first
   */
  public record Coverage(long datedByProcessingTime, boolean heartbeatsRead, List<Gap> gaps) {
    public Coverage {
      gaps = List.copyOf(gaps);
    }
  }

  /**
   * A period in which no instance of a component sent a heartbeat: it was not running (or could not
   * reach Kafka), so what happened then was not watched live.
   *
   * @param component {@code ingest}, {@code streams}, or {@code vigil} when no component sent any
   *     heartbeat in or around the period
   * @param start the last heartbeat before the gap, or the start of the period
   * @param end the first heartbeat after the gap, or the end of the report ({@code asOf})
   */
  public record Gap(String component, Instant start, Instant end) {
    public Gap {
      Objects.requireNonNull(component, "component");
      Objects.requireNonNull(start, "start");
      Objects.requireNonNull(end, "end");
    }

    /** How long no heartbeat came. */
    public Duration duration() {
      return Duration.between(start, end);
    }
  }

  /**
   * The records read from one partition: offsets {@code start} (included) to {@code end}
   * (excluded).
   */
  public record OffsetRange(String topic, int partition, long start, long end) {
    public OffsetRange {
      Objects.requireNonNull(topic, "topic");
    }

    /** {@code topic/partition/start-end}. */
    @Override
    public String toString() {
      return topic + "/" + partition + "/" + start + "-" + end;
    }
  }
}
