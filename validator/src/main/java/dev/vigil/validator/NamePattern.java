package dev.vigil.validator;

import java.util.Locale;
import java.util.Optional;

/**
 * An image name pattern as Binary Authorization defines it ({@code admissionWhitelistPatterns},
 * {@code imageAllowlist}, {@code trustedDirPatterns}). Matches the whole normalised image string,
 * tag and digest included:
 *
 * <ul>
 *   <li>no wildcard: the exact string;
 *   <li>trailing {@code *}: the prefix, then any characters except {@code /};
 *   <li>trailing {@code **}: a plain prefix match with NO directory boundary ({@code gcr.io/acme**}
 *       also matches {@code gcr.io/acme-evil/x}); {@link #lint} warns about it.
 * </ul>
 *
 * Wildcards are accepted only at the end and only after the registry part. The registry part of the
 * pattern is compared lower-case, as the image's registry is normalised lower-case.
 */
public final class NamePattern {

  /** How the pattern's end matches. */
  public enum Kind {
    EXACT,
    SEGMENT,
    PREFIX
  }

  private final String text;
  private final String literal;
  private final Kind kind;

  private NamePattern(String text, String literal, Kind kind) {
    this.text = text;
    this.literal = literal;
    this.kind = kind;
  }

  /**
   * Compiles {@code pattern}, or says why it is unusable.
   *
   * @return the pattern, or an empty value with the problem written to {@code problem[0]}
   */
  public static Optional<NamePattern> compile(String pattern, String[] problem) {
    problem[0] = textProblem(pattern);
    if (problem[0] != null) {
      return Optional.empty();
    }
    Kind kind;
    String literal;
    if (pattern.endsWith("**")) {
      kind = Kind.PREFIX;
      literal = pattern.substring(0, pattern.length() - 2);
    } else if (pattern.endsWith("*")) {
      kind = Kind.SEGMENT;
      literal = pattern.substring(0, pattern.length() - 1);
    } else {
      kind = Kind.EXACT;
      literal = pattern;
    }
    if (literal.indexOf('*') >= 0) {
      problem[0] = "wildcards are allowed only at the end of the pattern";
      return Optional.empty();
    }
    int slash = literal.indexOf('/');
    if (kind != Kind.EXACT && slash < 0) {
      problem[0] = "wildcards are allowed only after the registry part (e.g. gcr.io/project/*)";
      return Optional.empty();
    }
    if (slash == 0) {
      problem[0] = "pattern must start with a registry host";
      return Optional.empty();
    }
    if (literal.contains("/../")
        || literal.endsWith("/..")
        || literal.contains("/./")
        || literal.contains("//")) {
      problem[0] = "pattern contains an empty, '.' or '..' path segment";
      return Optional.empty();
    }
    if (slash > 0) {
      literal = literal.substring(0, slash).toLowerCase(Locale.ROOT) + literal.substring(slash);
    }
    return Optional.of(new NamePattern(pattern, literal, kind));
  }

  /**
   * What makes {@code pattern} unusable as text (empty, too long, blanks), or null; for every
   * pattern kind.
   */
  static String textProblem(String pattern) {
    if (pattern == null || pattern.isBlank()) {
      return "empty pattern";
    }
    if (pattern.length() > ImageReference.MAX_LENGTH) {
      return "pattern longer than " + ImageReference.MAX_LENGTH + " characters";
    }
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        return "pattern contains whitespace or control characters";
      }
    }
    return null;
  }

  /** Compiles {@code pattern}, throwing {@link IllegalArgumentException} if it is unusable. */
  public static NamePattern of(String pattern) {
    String[] problem = new String[1];
    return compile(pattern, problem)
        .orElseThrow(() -> new IllegalArgumentException(pattern + ": " + problem[0]));
  }

  /** True when the pattern matches {@code image}, the normalised image string. */
  public boolean matches(String image) {
    switch (kind) {
      case EXACT:
        return image.equals(literal);
      case PREFIX:
        return image.startsWith(literal);
      case SEGMENT:
        return image.startsWith(literal) && image.indexOf('/', literal.length()) < 0;
      default:
        throw new AssertionError(kind);
    }
  }

  /**
   * A warning about a pattern that is legal but likely wider than meant, or empty: {@code **}
   * without a directory boundary matches sibling repositories too.
   */
  public Optional<String> lint() {
    int slash = literal.indexOf('/');
    String first = slash < 0 ? literal : literal.substring(0, slash);
    if (!first.contains(".") && !first.contains(":") && !first.equals("localhost")) {
      return Optional.of(
          "'"
              + text
              + "' does not start with a registry host: images are matched in their normalised"
              + " form (docker.io/library/nginx, docker.io/istio/proxyv2), so this pattern matches nothing; write the"
              + " registry, e.g. 'docker.io/"
              + (slash < 0 ? "library/" : "")
              + text
              + "'");
    }
    if (kind == Kind.EXACT && literal.endsWith("/")) {
      return Optional.of(
          "'"
              + text
              + "' ends in an empty path segment: it names no image, so it matches nothing;"
              + " write '"
              + text
              + "*' for the images in that directory or '"
              + text
              + "**' for everything below it");
    }
    if (kind == Kind.PREFIX && !literal.endsWith("/")) {
      return Optional.of(
          "'"
              + text
              + "' ends in ** without a '/' before it: it also matches sibling names such as '"
              + literal
              + "-other/...'; write '"
              + literal
              + "/**' to stay inside the directory");
    }
    return Optional.empty();
  }

  /** The pattern as written. */
  public String text() {
    return text;
  }

  /** How the end of the pattern matches. */
  public Kind kind() {
    return kind;
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NamePattern p && p.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
