package dev.vigil.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

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
    return name().toLowerCase(Locale.ROOT);
  }

  /** Reads {@code critical|high|medium|low} in any case; anything else is an error naming them. */
  @JsonCreator
  public static Severity parse(String text) {
    if (text != null) {
      for (Severity s : values()) {
        if (s.name().equalsIgnoreCase(text.trim())) {
          return s;
        }
      }
    }
    throw new IllegalArgumentException(
        "severity '" + text + "' is not one of critical, high, medium, low");
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
