package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The grammar of Google's TrustedDirectoryCheck reference (trustedDirPatterns), with its own
 * examples: "gcr.io/my-project/my-repo is valid to match a single directory --
 * *-docker.pkg.dev/my-project/my-repo or *.gcr.io/my-project are valid to match varying prefixes --
 * gcr.io/my-project/* will match all direct directories in my-project -- gcr.io/my-project/** would
 * match all directories in my-project -- gcr.i* is not allowed since the registry is not completely
 * specified -- sub*domain.gcr.io/nginx is not valid because only leading * or trailing * are
 * allowed. -- *pkg.dev/my-project/my-repo is not valid because leading * can only match subdomain
 * -- **-docker.pkg.dev is not valid because one leading * is allowed, and that it cannot match /".
 */
class TrustedDirectoryPatternTest {

  /**
   * Images as the evaluator normalises them; the pattern is matched against the image's directory.
   */
  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      gcr.io/my-project/my-repo              | gcr.io/my-project/my-repo/app                  | true
      gcr.io/my-project/my-repo              | gcr.io/my-project/my-repo                      | false
      gcr.io/my-project/my-repo              | gcr.io/my-project/my-repo/team/app             | false
      gcr.io/my-project/my-repo              | gcr.io/my-project/my-repo-evil/app             | false
      *-docker.pkg.dev/my-project/my-repo    | us-docker.pkg.dev/my-project/my-repo/app       | true
      *-docker.pkg.dev/my-project/my-repo    | europe-west1-docker.pkg.dev/my-project/my-repo/app | true
      *-docker.pkg.dev/my-project/my-repo    | evil.com-docker.pkg.dev/my-project/my-repo/app | false
      *-docker.pkg.dev/my-project/my-repo    | docker.pkg.dev/my-project/my-repo/app          | false
      *-docker.pkg.dev/my-project/my-repo    | us-docker.pkg.dev.evil.com/my-project/my-repo/app | false
      *-docker.pkg.dev/my-project/my-repo    | us-docker.pkg.dev:443/my-project/my-repo/app   | false
      *.gcr.io/my-project                    | us.gcr.io/my-project/app                       | true
      *.gcr.io/my-project                    | gcr.io/my-project/app                          | false
      *.gcr.io/my-project                    | evil.com.gcr.io/my-project/app                 | false
      gcr.io/my-project/*                    | gcr.io/my-project/team/app                     | true
      gcr.io/my-project/*                    | gcr.io/my-project/team/sub/app                 | false
      gcr.io/my-project/*                    | gcr.io/my-project/app                          | false
      gcr.io/my-project/*                    | gcr.io/my-project-evil/team/app                | false
      gcr.io/my-project/**                   | gcr.io/my-project/team/sub/app                 | true
      gcr.io/my-project/**                   | gcr.io/my-project/app                          | true
      gcr.io/my-project/**                   | gcr.io/my-project-evil/app                     | false
      gcr.io/my-project/**                   | gcr.io.evil.com/my-project/app                 | false
      gcr.io/my-project/**                   | gcr.io/app                                     | false
      gcr.io/acme*                           | gcr.io/acme-evil/app                           | true
      gcr.io/acme*                           | gcr.io/acme/team/app                           | false
      GCR.IO/my-project/my-repo              | gcr.io/my-project/my-repo/app                  | true
      """)
  void matchesTheImagesDirectory(String pattern, String image, boolean expected) {
    assertEquals(
        expected,
        TrustedDirectoryPattern.of(pattern).matches(TrustedDirectoryPattern.directoryOf(image)));
  }

  @ParameterizedTest(name = "refuses {0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      gcr.i*                          | not completely specified
      sub*domain.gcr.io/nginx         | only a leading *
      *pkg.dev/my-project/my-repo     | can only match a registry subdomain
      **-docker.pkg.dev               | only one leading *
      gcr.io/my-project/*/my-repo     | only a leading *
      localhost/my-project            | two or more dot-separated words
      gcr.io/                         | not completely specified
      gcr.io//my-project              | empty
      gcr.io/my-project/../other      | '..'
      *                               | not completely specified
      """)
  void refusesWhatTheReferenceCallsInvalid(String pattern, String why) {
    String[] problem = new String[1];

    assertTrue(TrustedDirectoryPattern.compile(pattern, problem).isEmpty(), pattern);
    assertTrue(problem[0].contains(why), problem[0]);
  }
}
