package dev.vigil.schemas;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A policy as published, kept verbatim: a Binary Authorization policy, a continuous-validation
 * platform policy, or an attestor. Topic {@code vigil.policies} (compacted), key {@link #key()}.
 *
 * @param scope what the policy governs: a cluster id, or {@code *} for every cluster
 * @param version increases with each accepted revision of this scope and kind
 * @param content the document as written ({@code gcloud ... export} YAML or JSON)
 * @param sha256 lower-case hex SHA-256 of {@code content}'s UTF-8 bytes; checked on construction
 *     (also when read from Kafka), so a document whose content was altered is refused. Use {@link
 *     #of} to have it computed.
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
    String actual = sha256Of(content);
    if (!actual.equals(sha256)) {
      throw new IllegalArgumentException(
          "sha256 "
              + sha256
              + " of "
              + kind
              + "/"
              + scope
              + "/"
              + name
              + " is not the SHA-256 of its content ("
              + actual
              + ")");
    }
  }

  /** A document with its {@link #sha256()} computed from {@code content}. */
  public static PolicyDocument of(
      String scope,
      Kind kind,
      String name,
      long version,
      Format format,
      String content,
      String source,
      Instant publishedAt) {
    Objects.requireNonNull(content, "content");
    return new PolicyDocument(
        scope, kind, name, version, format, content, sha256Of(content), source, publishedAt);
  }

  /** Lower-case hex SHA-256 of {@code content}'s UTF-8 bytes, as {@link #sha256()} holds it. */
  public static String sha256Of(String content) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(content.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** The Kafka key: {@code KIND/scope/name}. */
  public String key() {
    return kind + "/" + scope + "/" + name;
  }
}
