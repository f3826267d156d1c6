package dev.vigil.validator;

import java.util.Locale;
import java.util.Optional;

/**
 * A {@code trustedDirectoryCheck} pattern, with the grammar of Google's TrustedDirectoryCheck
 * reference (not the admission-allowlist grammar of {@link NamePattern}): "A pattern is in the form
 * "registry/path/to/directory". The registry domain part is defined as two or more dot-separated
 * words [...] * can be used in three ways as wildcards: 1. leading * to match varying prefixes in
 * registry subdomain (useful for location prefixes); 2. trailing * after registry/ to match varying
 * endings; 3. trailing ** after registry/ to match "/" as well."
 *
 * <p>It is matched against the image's <em>directory</em>: the normalised repository name without
 * its last component ({@code us-docker.pkg.dev/acme/prod/api} is in {@code
 * us-docker.pkg.dev/acme/prod}). So:
 *
 * <ul>
 *   <li>{@code gcr.io/my-project/my-repo} "is valid to match a single directory";
 *   <li>{@code gcr.io/my-project/*} "will match all direct directories in my-project" (any
 *       characters except {@code /} after the prefix);
 *   <li>{@code gcr.io/my-project/**} "would match all directories in my-project" (any characters
 *       after the prefix, {@code /} included), and {@code gcr.io/my-project} itself: {@code /**} is
 *       zero or more directories;
 *   <li>{@code *-docker.pkg.dev/my-project/my-repo}, {@code *.gcr.io/my-project}: the leading
 *       {@code *} stands for one or more characters of the registry's first DNS label (no {@code
 *       .}, so {@code evil.com-docker.pkg.dev} does not match).
 * </ul>
 *
 * See docs/adr/0020-trusted-directory-patterns.md for what the text leaves open.
 */
public final class TrustedDirectoryPattern {

  private enum End {
    EXACT,
    SEGMENT,
    ANY
  }

  private final String text;

  /**
   * The registry after a leading {@code *} (e.g. {@code -docker.pkg.dev}), or the whole registry.
   */
  private final String registry;

  private final boolean registryWildcard;

  /** The path without the trailing wildcard (e.g. {@code my-project/} for {@code my-project/*}). */
  private final String path;

  private final End end;

  private TrustedDirectoryPattern(
      String text, String registry, boolean registryWildcard, String path, End end) {
    this.text = text;
    this.registry = registry;
    this.registryWildcard = registryWildcard;
    this.path = path;
    this.end = end;
  }

  /**
   * Compiles {@code pattern}, or says why it is not valid.
   *
   * @return the pattern, or an empty value with the problem written to {@code problem[0]}
   */
  public static Optional<TrustedDirectoryPattern> compile(String pattern, String[] problem) {
    problem[0] = NamePattern.textProblem(pattern);
    if (problem[0] != null) {
      return Optional.empty();
    }
    boolean wildcardRegistry = pattern.startsWith("*");
    String rest = wildcardRegistry ? pattern.substring(1) : pattern;
    if (rest.startsWith("*")) {
      problem[0] =
          "only one leading * is allowed, and it cannot match '/' (e.g. *-docker.pkg.dev/my-project/my-repo)";
      return Optional.empty();
    }
    int slash = rest.indexOf('/');
    if (slash < 0 || slash == rest.length() - 1) {
      problem[0] = "must be registry/path/to/directory: the registry is not completely specified";
      return Optional.empty();
    }
    String host = rest.substring(0, slash).toLowerCase(Locale.ROOT);
    String dir = rest.substring(slash + 1);
    if (host.indexOf('*') >= 0) {
      problem[0] =
          "only a leading * (registry subdomain) or a trailing * or ** after registry/ is allowed";
      return Optional.empty();
    }
    String hostName = host.indexOf(':') < 0 ? host : host.substring(0, host.indexOf(':'));
    String[] words = hostName.split("\\.", -1);
    int fixedFrom = wildcardRegistry ? 1 : 0;
    if (words.length - fixedFrom < 2) {
      problem[0] =
          wildcardRegistry
              ? "a leading * can only match a registry subdomain: two or more dot-separated words must follow it"
                  + " (e.g. *-docker.pkg.dev, *.gcr.io)"
              : "the registry must be two or more dot-separated words (e.g. gcr.io, us-docker.pkg.dev)";
      return Optional.empty();
    }
    for (int i = fixedFrom; i < words.length; i++) {
      if (words[i].isEmpty()) {
        problem[0] = "the registry has an empty word";
        return Optional.empty();
      }
    }
    End end;
    if (dir.endsWith("**")) {
      end = End.ANY;
      dir = dir.substring(0, dir.length() - 2);
    } else if (dir.endsWith("*")) {
      end = End.SEGMENT;
      dir = dir.substring(0, dir.length() - 1);
    } else {
      end = End.EXACT;
    }
    if (dir.indexOf('*') >= 0) {
      problem[0] =
          "only a leading * (registry subdomain) or a trailing * or ** after registry/ is allowed";
      return Optional.empty();
    }
    String check = end == End.EXACT ? dir : dir + "x";
    for (String segment : check.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        problem[0] = "pattern contains an empty, '.' or '..' path segment";
        return Optional.empty();
      }
    }
    return Optional.of(new TrustedDirectoryPattern(pattern, host, wildcardRegistry, dir, end));
  }

  /** Compiles {@code pattern}, throwing {@link IllegalArgumentException} if it is not valid. */
  public static TrustedDirectoryPattern of(String pattern) {
    String[] problem = new String[1];
    return compile(pattern, problem)
        .orElseThrow(() -> new IllegalArgumentException(pattern + ": " + problem[0]));
  }

  /**
   * The directory of a normalised repository name ({@code registry/path}): without its last
   * component.
   */
  public static String directoryOf(String name) {
    int last = name.lastIndexOf('/');
    return last < 0 ? name : name.substring(0, last);
  }

  /** True when the pattern matches {@code directory}, an image's {@link #directoryOf directory}. */
  public boolean matches(String directory) {
    int slash = directory.indexOf('/');
    if (slash < 0) {
      return false;
    }
    if (!hostMatches(directory, slash)) {
      return false;
    }
    String dir = directory.substring(slash + 1);
    switch (end) {
      case EXACT:
        return dir.equals(path);
      case SEGMENT:
        return dir.startsWith(path) && dir.indexOf('/', path.length()) < 0;
      case ANY:
        // "/**" is zero or more directories: gcr.io/my-project/** covers gcr.io/my-project itself
        // (where
        // gcr.io/my-project/app lives) and every directory below it (ADR 0020).
        return dir.startsWith(path)
            || (path.endsWith("/") && dir.length() == path.length() - 1 && path.startsWith(dir));
      default:
        throw new AssertionError(end);
    }
  }

  private boolean hostMatches(String directory, int slash) {
    if (!registryWildcard) {
      return slash == registry.length() && directory.startsWith(registry);
    }
    int prefix = slash - registry.length();
    if (prefix < 1 || !directory.startsWith(registry, prefix)) {
      return false;
    }
    for (int i = 0; i < prefix; i++) {
      char c = directory.charAt(i);
      if (c == '.' || c == ':') {
        return false;
      }
    }
    return true;
  }

  /** The pattern as written. */
  public String text() {
    return text;
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrustedDirectoryPattern p && p.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
