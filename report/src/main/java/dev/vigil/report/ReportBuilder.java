package dev.vigil.report;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Heartbeat;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.WorkloadRef;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Aggregates admission events, violation transitions and follow-ups into a {@link Report} as they
 * are read, in any interleaving of the three topics (records of one key must come in the order of
 * their partition).
 *
 * <p>Memory is bounded by the size of the clusters, not by the number of records: it keeps counts
 * per namespace, one bucket per outage gap that saw a fail-open admission, the latest state of each
 * follow-up that can still be part of the report, the latest transition of each pod whose violation
 * is open, and a window of recent audit ids to drop redelivered admission events.
 *
 * <p>Not thread-safe: feed it from one thread.
 */
public final class ReportBuilder {

  /** Lists inside one row (pod names, reasons) show at most this many entries. */
  public static final int MAX_LISTED = 10;

  /** How many recent {@code (auditID, stage)} pairs are remembered to drop redeliveries. */
  static final int DEDUP_WINDOW = 50_000;

  private final ReportSettings settings;
  private final Clock clock;

  private final MutableCounts total = new MutableCounts();
  private final Map<String, Map<String, MutableCounts>> perNamespace = new TreeMap<>();
  private final Map<String, TreeMap<Long, Bucket>> failOpenBuckets = new TreeMap<>();
  private final Map<String, FollowUpState> followUps = new HashMap<>();
  private final Map<String, OpenViolation> openViolations = new HashMap<>();

  /** One instance per distinct value, so the state of 100,000 open violations stays small. */
  private final Map<Object, Object> canonical = new HashMap<>();

  private final Map<String, Boolean> recentAuditIds =
      new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > DEDUP_WINDOW;
        }
      };

  private long admissionEventsRead;
  private long violationsRead;
  private long followUpsRead;
  private long unreadable;
  private long duplicates;

  /** Violation and follow-up records in the period that carry no event time. */
  private long datedByProcessingTime;

  private final List<Report.OffsetRange> ranges = new ArrayList<>();

  /**
   * Per workload ({@code cluster/Kind/namespace/name}), the violations that changed in the period.
   */
  private final Map<String, PeriodAggregate> inPeriod = new TreeMap<>();

  /** Per policy key, the revision in force at the start and those published in the period. */
  private final Map<String, List<Report.PolicyRevision>> policies = new TreeMap<>();

  /** Dead letters in the period per component, source and error type. */
  private final Map<List<String>, long[]> deadLetters =
      new TreeMap<>(
          Comparator.comparing((List<String> k) -> k.get(0))
              .thenComparing(k -> k.get(1))
              .thenComparing(k -> k.get(2)));

  private String generator;

  /** Heartbeat times per component, from a little before the period to its end. */
  private final Map<String, HeartbeatTimes> heartbeats = new TreeMap<>();

  private boolean heartbeatsRead;

  public ReportBuilder(ReportSettings settings) {
    this(settings, Clock.systemUTC());
  }

  /** A builder whose report is dated by {@code clock}; ages never run past {@code clock}. */
  public ReportBuilder(ReportSettings settings, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The settings the report is built with. */
  public ReportSettings settings() {
    return settings;
  }

  /**
   * Counts one admission decision if it was received in the period and is in scope. Only the {@code
   * ResponseComplete} stage (or events without a stage, as GKE's) carries a decision; redeliveries
   * of the same {@code (auditID, stage)} are dropped.
   */
  public void admission(AdmissionEvent e) {
    admissionEventsRead++;
    if (!settings.inPeriod(e.requestReceivedAt())
        || !settings.inScope(e.clusterId(), e.namespace())) {
      return;
    }
    if (e.stage() != null && !e.stage().isBlank() && !"ResponseComplete".equals(e.stage())) {
      return;
    }
    String id = e.clusterId() + '\u0000' + e.auditId() + '\u0000' + e.stage();
    if (recentAuditIds.put(id, Boolean.TRUE) != null) {
      duplicates++;
      return;
    }
    MutableCounts ns = namespace(e.clusterId(), e.namespace());
    for (MutableCounts c : new MutableCounts[] {total, ns}) {
      c.admissions++;
      if (e.blocked()) {
        c.denials++;
      } else {
        c.admitted++;
      }
      if (e.dryRun()) {
        c.dryRunDenials++;
      }
      if (e.breakglass()) {
        c.breakglass++;
      }
      if (e.failedOpen() != null) {
        c.failOpen++;
      }
    }
    if (e.failedOpen() != null) {
      long gap = settings.outageGap().toMillis();
      long index = Math.floorDiv(e.requestReceivedAt().toEpochMilli(), gap);
      failOpenBuckets
          .computeIfAbsent(e.clusterId(), k -> new TreeMap<>())
          .computeIfAbsent(index, k -> new Bucket())
          .add(e.requestReceivedAt(), e.namespace(), e.failedOpen().mechanism().name());
    }
  }

  /**
   * Follows one pod's violation: counts it when it opened or resolved in the period, and keeps it
   * while it is open so the report can list what still violated at the end.
   */
  public void violation(ViolationTransition v) {
    violationsRead++;
    if (v.category() == ViolationCategory.HYGIENE) {
      return; // registry-hygiene findings judge no policy: they are not policy violations
    }
    // The period is one of event time: a back-filled month is reported in its month.
    Instant when = eventTime(v.eventTime(), v.at());
    if (!when.isBefore(settings.to()) || !settings.inScope(v.clusterId(), v.namespace())) {
      return;
    }
    Instant opened = openedAt(v);
    if (settings.inPeriod(when) && settings.shows(v.severity())) {
      if (v.eventTime() == null) {
        datedByProcessingTime++;
      }
      Decision violated = v.current().isViolation() ? v.current() : v.previous();
      periodAggregate(v.clusterId(), v.owner()).add(v.podName(), violated, opened, v.severity());
      MutableCounts ns = namespace(v.clusterId(), v.namespace());
      if (v.transition() == ViolationTransition.Transition.OPENED) {
        total.violationsOpened++;
        ns.violationsOpened++;
      } else if (v.transition() == ViolationTransition.Transition.RESOLVED) {
        total.violationsResolved++;
        ns.violationsResolved++;
      }
    }
    if (v.transition() == ViolationTransition.Transition.RESOLVED || !v.current().isViolation()) {
      openViolations.remove(v.key());
    } else {
      openViolations.put(
          v.key(),
          new OpenViolation(
              canonical(v.clusterId()),
              canonical(v.owner()),
              v.podName(),
              v.current(),
              opened,
              canonical(v.reasons()),
              v.severity()));
    }
  }

  /**
   * When the violation opened, in event time: the event time of its OPENED transition, else what an
   * earlier transition of the open violation gave, else its {@code openedAt} (processing time).
   */
  private Instant openedAt(ViolationTransition v) {
    if (v.transition() == ViolationTransition.Transition.OPENED) {
      return eventTime(v.eventTime(), v.openedAt());
    }
    OpenViolation known = openViolations.get(v.key());
    return known != null ? known.openedAt() : v.openedAt();
  }

  /** The event time when the record carries one, else its processing time. */
  private static Instant eventTime(Instant eventTime, Instant processed) {
    return eventTime != null ? eventTime : processed;
  }

  /**
   * Follows a policy revision (from {@code vigil.policies}, or the revisions streams accepted):
   * keeps the last one published before the period and every one published in it.
   */
  public void policy(PolicyDocument p) {
    if (!p.publishedAt().isBefore(settings.to())) {
      return;
    }
    boolean before = p.publishedAt().isBefore(settings.from());
    List<Report.PolicyRevision> revisions =
        policies.computeIfAbsent(p.key(), k -> new ArrayList<>());
    Report.PolicyRevision r =
        new Report.PolicyRevision(
            p.key(), p.version(), p.sha256(), p.source(), p.publishedAt(), before);
    if (before) {
      // Only the latest revision before the period is in force at its start.
      revisions.removeIf(x -> x.inForceAtStart() && !x.publishedAt().isAfter(p.publishedAt()));
      if (revisions.stream().anyMatch(x -> x.inForceAtStart())) {
        return;
      }
    } else if (revisions.stream()
        .anyMatch(x -> x.version() == p.version() && x.sha256().equals(p.sha256()))) {
      return; // the same revision again (a re-publication)
    }
    revisions.add(r);
  }

  /**
   * Counts a dead letter when it was written in the period. Dead letters carry no cluster, so the
   * report's cluster and namespace scope does not narrow them.
   */
  public void deadLetter(DeadLetter d) {
    if (!settings.inPeriod(d.at())) {
      return;
    }
    long at = d.at().toEpochMilli();
    long[] c =
        deadLetters.computeIfAbsent(
            List.of(d.component(), d.source(), d.errorType()), k -> new long[] {0, at, at});
    c[0]++;
    c[1] = Math.min(c[1], at);
    c[2] = Math.max(c[2], at);
  }

  /** Follows one follow-up's change of state, up to the end of the period. */
  public void followUp(FollowUp f) {
    followUpsRead++;
    // Dated, and placed in the period, by the events that caused the records (replays, back-fills),
    // else by processing time.
    Instant when = eventTime(f.eventTime(), f.changedAt());
    if (!when.isBefore(settings.to()) || !settings.inScope(f.clusterId(), f.owner().namespace())) {
      return;
    }
    FollowUpState st = followUps.computeIfAbsent(f.followUpId(), k -> new FollowUpState());
    if (st.latest == null) {
      st.firstSeen = eventTime(f.eventTime(), f.firstSeen());
      st.lastSeen = eventTime(f.eventTime(), f.lastSeen());
    } else if (f.lastSeen().isAfter(st.latest.lastSeen())) {
      st.lastSeen = eventTime(f.eventTime(), f.lastSeen()); // a later pod: the record that shows it
    }
    st.changedAt = when;
    boolean wasOpen = st.latest == null || st.latest.state().isOpen();
    if (f.state().isOpen()) {
      st.closedAt = null;
    } else if (wasOpen || st.closedAt == null) {
      st.closedAt = when;
    }
    if (f.acknowledgedBy() != null && !f.acknowledgedBy().equals(st.acknowledgedBy)) {
      st.acknowledgedBy = f.acknowledgedBy();
      st.acknowledgedAt = when;
    } else if (f.state() == FollowUp.State.ACKNOWLEDGED && st.acknowledgedAt == null) {
      st.acknowledgedAt = when;
    }
    if (f.note() != null) {
      st.note = f.note();
    }
    if (settings.inPeriod(when)) {
      st.changedInPeriod = true;
      if (f.eventTime() == null) {
        datedByProcessingTime++;
      }
    }
    st.latest = f;
    if (!st.relevant(settings.from())) {
      // Closed before the period began: it cannot be part of the report unless it reopens, and a
      // reopening record carries what the report needs again.
      followUps.remove(f.followUpId());
    }
  }

  /**
   * Records that Vigil's heartbeats are read (the topic exists), so that a period without any is
   * reported as a gap rather than as unknown.
   */
  public void heartbeatsRead() {
    heartbeatsRead = true;
  }

  /** Follows one heartbeat: the report shows the periods without any as gaps. */
  public void heartbeat(Heartbeat h) {
    heartbeatsRead = true;
    if (!h.at().isBefore(settings.to())) {
      return;
    }
    heartbeats
        .computeIfAbsent(h.component(), k -> new HeartbeatTimes())
        .add(h.at(), h.intervalSeconds());
  }

  /** Records that the records of one partition were read from {@code start} to {@code end}. */
  public void offsets(String topic, int partition, long start, long end) {
    ranges.add(new Report.OffsetRange(topic, partition, start, end));
  }

  /** Names the tool that makes the report (its version and commit). */
  public ReportBuilder generator(String generator) {
    this.generator = generator;
    return this;
  }

  /** Counts a record that could not be read (it is skipped). */
  public void unreadable() {
    unreadable++;
  }

  /** The report of everything fed so far. */
  public Report build() {
    Instant generatedAt = clock.instant();
    Instant asOf = generatedAt.isBefore(settings.to()) ? generatedAt : settings.to();

    List<Report.Outage> outages = outages();
    List<Report.NamespaceCounts> byNamespace = new ArrayList<>();
    perNamespace.forEach(
        (cluster, namespaces) ->
            namespaces.forEach(
                (ns, counts) ->
                    byNamespace.add(
                        new Report.NamespaceCounts(
                            cluster,
                            ns,
                            counts.freeze(
                                outages.stream()
                                    .filter(
                                        o ->
                                            o.clusterId().equals(cluster)
                                                && o.namespaces().contains(ns))
                                    .count())))));

    List<Report.FollowUpEntry> entries = new ArrayList<>();
    for (FollowUpState st : followUps.values()) {
      if (st.relevant(settings.from())) {
        entries.add(st.entry(asOf, settings.deadline()));
      }
    }
    entries.sort(
        Comparator.comparing(Report.FollowUpEntry::firstSeen)
            .thenComparing(Report.FollowUpEntry::followUpId));

    return new Report(
        generatedAt,
        generator,
        settings,
        asOf,
        total.freeze(outages.size()),
        byNamespace,
        outages,
        entries,
        violatingWorkloads(),
        violationsInPeriod(),
        policyRevisions(),
        deadLetterGroups(),
        closeTimes(entries),
        new Report.Input(
            admissionEventsRead, violationsRead, followUpsRead, unreadable, duplicates, ranges),
        new Report.Coverage(datedByProcessingTime, heartbeatsRead, gaps(asOf)));
  }

  /**
   * The periods of {@code [from, asOf)} in which a component sent no heartbeat for longer than
   * {@link HeartbeatTimes#MISSED} of its intervals; the whole period when none sent any.
   */
  private List<Report.Gap> gaps(Instant asOf) {
    List<Report.Gap> out = new ArrayList<>();
    if (!heartbeatsRead || !settings.from().isBefore(asOf)) {
      return out;
    }
    if (heartbeats.isEmpty()) {
      out.add(new Report.Gap("vigil", settings.from(), asOf));
      return out;
    }
    long from = settings.from().toEpochMilli();
    long end = asOf.toEpochMilli();
    heartbeats.forEach(
        (component, times) -> {
          long tolerance = times.tolerance();
          long last = Long.MIN_VALUE; // the last heartbeat seen, if any
          for (long t : times.sorted()) {
            if (t >= end) {
              break;
            }
            long since = last == Long.MIN_VALUE ? from : Math.max(last, from);
            if (t > from && t - (last == Long.MIN_VALUE ? from : last) > tolerance) {
              out.add(
                  new Report.Gap(component, Instant.ofEpochMilli(since), Instant.ofEpochMilli(t)));
            }
            last = t;
          }
          if (last == Long.MIN_VALUE || end - last > tolerance) {
            long since = last == Long.MIN_VALUE ? from : Math.max(last, from);
            out.add(new Report.Gap(component, Instant.ofEpochMilli(since), asOf));
          }
        });
    out.sort(Comparator.comparing(Report.Gap::start).thenComparing(Report.Gap::component));
    return out;
  }

  private MutableCounts namespace(String cluster, String namespace) {
    return perNamespace
        .computeIfAbsent(cluster, k -> new TreeMap<>())
        .computeIfAbsent(namespace, k -> new MutableCounts());
  }

  private List<Report.Outage> outages() {
    long gap = settings.outageGap().toMillis();
    List<Report.Outage> out = new ArrayList<>();
    failOpenBuckets.forEach(
        (cluster, buckets) -> {
          Bucket current = null;
          for (Bucket b : buckets.values()) {
            if (current != null && b.min.toEpochMilli() - current.max.toEpochMilli() <= gap) {
              current.merge(b);
            } else {
              if (current != null) {
                out.add(current.outage(cluster));
              }
              current = b.copy();
            }
          }
          if (current != null) {
            out.add(current.outage(cluster));
          }
        });
    out.sort(Comparator.comparing(Report.Outage::start).thenComparing(Report.Outage::clusterId));
    return out;
  }

  private PeriodAggregate periodAggregate(String clusterId, WorkloadRef owner) {
    return inPeriod.computeIfAbsent(
        clusterId + "/" + owner.key(),
        k -> new PeriodAggregate(canonical(clusterId), canonical(owner)));
  }

  private List<Report.PolicyRevision> policyRevisions() {
    List<Report.PolicyRevision> out = new ArrayList<>();
    policies
        .values()
        .forEach(
            revisions ->
                revisions.stream()
                    .sorted(
                        Comparator.comparing(Report.PolicyRevision::publishedAt)
                            .thenComparingLong(Report.PolicyRevision::version))
                    .forEach(out::add));
    return out;
  }

  private List<Report.DeadLetters> deadLetterGroups() {
    List<Report.DeadLetters> out = new ArrayList<>();
    deadLetters.forEach(
        (k, c) ->
            out.add(
                new Report.DeadLetters(
                    k.get(0),
                    k.get(1),
                    k.get(2),
                    c[0],
                    Instant.ofEpochMilli(c[1]),
                    Instant.ofEpochMilli(c[2]))));
    return out;
  }

  /**
   * Workloads with violations in the period: those that changed in it and those open through it.
   */
  private List<Report.PeriodViolations> violationsInPeriod() {
    Map<String, PeriodAggregate> all = new TreeMap<>();
    inPeriod.forEach((k, a) -> all.put(k, a.copy()));
    for (OpenViolation v : openViolations.values()) {
      if (!settings.shows(v.severity())) {
        continue;
      }
      PeriodAggregate a =
          all.computeIfAbsent(
              v.clusterId() + "/" + v.owner().key(),
              k -> new PeriodAggregate(v.clusterId(), v.owner()));
      a.add(v.podName(), v.current(), v.openedAt(), v.severity());
      a.openAtEnd++;
    }
    List<Report.PeriodViolations> out = new ArrayList<>();
    for (PeriodAggregate a : all.values()) {
      out.add(
          new Report.PeriodViolations(
              a.clusterId,
              a.owner,
              a.worst,
              a.pods.size(),
              a.pods.stream().limit(MAX_LISTED).toList(),
              a.firstOpened,
              a.openAtEnd,
              a.severity));
    }
    out.sort(
        Comparator.comparing(Report.PeriodViolations::severity, Report.GRAVEST_FIRST)
            .thenComparing(Report.PeriodViolations::firstOpened)
            .thenComparing(w -> w.clusterId() + "/" + w.owner().key()));
    return out;
  }

  /** The violations of one workload seen in the period. */
  private static final class PeriodAggregate {
    final String clusterId;
    final WorkloadRef owner;
    final SortedSet<String> pods = new TreeSet<>();
    Decision worst;
    Instant firstOpened;
    int openAtEnd;
    Severity severity;

    PeriodAggregate(String clusterId, WorkloadRef owner) {
      this.clusterId = clusterId;
      this.owner = owner;
    }

    void add(String pod, Decision decision, Instant openedAt, Severity severity) {
      pods.add(pod);
      this.severity = Severity.gravest(this.severity, severity);
      if (decision != null) {
        worst = worst == null ? decision : Decision.worst(worst, decision);
      }
      firstOpened = firstOpened == null || openedAt.isBefore(firstOpened) ? openedAt : firstOpened;
    }

    PeriodAggregate copy() {
      PeriodAggregate c = new PeriodAggregate(clusterId, owner);
      c.pods.addAll(pods);
      c.worst = worst;
      c.firstOpened = firstOpened;
      c.severity = severity;
      return c;
    }
  }

  private List<Report.ViolatingWorkload> violatingWorkloads() {
    Map<String, List<OpenViolation>> byWorkload = new TreeMap<>();
    for (OpenViolation v : openViolations.values()) {
      if (!settings.shows(v.severity())) {
        continue;
      }
      byWorkload
          .computeIfAbsent(v.clusterId() + "/" + v.owner().key(), k -> new ArrayList<>())
          .add(v);
    }
    List<Report.ViolatingWorkload> out = new ArrayList<>();
    for (List<OpenViolation> pods : byWorkload.values()) {
      pods.sort(Comparator.comparing(OpenViolation::podName));
      Decision worst = Decision.ALLOW;
      Instant since = null;
      SortedSet<String> reasons = new TreeSet<>();
      Severity severity = null;
      for (OpenViolation v : pods) {
        worst = Decision.worst(worst, v.current());
        severity = Severity.gravest(severity, v.severity());
        since = since == null || v.openedAt().isBefore(since) ? v.openedAt() : since;
        reasons.addAll(v.reasons());
      }
      OpenViolation first = pods.get(0);
      out.add(
          new Report.ViolatingWorkload(
              first.clusterId(),
              first.owner(),
              worst,
              pods.size(),
              pods.stream().limit(MAX_LISTED).map(OpenViolation::podName).toList(),
              reasons.stream().limit(MAX_LISTED).toList(),
              since,
              severity));
    }
    out.sort(
        Comparator.comparing(Report.ViolatingWorkload::severity, Report.GRAVEST_FIRST)
            .thenComparing(Report.ViolatingWorkload::openSince)
            .thenComparing(w -> w.clusterId() + "/" + w.owner().key()));
    return out;
  }

  private Report.CloseTimes closeTimes(List<Report.FollowUpEntry> entries) {
    List<Duration> times =
        entries.stream()
            .filter(e -> e.closedAt() != null && settings.inPeriod(e.closedAt()))
            .map(Report.FollowUpEntry::timeToClose)
            .sorted()
            .toList();
    if (times.isEmpty()) {
      return new Report.CloseTimes(0, null, null);
    }
    long sum = 0;
    for (Duration d : times) {
      sum += d.toMillis();
    }
    int rank = (int) Math.ceil(0.95 * times.size());
    return new Report.CloseTimes(
        times.size(), Duration.ofMillis(sum / times.size()), times.get(rank - 1));
  }

  @SuppressWarnings("unchecked")
  private <T> T canonical(T value) {
    return (T) canonical.computeIfAbsent(value, k -> k);
  }

  /** The times of one component's heartbeats, all instances together. */
  private static final class HeartbeatTimes {
    /** A component that misses this many heartbeats in a row was down. */
    static final int MISSED = 3;

    long[] times = new long[64];
    int size;
    long intervalMillis = 1000;

    void add(Instant at, long intervalSeconds) {
      if (size == times.length) {
        times = Arrays.copyOf(times, size * 2);
      }
      times[size++] = at.toEpochMilli();
      intervalMillis = Math.max(intervalMillis, intervalSeconds * 1000);
    }

    long tolerance() {
      return MISSED * intervalMillis;
    }

    long[] sorted() {
      long[] s = Arrays.copyOf(times, size);
      Arrays.sort(s);
      return s;
    }
  }

  /** What the report needs of a pod's open violation. */
  private record OpenViolation(
      String clusterId,
      WorkloadRef owner,
      String podName,
      Decision current,
      Instant openedAt,
      List<String> reasons,
      Severity severity) {}

  private static final class MutableCounts {
    long admissions;
    long admitted;
    long denials;
    long dryRunDenials;
    long failOpen;
    long breakglass;
    long violationsOpened;
    long violationsResolved;

    Report.Counts freeze(long outages) {
      return new Report.Counts(
          admissions,
          admitted,
          denials,
          dryRunDenials,
          failOpen,
          outages,
          breakglass,
          violationsOpened,
          violationsResolved);
    }
  }

  /** Fail-open admissions of one cluster within one outage-gap-wide slice of time. */
  private static final class Bucket {
    Instant min;
    Instant max;
    long count;
    final SortedSet<String> namespaces = new TreeSet<>();
    final SortedSet<String> mechanisms = new TreeSet<>();

    void add(Instant t, String namespace, String mechanism) {
      min = min == null || t.isBefore(min) ? t : min;
      max = max == null || t.isAfter(max) ? t : max;
      count++;
      namespaces.add(namespace);
      mechanisms.add(mechanism);
    }

    void merge(Bucket b) {
      min = b.min.isBefore(min) ? b.min : min;
      max = b.max.isAfter(max) ? b.max : max;
      count += b.count;
      namespaces.addAll(b.namespaces);
      mechanisms.addAll(b.mechanisms);
    }

    Bucket copy() {
      Bucket c = new Bucket();
      c.min = min;
      c.max = max;
      c.count = count;
      c.namespaces.addAll(namespaces);
      c.mechanisms.addAll(mechanisms);
      return c;
    }

    Report.Outage outage(String cluster) {
      return new Report.Outage(
          cluster, min, max, count, List.copyOf(namespaces), List.copyOf(mechanisms));
    }
  }

  /**
   * The latest state of one follow-up, and what earlier records told about it. Its times are event
   * times where the records carry them ({@code eventTime}): first seen is that of the first record
   * read (the OPEN record, unless the follow-up was dropped as closed before the period and came
   * back by reopening), last seen that of the record that first showed the latest pod.
   */
  private static final class FollowUpState {
    FollowUp latest;
    Instant firstSeen;
    Instant lastSeen;
    Instant changedAt;
    Instant closedAt;
    String acknowledgedBy;
    Instant acknowledgedAt;
    String note;
    boolean changedInPeriod;

    /** Whether its life overlaps a period that starts at {@code from}. */
    boolean relevant(Instant from) {
      return latest.state().isOpen()
          || changedInPeriod
          || !lastSeen.isBefore(from)
          || (closedAt != null && !closedAt.isBefore(from));
    }

    Report.FollowUpEntry entry(Instant asOf, Duration deadline) {
      FollowUp f = latest;
      boolean open = f.state().isOpen();
      Duration age = open ? nonNegative(Duration.between(firstSeen, asOf)) : null;
      Duration toClose =
          closedAt == null ? null : nonNegative(Duration.between(firstSeen, closedAt));
      boolean late =
          open ? age.compareTo(deadline) > 0 : toClose != null && toClose.compareTo(deadline) > 0;
      return new Report.FollowUpEntry(
          f.followUpId(),
          f.clusterId(),
          f.owner(),
          f.kind(),
          f.state(),
          open,
          f.cause(),
          f.reevaluation(),
          f.podCount(),
          f.pods(),
          f.imageNames(),
          f.users(),
          f.detail(),
          firstSeen,
          lastSeen,
          changedAt,
          closedAt,
          toClose,
          age,
          acknowledgedBy,
          acknowledgedAt,
          note,
          late,
          f.suspectedBypass(),
          f.priorDenials(),
          f.state() == FollowUp.State.ACKNOWLEDGED ? f.acknowledgedUntil() : null,
          f.ticket(),
          f.severity());
    }

    private static Duration nonNegative(Duration d) {
      return d.isNegative() ? Duration.ZERO : d;
    }
  }
}
