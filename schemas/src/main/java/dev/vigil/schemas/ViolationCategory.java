package dev.vigil.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

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
    return WireNames.of(this);
  }

  @JsonCreator
  public static ViolationCategory parse(String text) {
    return WireNames.parse(ViolationCategory.class, text, "category");
  }
}
