package dev.vigil.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version and commit this build was made from, as Maven filtered them into {@code
 * version.properties} (cli/pom.xml: resource filtering and git-commit-id-maven-plugin). Built
 * without a {@code .git} directory the commit is unknown; a build with uncommitted changes says so.
 */
record BuildInfo(String version, String commit, boolean dirty) {

  static final String UNKNOWN_COMMIT = "unknown commit";

  /** This build's. */
  static BuildInfo current() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // Unreadable resource: report what is known below.
    }
    return of(p.getProperty("version"), p.getProperty("commit"), p.getProperty("dirty"));
  }

  /** From the filtered values; a placeholder Maven left unresolved counts as unknown. */
  static BuildInfo of(String version, String commit, String dirty) {
    return new BuildInfo(
        resolved(version) ? version : "unknown version",
        resolved(commit) ? commit : null,
        "true".equals(dirty));
  }

  private static boolean resolved(String value) {
    return value != null && !value.isBlank() && !value.contains("${");
  }

  /**
   * {@code vigil 0.1.0 (commit 1a2b3c4d5e6f)}, {@code (commit …, modified)} or {@code (unknown
   * commit)}.
   */
  @Override
  public String toString() {
    String where =
        commit == null ? UNKNOWN_COMMIT : "commit " + commit + (dirty ? ", modified" : "");
    return "vigil " + version + " (" + where + ")";
  }
}
