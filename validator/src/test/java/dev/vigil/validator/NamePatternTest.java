package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NamePatternTest {

  /** Image strings are the normalised references the evaluator matches. */
  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      gcr.io/nginx*                    | gcr.io/nginx:latest                    | true
      gcr.io/nginx*                    | gcr.io/nginx-proxy                     | true
      gcr.io/nginx*                    | gcr.io/nginx/image                     | false
      gcr.io/acme/*                    | gcr.io/acme/app                        | true
      gcr.io/acme/*                    | gcr.io/acme/app:v1@sha256:abc          | true
      gcr.io/acme/*                    | gcr.io/acme/team/app                   | false
      gcr.io/acme/*                    | gcr.io/acme-evil/app                   | false
      gcr.io/acme/*                    | gcr.io.evil.com/acme/app               | false
      gcr.io/acme/*                    | gcr.io:443/acme/app                    | false
      gcr.io/acme/*                    | evil.com/gcr.io/acme/app               | false
      GCR.IO/acme/*                    | gcr.io/acme/app                        | true
      gcr.io/acme/**                   | gcr.io/acme/team/app:v1                | true
      gcr.io/acme/**                   | gcr.io/acme-evil/app                   | false
      gcr.io/my-project**              | gcr.io/my-project/x                    | true
      gcr.io/my-project**              | gcr.io/my-project-evil/x               | true
      gcr.io/acme/app                  | gcr.io/acme/app                        | true
      gcr.io/acme/app                  | gcr.io/acme/app:latest                 | false
      gcr.io/acme/app                  | gcr.io/acme/app2                       | false
      docker.io/istio/*                | docker.io/istio/proxyv2:1.20           | true
      """)
  void matchesAsBinaryAuthorizationDocumentsIt(String pattern, String image, boolean expected) {
    assertEquals(expected, NamePattern.of(pattern).matches(image));
  }

  @ParameterizedTest(name = "rejects {0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      gcr.io*                  | after the registry
      *                        | after the registry
      gcr.io/*/app             | only at the end
      gcr.io/a*b               | only at the end
      gcr.io/acme/../x/*       | '..'
      gcr.io//x/*              | empty
      /acme/*                  | registry host
      'gcr.io/acme /*'         | whitespace
      """)
  void rejectsPatternsBinaryAuthorizationRejects(String pattern, String why) {
    String[] problem = new String[1];

    assertTrue(NamePattern.compile(pattern, problem).isEmpty());
    assertTrue(problem[0].contains(why), problem[0]);
  }

  @ParameterizedTest(name = "{0} lint={1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      gcr.io/my-project**     | true
      gcr.io/my-project/**    | false
      gcr.io/my-project/*     | false
      gcr.io/nginx*           | false
      istio/*                 | true
      nginx                   | true
      localhost:5000/app/*    | false
      gcr.io/acme-infra/      | true
      gcr.io/acme-infra       | false
      """)
  void warnsAboutPatternsWiderOrNarrowerThanTheyLook(String pattern, boolean warns) {
    Optional<String> lint = NamePattern.of(pattern).lint();

    assertEquals(warns, lint.isPresent(), lint.toString());
  }
}
