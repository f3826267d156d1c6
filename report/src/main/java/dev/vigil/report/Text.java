package dev.vigil.report;

import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.WorkloadRef;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/** How values read in every format: times, durations, workloads, kinds. */
final class Text {

  private Text() {}

  /** An instant in UTC to the second, e.g. {@code 2026-11-20T10:00:00Z}; empty for null. */
  static String time(Instant t) {
    return t == null ? "" : DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * A duration for people, to two units: {@code 2d 3h}, {@code 5h 20m}, {@code 4m 10s}; empty for
   * null.
   */
  static String duration(Duration d) {
    if (d == null) {
      return "";
    }
    long s = d.getSeconds();
    long days = s / 86_400;
    long hours = s % 86_400 / 3600;
    long minutes = s % 3600 / 60;
    long seconds = s % 60;
    if (days > 0) {
      return hours == 0 ? days + "d" : days + "d " + hours + "h";
    }
    if (hours > 0) {
      return minutes == 0 ? hours + "h" : hours + "h " + minutes + "m";
    }
    if (minutes > 0) {
      return seconds == 0 ? minutes + "m" : minutes + "m " + seconds + "s";
    }
    return seconds + "s";
  }

  /** {@code Deployment payments/api}. */
  static String workload(WorkloadRef w) {
    return kind(w.kind()) + " " + w.namespace() + "/" + w.name();
  }

  /** {@code DAEMON_SET} as {@code DaemonSet}. */
  static String kind(WorkloadRef.Kind k) {
    StringBuilder b = new StringBuilder();
    for (String part : k.name().split("_")) {
      b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return b.toString();
  }

  /** {@code FAIL_OPEN} as {@code fail-open}. */
  static String kind(FollowUp.Kind k) {
    return k.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** A severity as on the wire; {@code unknown} when the record carried none (v1). */
  static String severity(dev.vigil.schemas.Severity s) {
    return s == null ? "unknown" : s.wire();
  }

  /** {@code ACKNOWLEDGED} as {@code acknowledged}. */
  static String lower(Enum<?> e) {
    return e == null ? "" : e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Images for people: a digest shortened to its first 12 hex digits, as {@code docker images}
   * shows it. CSV and JSON carry the whole reference.
   */
  static String images(List<String> images) {
    StringBuilder b = new StringBuilder();
    for (String image : images) {
      if (b.length() > 0) {
        b.append(", ");
      }
      int at = image.indexOf("@sha256:");
      int keep = at + "@sha256:".length() + 12;
      b.append(at >= 0 && image.length() > keep + 1 ? image.substring(0, keep) + "…" : image);
    }
    return b.toString();
  }

  /** Items joined with {@code ", "}. */
  static String list(List<String> items) {
    return String.join(", ", items);
  }

  /** "all" for an empty filter, else its values. */
  static String scope(List<String> filter) {
    return filter.isEmpty() ? "all" : String.join(", ", filter);
  }

  /** A number with thousands separators. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
