package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PolicyDocument;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Bounded random and mutated input (fixed seeds, so failures reproduce): the parsers throw only
 * their own error types, and whatever parses round-trips.
 */
class ParserFuzzTest {

  static final String ALPHABET = "abcAZ09._-:/@*+ \t\n[]{}\"'!\\é\u0000sha256";
  static final List<String> SEEDS =
      List.of(
          "nginx",
          "gcr.io/acme/app:v1",
          "localhost:5000/a/b@sha256:" + "0".repeat(64),
          "[::1]:5000/x",
          "docker.io/library/busybox:1.36");

  static String mutate(Random r, String s) {
    StringBuilder b = new StringBuilder(s);
    int edits = 1 + r.nextInt(4);
    for (int i = 0; i < edits; i++) {
      int op = r.nextInt(3);
      int at = b.length() == 0 ? 0 : r.nextInt(b.length());
      char c = ALPHABET.charAt(r.nextInt(ALPHABET.length()));
      if (op == 0 || b.length() == 0) {
        b.insert(at, c);
      } else if (op == 1) {
        b.setCharAt(at, c);
      } else {
        b.deleteCharAt(at);
      }
    }
    return b.toString();
  }

  static String random(Random r, int max) {
    int n = r.nextInt(max);
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(
          r.nextInt(8) == 0
              ? (char) r.nextInt(0x3000)
              : ALPHABET.charAt(r.nextInt(ALPHABET.length())));
    }
    return b.toString();
  }

  @Test
  void imageReferenceParserThrowsOnlyItsOwnException() {
    Random r = new Random(20261125L);
    for (int i = 0; i < 20_000; i++) {
      String input = i % 2 == 0 ? mutate(r, SEEDS.get(r.nextInt(SEEDS.size()))) : random(r, 80);
      try {
        ImageReference ref = ImageReference.parse(input);
        assertEquals(ref, ImageReference.parse(ref.toString()), "round trip of " + input);
      } catch (InvalidImageReferenceException expected) {
        assertEquals(input, expected.input());
      } catch (RuntimeException e) {
        fail("ImageReference.parse(\"" + input + "\") threw " + e, e);
      }
    }
  }

  @Test
  void policyReaderThrowsOnlyInvalidPolicyException() throws Exception {
    String seed = RulePrecedenceTest.POLICY;
    String json =
        """
        {"defaultAdmissionRule": {"evaluationMode": "REQUIRE_ATTESTATION",
          "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG", "requireAttestationsBy": ["projects/a/attestors/b"]},
         "admissionWhitelistPatterns": [{"namePattern": "gcr.io/x/*"}]}""";
    Random r = new Random(42L);
    Evaluator evaluator = Evaluator.create();
    int accepted = 0;
    for (int i = 0; i < 1_500; i++) {
      String base = i % 3 == 0 ? json : seed;
      String input = base;
      int rounds = 1 + r.nextInt(3);
      for (int k = 0; k < rounds; k++) {
        input = mutate(r, input);
      }
      PolicyDocument doc = Docs.policy(input);
      try {
        PolicySet set = PolicySet.parse(doc, null, List.of());
        accepted++;
        Evaluation e =
            evaluator.evaluate(
                Docs.pod("gcr.io/x/y", mutate(r, "gcr.io/x/y")), set, Facts.NONE, Docs.NOW);
        if (e.decision() == null) {
          fail("no decision");
        }
      } catch (InvalidPolicyException expected) {
        if (expected.problems().isEmpty()) {
          fail("no problem listed for " + input);
        }
      } catch (RuntimeException e) {
        fail("PolicySet.parse threw " + e + " for:\n" + input, e);
      }
    }
    if (accepted == 0) {
      fail("every mutation was rejected: the fuzzing tests nothing");
    }
  }

  @Test
  void attestorAndPlatformReadersThrowOnlyInvalidPolicyException() {
    String attestor =
        Docs.pkixAttestor("a", "k", Docs.ec("secp256r1").getPublic(), "ECDSA_P256_SHA256");
    String platform =
        """
        gkePolicy:
          imageAllowlist: {allowPattern: ["gcr.io/gke-release/*"]}
          checkSets:
          - displayName: prod
            scope: {kubernetesNamespace: prod}
            checks:
            - trustedDirectoryCheck: {trustedDirPatterns: ["us-docker.pkg.dev/acme/prod/**"]}
            - imageFreshnessCheck: {maxUploadAgeDays: 30}
            - vulnerabilityCheck: {maximumFixableSeverity: MEDIUM, maximumUnfixableSeverity: HIGH, blockedCves: [CVE-1]}
            - alwaysDeny: true
        """;
    Random r = new Random(7L);
    for (int i = 0; i < 800; i++) {
      String a = mutate(r, mutate(r, attestor));
      String p = mutate(r, mutate(r, platform));
      try {
        PolicySet.parse(
            Docs.policy(PlatformPolicyChecksTest.ALLOW_ALL),
            Docs.platform(p),
            List.of(Docs.attestor(a)));
      } catch (InvalidPolicyException expected) {
        // fine
      } catch (RuntimeException e) {
        fail("threw " + e + " for:\n" + a + "\n" + p, e);
      }
    }
  }

  @Test
  void verifierNeverThrowsOnGarbageAttestations() throws Exception {
    PolicySet set = EvaluatorTest.requireAttestation("ENFORCED_BLOCK_AND_AUDIT_LOG");
    Evaluator evaluator = Evaluator.create();
    Random r = new Random(99L);
    for (int i = 0; i < 500; i++) {
      Attestation att =
          new Attestation(
              "o" + i,
              "projects/acme/notes/built-by-ci",
              "u",
              Docs.DIGEST,
              random(r, 60),
              List.of(new Attestation.Signature("key-1", random(r, 100))),
              i % 2 == 0 ? new Attestation.PgpSignedAttestation(random(r, 200), null, null) : null,
              Docs.NOW);
      PodContext pod =
          new PodContext(
              "c",
              "n",
              "p",
              null,
              List.of(
                  new ContainerImage(
                      "c",
                      ContainerImage.Kind.CONTAINER,
                      "us-docker.pkg.dev/acme/app/api@" + Docs.DIGEST,
                      null)),
              Map.of(),
              Map.of());

      Evaluation e =
          evaluator.evaluate(
              pod, set, Facts.of(Map.of(Docs.DIGEST, List.of(att)), Map.of()), Docs.NOW);

      assertEquals(Decision.DENY, e.decision());
    }
  }
}
