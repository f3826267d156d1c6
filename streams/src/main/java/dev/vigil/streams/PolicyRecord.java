package dev.vigil.streams;

import dev.vigil.schemas.PolicyDocument;
import java.util.Objects;

/**
 * A policy document as the global policy store keeps it: accepted ({@code rejection == null}) or
 * rejected, with the reason.
 */
public record PolicyRecord(PolicyDocument document, String rejection) {

  /** Store keys of rejected documents start with this. */
  public static final String REJECTED_PREFIX = "rejected/";

  public PolicyRecord {
    Objects.requireNonNull(document, "document");
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
