package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PolicyDocument;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Signatures made by containers/image (skopeo, podman) and cosign, with their documented outcomes.
 */
class ContainersImageFixturesTest {

  static final String DIR = "/realdata/containers-image/";
  static final String FINGERPRINT = "08CD26E446E2E95249B7A405E932F44B23E8DD43";

  static String digestOf(String manifest) {
    return "sha256:" + HexFormat.of().formatHex(Docs.sha256(Docs.resourceBytes(DIR + manifest)));
  }

  static String pgpAttestor() {
    return "name: projects/acme/attestors/skopeo\n"
        + "userOwnedGrafeasNote:\n"
        + "  noteReference: projects/acme/notes/skopeo\n"
        + "  publicKeys:\n"
        + "  - id: "
        + FINGERPRINT
        + "\n"
        + "    asciiArmoredPgpPublicKey: |\n"
        + Docs.indent(Docs.resource(DIR + "public-key.gpg"), 6);
  }

  @ParameterizedTest(name = "{0} over {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      image.signature                  | image.manifest.json                      | ALLOW | satisfied
      no-optional-fields.signature     | image.manifest.json                      | ALLOW | satisfied
      dir-img-valid/signature-1        | dir-img-valid/manifest.json              | ALLOW | satisfied
      expired.signature                | image.manifest.json                      | DENY  | expired
      unknown-key.signature            | image.manifest.json                      | DENY  | another key
      corrupt.signature                | image.manifest.json                      | DENY  | rejected
      invalid-reference.signature      | image.manifest.json                      | DENY  | docker-reference is invalid
      dir-img-modified-manifest/signature-1 | dir-img-modified-manifest/manifest.json | DENY | payload is for sha256:20bf21ed
      """)
  void openPgpSimpleSigning(String signature, String manifest, Decision expected, String reason)
      throws Exception {
    String digest = digestOf(manifest);
    String policy = AttestationSignatureTest.POLICY.replace("built-by-ci", "skopeo");
    PolicySet set =
        PolicySet.parse(Docs.policy(policy), null, List.of(Docs.attestor(pgpAttestor())));
    Attestation att =
        new Attestation(
            "projects/acme/occurrences/x",
            "projects/acme/notes/skopeo",
            "https://testing/manifest@" + digest,
            digest,
            null,
            List.of(
                new Attestation.Signature(
                    FINGERPRINT,
                    Base64.getEncoder().encodeToString(Docs.resourceBytes(DIR + signature)))),
            null,
            Docs.NOW);

    Evaluation e =
        Evaluator.create()
            .evaluate(
                Docs.pod("docker.io/testing/manifest@" + digest),
                set,
                Facts.of(Map.of(digest, List.of(att)), Map.of()),
                Docs.NOW);

    assertEquals(expected, e.decision(), e.images().get(0).reasons().toString());
    assertTrue(
        e.images().get(0).reasons().toString().contains(reason),
        e.images().get(0).reasons().toString());
  }

  @ParameterizedTest(name = "cosign {0} over {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      dir-img-cosign-valid/signature-1            | dir-img-cosign-valid/manifest.json             | ALLOW
      dir-img-cosign-valid/signature-1            | dir-img-cosign-modified-manifest/manifest.json | DENY
      dir-img-cosign-modified-manifest/signature-1 | dir-img-cosign-modified-manifest/manifest.json | DENY
      unknown-cosign-key.signature                | dir-img-cosign-valid/manifest.json             | DENY
      """)
  void cosignKeyedSignaturesInASigstoreSignatureCheck(
      String signature, String manifest, Decision expected) throws Exception {
    String digest = digestOf(manifest);

    Evaluation e = sigstore(digest, List.of(cosign(DIR + signature, digest)));

    assertEquals(expected, e.decision(), e.images().get(0).checkResults().toString());
    assertEquals("sigstoreSignatureCheck", e.images().get(0).checkResults().get(0).check());
  }

  @Test
  void signaturesThatCouldNotBeReadMakeTheSigstoreCheckUnknownUnlessOneVerifies() throws Exception {
    String digest = digestOf("dir-img-cosign-valid/manifest.json");
    Attestation unreadable =
        new Attestation(
            "cosign:registry.example/app@" + digest + "/unreadable",
            PlatformPolicy.SigstoreSignatureCheck.UNREADABLE_NOTE,
            "https://registry.example/app@" + digest,
            digest,
            null,
            List.of(),
            null,
            Docs.NOW);

    Evaluation alone = sigstore(digest, List.of(unreadable));
    Evaluation withValid =
        sigstore(
            digest, List.of(unreadable, cosign(DIR + "dir-img-cosign-valid/signature-1", digest)));
    Evaluation withOtherKey =
        sigstore(digest, List.of(unreadable, cosign(DIR + "unknown-cosign-key.signature", digest)));

    assertEquals(Decision.UNKNOWN, alone.decision());
    assertTrue(
        alone.images().get(0).checkResults().get(0).reason().contains("could not be read"),
        alone.images().get(0).checkResults().toString());
    assertEquals(Decision.ALLOW, withValid.decision());
    assertEquals(
        Decision.UNKNOWN,
        withOtherKey.decision(),
        "a signature that does not verify is not a DENY " + "while others may be unread");
  }

  /**
   * The cosign image judged under a platform policy whose one check is sigstoreSignatureCheck with
   * cosign.pub.
   */
  static Evaluation sigstore(String digest, List<Attestation> facts) throws Exception {
    String platform =
        "gkePolicy:\n"
            + "  checkSets:\n"
            + "  - displayName: signed\n"
            + "    checks:\n"
            + "    - sigstoreSignatureCheck:\n"
            + "        sigstoreAuthorities:\n"
            + "        - publicKeySet:\n"
            + "            publicKeys:\n"
            + "            - publicKeyPem: |\n"
            + Docs.indent(Docs.resource(DIR + "cosign.pub"), 16);
    PolicySet set =
        PolicySet.parse(
            Docs.policy(
                "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}"),
            Docs.platform(platform),
            List.of());

    return Evaluator.create()
        .evaluate(
            Docs.pod("192.168.64.2:5000/cosign-signed-single-sample@" + digest),
            set,
            Facts.of(Map.of(digest, facts), Map.of()),
            Docs.NOW);
  }

  /**
   * containers/image's storage form: a line "sigstore-json", then JSON with payload and signature
   * annotation.
   */
  static Attestation cosign(String resource, String digest) throws Exception {
    String text = Docs.resource(resource);
    String json = text.substring(text.indexOf('{'));
    JsonNode node = Documents.read(json, PolicyDocument.Format.JSON);
    String payload = node.get("payload").textValue();
    String sig = node.get("annotations").get("dev.cosignproject.cosign/signature").textValue();
    return new Attestation(
        "cosign/" + resource,
        "cosign",
        "https://x@" + digest,
        digest,
        payload,
        List.of(new Attestation.Signature("", sig)),
        null,
        Docs.NOW);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
