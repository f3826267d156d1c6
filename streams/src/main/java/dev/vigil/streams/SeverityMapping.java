package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Severity;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How grave a policy violation is, from configuration: a severity per decision (defaults: enforced
 * {@code DENY} high, {@code UNKNOWN} high, {@code DRYRUN_DENY} low), overridden for findings in a
 * namespace, and for findings that fail a rule or check. The most specific wins: a failing rule's
 * override (the gravest, when several failing rules have one), else the namespace's, else the
 * decision's. Each setting is a comma-separated list of {@code name=severity}. Pure.
 */
public final class SeverityMapping {

  /** The per-decision default: {@code DENY=high,UNKNOWN=high,DRYRUN_DENY=low}. */
  public static final String DEFAULT_DECISIONS = "DENY=high,UNKNOWN=high,DRYRUN_DENY=low";

  /** The defaults, with no override. */
  public static final SeverityMapping DEFAULT = parse(DEFAULT_DECISIONS, "", "");

  private final Map<Decision, Severity> byDecision;
  private final Map<String, Severity> byNamespace;
  private final Map<String, Severity> byRule;

  private SeverityMapping(
      Map<Decision, Severity> byDecision,
      Map<String, Severity> byNamespace,
      Map<String, Severity> byRule) {
    this.byDecision = byDecision;
    this.byNamespace = byNamespace;
    this.byRule = byRule;
  }

  /**
   * Reads the three settings: {@code decisions} (decisions not named keep their default), {@code
   * namespaces} and {@code rules}; null or blank means none. Throws IllegalArgumentException naming
   * the entry that cannot be used.
   */
  public static SeverityMapping parse(String decisions, String namespaces, String rules) {
    Map<Decision, Severity> d = new EnumMap<>(Decision.class);
    decisions(DEFAULT_DECISIONS, d);
    decisions(decisions, d);
    return new SeverityMapping(d, entries(namespaces), entries(rules));
  }

  private static void decisions(String text, Map<Decision, Severity> out) {
    entries(text)
        .forEach(
            (name, severity) -> {
              Decision decision;
              try {
                decision = Decision.valueOf(name.toUpperCase(Locale.ROOT));
              } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                    "'" + name + "' is not one of DENY, UNKNOWN, DRYRUN_DENY");
              }
              if (!decision.isViolation()) {
                throw new IllegalArgumentException(
                    "'"
                        + name
                        + "' is not a violation: only DENY, UNKNOWN, DRYRUN_DENY have a severity");
              }
              out.put(decision, severity);
            });
  }

  /**
   * The severity of a violation with {@code decision} in {@code namespace} failing {@code rules}.
   */
  public Severity of(Decision decision, String namespace, Collection<String> rules) {
    Objects.requireNonNull(decision, "decision");
    Severity byRules = null;
    for (String rule : rules) {
      byRules = Severity.gravest(byRules, byRule.get(rule));
    }
    if (byRules != null) {
      return byRules;
    }
    Severity ns = byNamespace.get(namespace);
    if (ns != null) {
      return ns;
    }
    return byDecision.getOrDefault(decision, Severity.HIGH);
  }

  /** {@code a=high, b=low} as a map; every entry must be {@code name=severity}. */
  private static Map<String, Severity> entries(String text) {
    Map<String, Severity> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return Map.copyOf(out);
    }
    for (String entry : text.split(",")) {
      String e = entry.trim();
      if (e.isEmpty()) {
        continue;
      }
      int eq = e.lastIndexOf('=');
      if (eq <= 0 || eq == e.length() - 1) {
        throw new IllegalArgumentException(
            "'" + e + "' is not name=severity (severity: critical, high, medium, low)");
      }
      String name = e.substring(0, eq).trim();
      if (out.put(name, Severity.parse(e.substring(eq + 1))) != null) {
        throw new IllegalArgumentException("'" + name + "' is given twice");
      }
    }
    return Map.copyOf(out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SeverityMapping m
        && byDecision.equals(m.byDecision)
        && byNamespace.equals(m.byNamespace)
        && byRule.equals(m.byRule);
  }

  @Override
  public int hashCode() {
    return Objects.hash(byDecision, byNamespace, byRule);
  }

  @Override
  public String toString() {
    return "SeverityMapping[decisions="
        + byDecision
        + ", namespaces="
        + byNamespace
        + ", rules="
        + byRule
        + "]";
  }
}
