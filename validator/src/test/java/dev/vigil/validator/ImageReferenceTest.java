package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {

  static final String HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
      nginx                                   | docker.io/library/nginx                 | -
      nginx:1.25                              | docker.io/library/nginx:1.25            | -
      library/nginx                           | docker.io/library/nginx                 | -
      docker.io/nginx                         | docker.io/library/nginx                 | -
      index.docker.io/library/nginx           | docker.io/library/nginx                 | -
      istio/proxyv2:1.20                      | docker.io/istio/proxyv2:1.20            | -
      gcr.io/acme/app                         | gcr.io/acme/app                         | -
      GCR.io/acme/app                         | gcr.io/acme/app                         | -
      localhost/app                           | localhost/app                           | -
      localhost:5000/app:v1                   | localhost:5000/app:v1                   | -
      localhost:5000                          | docker.io/library/localhost:5000        | -
      192.168.64.2:5000/cosign-signed-single  | 192.168.64.2:5000/cosign-signed-single  | -
      [::1]:5000/app                          | [::1]:5000/app                          | -
      us-docker.pkg.dev/acme/app/api:v1.2.3   | us-docker.pkg.dev/acme/app/api:v1.2.3   | -
      a/b/c/d__e-f.g                          | docker.io/a/b/c/d__e-f.g                | -
      """)
  void normalisesByTheDistributionGrammar(String input, String expected, String unused)
      throws Exception {
    ImageReference ref = ImageReference.parse(input);

    assertEquals(expected, ref.toString());
    assertEquals(ref, ImageReference.parse(ref.toString()), "normal form is stable");
  }

  @ParameterizedTest(name = "{0} -> tag {1}, digest {2}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
      gcr.io/acme/app                                     | -    | false
      gcr.io/acme/app:v1                                  | v1   | false
      gcr.io/acme/app@sha256:HEX                          | -    | true
      gcr.io/acme/app:v1@sha256:HEX                       | v1   | true
      """)
  void tagsAndDigestsAreKeptApart(String input, String tag, boolean pinned) throws Exception {
    ImageReference ref = ImageReference.parse(input.replace("HEX", HEX));

    assertEquals(tag, ref.tag());
    assertEquals(pinned, ref.isPinned());
    if (pinned) {
      assertEquals("sha256:" + HEX, ref.digest());
    } else {
      assertNull(ref.digest());
    }
  }

  @ParameterizedTest(name = "rejects \"{0}\"")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      ''                                     | empty
      Nginx                                  | lower-case
      gcr.io/Acme/app                        | invalid path component
      gcr.io/acme/../evil                    | invalid path component
      gcr.io//app                            | empty path component
      gcr.io/acme/app:                       | invalid tag
      gcr.io/acme/app:-bad                   | invalid tag
      gcr.io/acme/app@sha512:abc             | only sha256
      gcr.io/acme/app@sha256:ABC             | 64 lower-case hex
      gcr.io/acme/app@sha256:0123            | 64 lower-case hex
      gcr.io/acme/app@                       | algorithm:hex
      gcr.io:99999x/app                      | port
      -gcr.io/app                            | invalid path component
      gcr.io/acme/app app                    | invalid
      gcr.io/                                | no repository path
      """)
  void rejectsWhatTheGrammarRejects(String input, String why) {
    InvalidImageReferenceException e =
        assertThrows(InvalidImageReferenceException.class, () -> ImageReference.parse(input));

    assertEquals(input, e.input());
    assertTrue(e.getMessage().contains(why) || e.getMessage().contains("invalid"), e.getMessage());
  }

  @ParameterizedTest(name = "imageID {0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
      docker-pullable://nginx@sha256:HEX                   | sha256:HEX
      docker.io/library/nginx@sha256:HEX                   | sha256:HEX
      us-docker.pkg.dev/acme/app/api@sha256:HEX            | sha256:HEX
      sha256:HEX                                           | -
      docker://sha256:HEX                                  | -
      docker-pullable://nginx@sha256:short                 | -
      -                                                    | -
      """)
  void theRunningDigestComesOnlyFromARepoDigest(String imageId, String expected) {
    String id = imageId == null ? null : imageId.replace("HEX", HEX);

    assertEquals(
        expected == null ? null : expected.replace("HEX", HEX),
        ImageReference.digestFromImageId(id));
  }
}
