package dev.vigil.reliability.attacks;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.validator.Documents;
import dev.vigil.validator.Evaluation;
import dev.vigil.validator.Evaluator;
import dev.vigil.validator.Facts;
import dev.vigil.validator.PodContext;
import dev.vigil.validator.PolicySet;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Keys, documents and signed attestations for the attack tests, built only from the validator's
 * public API (the validator's own test helpers are package-private).
 */
final class Signing {

  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final String DIGEST = "sha256:" + "a".repeat(64);
  static final String OTHER_DIGEST = "sha256:" + "b".repeat(64);
  static final String REPO = "us-docker.pkg.dev/acme/app/api";
  static final String IMAGE = REPO + "@" + DIGEST;
  static final String ATTESTOR = "projects/acme/attestors/built-by-ci";
  static final String NOTE = "projects/acme/notes/built-by-ci";
  static final String POLICY =
      """
      defaultAdmissionRule:
        evaluationMode: REQUIRE_ATTESTATION
        enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
        requireAttestationsBy: [projects/acme/attestors/built-by-ci]
      """;

  private Signing() {}

  static KeyPair ec(String curve) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(curve));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair rsa(int bits) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(bits);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] sign(String jcaAlgorithm, PrivateKey key, byte[] data) {
    try {
      Signature s = Signature.getInstance(jcaAlgorithm);
      s.initSign(key);
      s.update(data);
      return s.sign();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String payload(String reference, String digest) {
    return "{\"critical\":{\"identity\":{\"docker-reference\":\""
        + reference
        + "\"},"
        + "\"image\":{\"docker-manifest-digest\":\""
        + digest
        + "\"},"
        + "\"type\":\"Google cloud binauthz container signature\"}}";
  }

  static PolicyDocument doc(PolicyDocument.Kind kind, String name, String content) {
    return PolicyDocument.of("*", kind, name, 1, Documents.sniff(content), content, "test", NOW);
  }

  static String pem(PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  /** An attestor document with one PKIX key. */
  static String attestor(String name, String keyId, PublicKey key, String algorithm) {
    String pad = " ".repeat(8);
    return "name: projects/acme/attestors/"
        + name
        + "\n"
        + "userOwnedGrafeasNote:\n"
        + "  noteReference: projects/acme/notes/"
        + name
        + "\n"
        + "  publicKeys:\n"
        + "  - id: "
        + keyId
        + "\n"
        + "    pkixPublicKey:\n"
        + "      signatureAlgorithm: "
        + algorithm
        + "\n"
        + "      publicKeyPem: |\n"
        + pad
        + pem(key).strip().replace("\n", "\n" + pad)
        + "\n";
  }

  static Attestation attestation(
      String note, String digest, String payload, String keyId, byte[] signature) {
    return attestation(
        note,
        digest,
        payload.getBytes(StandardCharsets.UTF_8),
        keyId,
        Base64.getEncoder().encodeToString(signature));
  }

  static Attestation attestation(
      String note, String digest, byte[] payload, String keyId, String signatureB64) {
    return new Attestation(
        "projects/acme/occurrences/o1",
        note,
        "https://" + REPO + "@" + digest,
        digest,
        Base64.getEncoder().encodeToString(payload),
        List.of(new Attestation.Signature(keyId, signatureB64)),
        null,
        NOW);
  }

  static PodContext pod(String image) {
    return new PodContext(
        "us-central1-a.prod",
        "default",
        "pod",
        "default",
        List.of(new ContainerImage("c0", ContainerImage.Kind.CONTAINER, image, null)),
        Map.of(),
        Map.of());
  }

  /**
   * Evaluates {@link #IMAGE} under {@link #POLICY} with these attestors and the attestations keyed
   * by digest.
   */
  static Evaluation evaluate(List<String> attestors, Map<String, List<Attestation>> attestations)
      throws Exception {
    PolicySet set =
        PolicySet.parse(
            doc(PolicyDocument.Kind.BINAUTHZ_POLICY, "policy", POLICY),
            null,
            attestors.stream()
                .map(
                    a ->
                        doc(
                            PolicyDocument.Kind.ATTESTOR,
                            "a" + Integer.toHexString(a.hashCode()),
                            a))
                .toList());
    return Evaluator.create().evaluate(pod(IMAGE), set, Facts.of(attestations, Map.of()), NOW);
  }
}
