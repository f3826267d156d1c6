package dev.vigil.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How urgently security operations should look at a finding, in the words SIEMs and the Policy WG's
 * PolicyReport use: {@code critical}, {@code high}, {@code medium}, {@code low} (lower case on the
 * wire). Declared from the gravest down, so {@link #compareTo} orders by urgency.
 */
public enum Severity {
  CRITICAL,
  HIGH,
  MEDIUM,
  LOW;

  /** The name on the wire and in configuration: lower case. */
  @JsonValue
  public String wire() {
    return WireNames.of(this);
  }

  /** Reads {@code critical|high|medium|low} in any case; anything else is an error naming them. */
  @JsonCreator
  public static Severity parse(String text) {
    return WireNames.parse(Severity.class, text, "severity");
  }

  /** True when this is at least as grave as {@code other}. */
  public boolean atLeast(Severity other) {
    return compareTo(other) <= 0;
  }

  /** The graver of two severities; {@code null} counts as none. */
  public static Severity gravest(Severity a, Severity b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.atLeast(b) ? a : b;
  }
}
