package dev.vigil.validator.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.validator.AttestorReader;
import dev.vigil.validator.BinauthzPolicyReader;
import dev.vigil.validator.Documents;
import dev.vigil.validator.Evaluation;
import dev.vigil.validator.Evaluator;
import dev.vigil.validator.Facts;
import dev.vigil.validator.GrafeasOccurrences;
import dev.vigil.validator.ImageReference;
import dev.vigil.validator.InvalidImageReferenceException;
import dev.vigil.validator.InvalidPolicyException;
import dev.vigil.validator.PlatformPolicyReader;
import dev.vigil.validator.PodContext;
import dev.vigil.validator.PolicySet;
import dev.vigil.validator.SimpleSigningPayload;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Jazzer fuzz tests for every validator parser that reads outside data (issue 9). In {@code verify}
 * they run in regression mode: the seeds under {@code
 * src/test/resources/dev/vigil/validator/fuzz/ValidatorParsersFuzzTestInputs/<method>/} and any
 * crash file Jazzer wrote there. To fuzz one of them (docs/reliability.md): {@code JAZZER_FUZZ=1
 * ./mvnw -B -ntp -pl validator -am test -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtest='ValidatorParsersFuzzTest#imageReference'}.
 *
 * <p>Any exception other than the parser's own input error is a bug: each method lets only that
 * type through (caught and ignored) and anything else fails the test.
 */
class ValidatorParsersFuzzTest {

  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final String DIGEST = "sha256:" + "a".repeat(64);

  static String text(byte[] data) {
    return new String(data, StandardCharsets.UTF_8);
  }

  static PolicyDocument doc(PolicyDocument.Kind kind, String content) {
    try {
      String sha =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(content.getBytes(StandardCharsets.UTF_8)));
      return new PolicyDocument(
          "*", kind, "fuzz", 1, Documents.sniff(content), content, sha, "fuzz", NOW);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static PodContext pod(String image) {
    return new PodContext(
        "us-central1-a.prod",
        "prod",
        "p",
        "default",
        List.of(new ContainerImage("c", ContainerImage.Kind.CONTAINER, image, null)),
        Map.of(),
        Map.of());
  }

  @FuzzTest(maxDuration = "5m")
  void imageReference(byte[] data) {
    String input = text(data);
    try {
      ImageReference ref = ImageReference.parse(input);
      assertEquals(ref, ImageReference.parse(ref.toString()), "round trip");
    } catch (InvalidImageReferenceException expected) {
      assertNotNull(expected.getMessage());
    }
    ImageReference.digestFromImageId(input);
    ImageReference.isDigest(input);
  }

  @FuzzTest(maxDuration = "5m")
  void binauthzPolicy(byte[] data) {
    PolicyDocument policy = doc(PolicyDocument.Kind.BINAUTHZ_POLICY, text(data));
    try {
      BinauthzPolicyReader.read(policy);
      PolicySet set = PolicySet.parse(policy, null, List.of());
      Evaluation e =
          Evaluator.create()
              .evaluate(pod("us-docker.pkg.dev/acme/app/api@" + DIGEST), set, Facts.NONE, NOW);
      assertNotNull(e.decision());
    } catch (InvalidPolicyException expected) {
      assertFalse(expected.problems().isEmpty(), "an InvalidPolicyException lists its problems");
    }
  }

  @FuzzTest(maxDuration = "5m")
  void attestor(byte[] data) {
    PolicyDocument attestor = doc(PolicyDocument.Kind.ATTESTOR, text(data));
    try {
      AttestorReader.read(attestor);
    } catch (InvalidPolicyException expected) {
      assertFalse(expected.problems().isEmpty(), "an InvalidPolicyException lists its problems");
    }
  }

  @FuzzTest(maxDuration = "5m")
  void platformPolicy(byte[] data) {
    PolicyDocument platform = doc(PolicyDocument.Kind.PLATFORM_POLICY, text(data));
    try {
      PlatformPolicyReader.read(platform);
      PolicySet set =
          PolicySet.parse(
              doc(
                  PolicyDocument.Kind.BINAUTHZ_POLICY,
                  "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}"),
              platform,
              List.of());
      Evaluation e =
          Evaluator.create()
              .evaluate(pod("us-docker.pkg.dev/acme/prod/api:v1"), set, Facts.NONE, NOW);
      assertNotNull(e.decision());
    } catch (InvalidPolicyException expected) {
      assertFalse(expected.problems().isEmpty(), "an InvalidPolicyException lists its problems");
    }
  }

  @FuzzTest(maxDuration = "5m")
  void simpleSigningPayload(byte[] data) {
    try {
      SimpleSigningPayload p = SimpleSigningPayload.parse(data);
      assertNotNull(p.dockerManifestDigest());
      assertEquals(true, ImageReference.isDigest(p.dockerManifestDigest()));
    } catch (SimpleSigningPayload.MalformedPayloadException expected) {
      assertNotNull(expected.getMessage());
    }
  }

  @FuzzTest(maxDuration = "5m")
  void grafeasOccurrences(byte[] data) {
    String content = text(data);
    try {
      GrafeasOccurrences.Occurrences read =
          GrafeasOccurrences.read("fuzz", content, Documents.sniff(content));
      assertNotNull(read.attestations());
      read.skipped().forEach(p -> assertNotNull(p.message(), "a skipped occurrence says why"));
    } catch (InvalidPolicyException expected) {
      assertFalse(expected.problems().isEmpty(), "an InvalidPolicyException lists its problems");
    }
  }
}
