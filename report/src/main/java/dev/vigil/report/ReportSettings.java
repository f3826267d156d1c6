package dev.vigil.report;

import dev.vigil.schemas.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a report covers and how it judges: the period {@code [from, to)}, the clusters and
 * namespaces it is limited to (empty means all), the deadline a follow-up has to be closed within,
 * the gap that separates two fail-open outages, and how far before {@code from} the follow-up and
 * violation topics are read to learn what was already open when the period began.
 *
 * @param minSeverity show only violations at least this grave; {@code null} shows all. A violation
 *     without a severity (a v1 record) reads as {@code unknown} and is never hidden by it: nothing
 *     says it is less grave.
 */
public record ReportSettings(
    Instant from,
    Instant to,
    Set<String> clusters,
    Set<String> namespaces,
    Duration deadline,
    Duration outageGap,
    Duration lookback,
    Severity minSeverity) {

  /** Follow-ups should be closed within this long (72 hours) unless the report says otherwise. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofHours(72);

  /** Fail-open admissions closer than this (10 minutes) belong to the same outage. */
  public static final Duration DEFAULT_OUTAGE_GAP = Duration.ofMinutes(10);

  /** The retention of the follow-up and violation topics: read them this far back by default. */
  public static final Duration DEFAULT_LOOKBACK = Duration.ofDays(365);

  /** The settings without a severity filter. */
  public ReportSettings(
      Instant from,
      Instant to,
      Set<String> clusters,
      Set<String> namespaces,
      Duration deadline,
      Duration outageGap,
      Duration lookback) {
    this(from, to, clusters, namespaces, deadline, outageGap, lookback, null);
  }

  public ReportSettings {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException(
          "the period must end after it starts: from " + from + " is not before to " + to);
    }
    clusters = Set.copyOf(new TreeSet<>(Objects.requireNonNullElse(clusters, Set.of())));
    namespaces = Set.copyOf(new TreeSet<>(Objects.requireNonNullElse(namespaces, Set.of())));
    deadline = Objects.requireNonNullElse(deadline, DEFAULT_DEADLINE);
    outageGap = Objects.requireNonNullElse(outageGap, DEFAULT_OUTAGE_GAP);
    lookback = Objects.requireNonNullElse(lookback, DEFAULT_LOOKBACK);
    requirePositive(deadline, "deadline");
    requirePositive(outageGap, "outage gap");
    if (lookback.isNegative()) {
      throw new IllegalArgumentException("lookback must not be negative: " + lookback);
    }
  }

  /** A report over {@code [from, to)} for every cluster and namespace, with default settings. */
  public static ReportSettings of(Instant from, Instant to) {
    return new ReportSettings(from, to, Set.of(), Set.of(), null, null, null);
  }

  /** True when the cluster and namespace are within the report's scope. */
  public boolean inScope(String clusterId, String namespace) {
    return (clusters.isEmpty() || clusters.contains(clusterId))
        && (namespaces.isEmpty() || namespaces.contains(namespace));
  }

  /**
   * True when a violation of {@code severity} ({@code null}: unknown) passes the severity filter.
   */
  public boolean shows(Severity severity) {
    return minSeverity == null || severity == null || severity.atLeast(minSeverity);
  }

  /** True when {@code t} lies in {@code [from, to)}. */
  public boolean inPeriod(Instant t) {
    return !t.isBefore(from) && t.isBefore(to);
  }

  /** The cluster filter, sorted. */
  public List<String> sortedClusters() {
    return clusters.stream().sorted().toList();
  }

  /** The namespace filter, sorted. */
  public List<String> sortedNamespaces() {
    return namespaces.stream().sorted().toList();
  }

  private static void requirePositive(Duration d, String what) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + d);
    }
  }
}
