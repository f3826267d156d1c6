package dev.vigil.streams;

import dev.vigil.schemas.PolicyDocument;
import java.util.Objects;

/**
 * A policy document as the global policy store keeps it: accepted ({@code rejection == null}) or
 * rejected, with the reason. An unreadable record has no {@code document}, only its key and
 * payload.
 */
public record PolicyRecord(PolicyDocument document, String rejection, String key, String payloadBase64) {

  /** Store keys of rejected documents start with this. */
  public static final String REJECTED_PREFIX = "rejected/";

  public PolicyRecord {
    if (document == null && rejection == null) {
      throw new IllegalArgumentException("an accepted policy record needs its document");
    }
  }

  /** An accepted document. */
  static PolicyRecord accepted(PolicyDocument d) {
    return new PolicyRecord(d, null, d.key(), null);
  }

  /** A readable document that cannot be used. */
  static PolicyRecord rejected(PolicyDocument d, String why) {
    return new PolicyRecord(d, why, d.key(), null);
  }

  /** True when the document is in force. */
  public boolean accepted() {
    return rejection == null;
  }

  /** The store key of a rejected revision: unique per document, version and content. */
  public static String rejectedKey(PolicyDocument d) {
    return REJECTED_PREFIX + d.key() + "@" + d.version() + "#" + d.sha256();
  }
}
