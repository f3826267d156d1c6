package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StoreFactsTest {

  static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  static final String HEX = "0123456789abcdef".repeat(4);

  static String byRegex(String s) {
    Matcher m = DIGEST.matcher(s);
    return m.find() ? m.group() : null;
  }

  @Test
  void findsTheDigestInImageIdsAndReferencesAsTheGrammarDoes() {
    String[] cases = {
      "docker-pullable://us-docker.pkg.dev/acme/prod/api@sha256:" + HEX,
      "sha256:" + HEX,
      "containerd://sha256:" + HEX,
      "us-docker.pkg.dev/acme/prod/api:1.2",
      "repo@sha256:" + HEX.substring(1), // 63 digits
      "repo@sha256:" + HEX.toUpperCase(), // upper case is not a digest here
      "sha256:xyz sha256:" + HEX, // the second occurrence
      "sha256:" + HEX + "ff", // longer: the first 64
      "sha256:sha256:" + HEX,
      "",
      "sha256:",
      "sha256",
    };
    for (String c : cases) {
      assertEquals(byRegex(c), StoreFacts.find(c), c);
    }
  }

  @Test
  void agreesWithTheRegexOnRandomText() {
    Random r = new Random(42);
    String alphabet = "sha256:0123456789abcdefABx@/ ";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = r.nextInt(90);
      for (int j = 0; j < n; j++) {
        if (r.nextInt(20) == 0) {
          b.append("sha256:");
        } else if (r.nextInt(25) == 0) {
          b.append(HEX, 0, r.nextInt(65));
        } else {
          b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
      }
      assertEquals(byRegex(b.toString()), StoreFacts.find(b.toString()), b.toString());
    }
  }
}
