package dev.vigil.streams;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which registry-hygiene rules run, and which registry hosts count as Artifact Registry / Container
 * Registry for {@code hygiene/pull-secret-for-artifact-registry}.
 *
 * @param googleRegistries host patterns; {@code *} stands for one or more characters other than
 *     {@code .}, e.g. {@code *-docker.pkg.dev}, {@code gcr.io}, {@code *.gcr.io}
 */
public record HygieneSettings(
    boolean imageByTag,
    boolean tagMoved,
    boolean pullSecretForArtifactRegistry,
    List<String> googleRegistries) {

  private static final Pattern HOST_PATTERN = Pattern.compile("[a-z0-9*]([a-z0-9*.-]*[a-z0-9*])?");

  public HygieneSettings {
    googleRegistries = List.copyOf(Objects.requireNonNull(googleRegistries, "googleRegistries"));
    for (String p : googleRegistries) {
      if (!HOST_PATTERN.matcher(p).matches()) {
        throw new IllegalArgumentException(
            "'"
                + p
                + "' is not a registry host pattern (lower-case host, "
                + "* for any characters but a dot, e.g. *-docker.pkg.dev)");
      }
    }
  }

  /** Parses comma-separated host patterns, refusing one that is not a lower-case host pattern. */
  static List<String> hostPatterns(String text) {
    return new HygieneSettings(
            true,
            true,
            true,
            Arrays.stream(text.split(",")).map(String::trim).filter(p -> !p.isEmpty()).toList())
        .googleRegistries();
  }

  /** Whether {@code rule} is switched on. */
  boolean enabled(HygieneRule rule) {
    return switch (rule) {
      case IMAGE_BY_TAG -> imageByTag;
      case TAG_MOVED -> tagMoved;
      case PULL_SECRET_FOR_ARTIFACT_REGISTRY -> pullSecretForArtifactRegistry;
    };
  }

  /** The host patterns as expressions over a registry host without its port. */
  List<Pattern> registryPatterns() {
    return googleRegistries.stream()
        .map(
            p ->
                Pattern.compile(
                    Arrays.stream(p.split("\\*", -1))
                        .map(Pattern::quote)
                        .collect(Collectors.joining("[^.]+"))))
        .toList();
  }

  /** Whether {@code registry} (a host, maybe with a port) matches one of the patterns. */
  static boolean matches(List<Pattern> patterns, String registry) {
    String host = registry.toLowerCase(Locale.ROOT);
    int colon = host.lastIndexOf(':');
    if (colon > 0 && !host.endsWith("]")) {
      host = host.substring(0, colon);
    }
    for (Pattern p : patterns) {
      if (p.matcher(host).matches()) {
        return true;
      }
    }
    return false;
  }
}
