package dev.vigil.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What kind of finding a record on {@code vigil.violations} is: {@code policy} (the image policy
 * judged the pod) or {@code hygiene} (a registry-hygiene rule that never changes the policy
 * decision). Lower case on the wire.
 */
public enum ViolationCategory {
  POLICY,
  HYGIENE;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static ViolationCategory parse(String text) {
    if (text != null) {
      for (ViolationCategory c : values()) {
        if (c.name().equalsIgnoreCase(text.trim())) {
          return c;
        }
      }
    }
    throw new IllegalArgumentException("category '" + text + "' is not one of policy, hygiene");
  }
}
