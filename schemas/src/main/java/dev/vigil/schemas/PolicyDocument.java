package dev.vigil.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * A policy as published, kept verbatim: a Binary Authorization policy, a continuous-validation
 * platform policy, or an attestor. Topic {@code vigil.policies} (compacted), key {@link #key()}.
 *
 * @param scope what the policy governs: a cluster id, or {@code *} for every cluster
 * @param version increases with each accepted revision of this scope and kind
 * @param content the document as written ({@code gcloud ... export} YAML or JSON)
 * @param sha256 lower-case hex SHA-256 of {@code content}'s UTF-8 bytes
 */
public record PolicyDocument(
    String scope,
    Kind kind,
    String name,
    long version,
    Format format,
    String content,
    String sha256,
    String source,
    Instant publishedAt) {

  /** What the document is. */
  public enum Kind {
    BINAUTHZ_POLICY,
    PLATFORM_POLICY,
    ATTESTOR
  }

  /** How {@code content} is written. */
  public enum Format {
    YAML,
    JSON
  }

  public PolicyDocument {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(publishedAt, "publishedAt");
    if (version < 1) {
      throw new IllegalArgumentException("version must be at least 1, not " + version);
    }
  }

  /** The Kafka key: {@code KIND/scope/name}. */
  public String key() {
    return kind + "/" + scope + "/" + name;
  }
}
