package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Decision;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Signatures made by openssl and gpg (see fixtures/signatures/README.md), verified by Vigil. */
class OpensslAndGpgFixturesTest {

  static final String DIR = "/fixtures/signatures/";
  static final String IMAGE = "us-docker.pkg.dev/acme/app/api@" + Docs.DIGEST;
  static final byte[] PAYLOAD = Docs.resourceBytes(DIR + "payload.json");

  static Evaluation evaluate(String attestorYaml, Attestation attestation) throws Exception {
    PolicySet set =
        PolicySet.parse(
            Docs.policy(AttestationSignatureTest.POLICY),
            null,
            List.of(Docs.attestor(attestorYaml)));
    return Evaluator.create()
        .evaluate(
            Docs.pod(IMAGE),
            set,
            Facts.of(Map.of(Docs.DIGEST, List.of(attestation)), Map.of()),
            Docs.NOW);
  }

  static String pkixAttestor(String pemFile, String algorithm) {
    return "name: projects/acme/attestors/built-by-ci\n"
        + "userOwnedGrafeasNote:\n"
        + "  noteReference: projects/acme/notes/built-by-ci\n"
        + "  publicKeys:\n"
        + "  - id: openssl-key\n"
        + "    pkixPublicKey:\n"
        + "      signatureAlgorithm: "
        + algorithm
        + "\n"
        + "      publicKeyPem: |\n"
        + Docs.indent(Docs.resource(DIR + pemFile), 8);
  }

  static String pgpAttestor(String id) {
    return "name: projects/acme/attestors/built-by-ci\n"
        + "userOwnedGrafeasNote:\n"
        + "  noteReference: projects/acme/notes/built-by-ci\n"
        + "  publicKeys:\n"
        + (id == null ? "  -" : "  - id: " + id + "\n   ")
        + " asciiArmoredPgpPublicKey: |\n"
        + Docs.indent(Docs.resource(DIR + "pgp.pub.asc"), 6);
  }

  @ParameterizedTest(name = "{0} with {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      ec256.pub   | ECDSA_P256_SHA256          | ec256.sig
      ec384.pub   | ECDSA_P384_SHA384          | ec384.sig
      ec521.pub   | ECDSA_P521_SHA512          | ec521.sig
      rsa2048.pub | RSA_SIGN_PKCS1_2048_SHA256 | rsa2048-pkcs1.sig
      rsa2048.pub | RSA_PSS_2048_SHA256        | rsa2048-pss.sig
      rsa4096.pub | RSA_SIGN_PKCS1_4096_SHA512 | rsa4096-pkcs1-sha512.sig
      rsa4096.pub | RSA_PSS_4096_SHA512        | rsa4096-pss-sha512.sig
      """)
  void opensslSignaturesVerify(String pem, String algorithm, String sig) throws Exception {
    Attestation att =
        Docs.attestation(
            "built-by-ci",
            "o1",
            Docs.DIGEST,
            PAYLOAD,
            "openssl-key",
            Docs.resourceBytes(DIR + sig));

    Evaluation e = evaluate(pkixAttestor(pem, algorithm), att);

    assertEquals(Decision.ALLOW, e.decision(), e.images().get(0).reasons().toString());
  }

  @ParameterizedTest(name = "{0} declared {1}: {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      rsa2048.pub | RSA_PSS_2048_SHA256        | rsa2048-pkcs1.sig
      rsa2048.pub | RSA_SIGN_PKCS1_2048_SHA256 | rsa2048-pss.sig
      rsa4096.pub | RSA_SIGN_PKCS1_4096_SHA256 | rsa4096-pkcs1-sha512.sig
      ec256.pub   | ECDSA_P256_SHA256          | ec384.sig
      """)
  void aSignatureMadeWithAnotherAlgorithmOrKeyIsRejected(String pem, String algorithm, String sig)
      throws Exception {
    Attestation att =
        Docs.attestation(
            "built-by-ci",
            "o1",
            Docs.DIGEST,
            PAYLOAD,
            "openssl-key",
            Docs.resourceBytes(DIR + sig));

    Evaluation e = evaluate(pkixAttestor(pem, algorithm), att);

    assertEquals(Decision.DENY, e.decision());
  }

  @ParameterizedTest(name = "gpg {0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      payload.json.asc          | true
      payload.json.detached.asc | true
      """)
  void gpgSignaturesVerifyInTheSignaturesForm(String sigFile, boolean withPayload)
      throws Exception {
    String fingerprint = Docs.resource(DIR + "pgp.fingerprint").strip();
    Attestation att =
        Docs.attestation(
            "built-by-ci",
            "o1",
            Docs.DIGEST,
            PAYLOAD,
            fingerprint,
            Docs.resource(DIR + sigFile).getBytes(StandardCharsets.US_ASCII));

    Evaluation e = evaluate(pgpAttestor(fingerprint), att);

    assertEquals(Decision.ALLOW, e.decision(), e.images().get(0).reasons().toString());
  }

  @Test
  void gpgSignedMessageVerifiesInTheOlderPgpSignedAttestationForm() throws Exception {
    String fingerprint = Docs.resource(DIR + "pgp.fingerprint").strip();
    Attestation att =
        new Attestation(
            "projects/acme/occurrences/o1",
            "projects/acme/notes/built-by-ci",
            "https://" + IMAGE,
            Docs.DIGEST,
            null,
            List.of(),
            new Attestation.PgpSignedAttestation(
                Docs.resource(DIR + "payload.json.asc"),
                "SIMPLE_SIGNING_JSON",
                fingerprint.toLowerCase(java.util.Locale.ROOT)),
            Docs.NOW);

    Evaluation e = evaluate(pgpAttestor(null), att);

    assertEquals(Decision.ALLOW, e.decision(), e.images().get(0).reasons().toString());
  }

  @Test
  void aDetachedSignatureOverAnotherPayloadIsRejected() throws Exception {
    String fingerprint = Docs.resource(DIR + "pgp.fingerprint").strip();
    byte[] other =
        Docs.payload("us-docker.pkg.dev/acme/app/other", Docs.DIGEST)
            .getBytes(StandardCharsets.UTF_8);
    Attestation att =
        Docs.attestation(
            "built-by-ci",
            "o1",
            Docs.DIGEST,
            other,
            fingerprint,
            Docs.resource(DIR + "payload.json.detached.asc").getBytes(StandardCharsets.US_ASCII));

    Evaluation e = evaluate(pgpAttestor(fingerprint), att);

    assertEquals(Decision.DENY, e.decision());
    assertTrue(
        e.images().get(0).reasons().toString().contains("does not verify"),
        e.images().get(0).reasons().toString());
  }

  @Test
  void anAttestorIdThatIsNotThePgpFingerprintIsAProblem() {
    InvalidPolicyException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidPolicyException.class,
            () ->
                PolicySet.parse(
                    Docs.policy(AttestationSignatureTest.POLICY),
                    null,
                    List.of(
                        Docs.attestor(pgpAttestor("0123456789ABCDEF0123456789ABCDEF01234567")))));

    assertTrue(e.problems().get(0).message().contains("fingerprint"), e.getMessage());
  }

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  /**
   * AttestorPublicKey: "If id is left blank, a default one will be computed based on the digest of
   * the DER encoding of the public key." The id below was computed outside Vigil, with {@code
   * openssl pkey -pubin -in ec256.pub -outform DER | openssl dgst -sha256 -binary | base64 | tr
   * '+/' '-_' | tr -d '='}.
   */
  @Test
  void aPkixKeyWithoutAnIdGetsTheDefaultIdThatSignaturesCite() throws Exception {
    String attestor =
        pkixAttestor("ec256.pub", "ECDSA_P256_SHA256")
            .replace("  - id: openssl-key\n    pkix", "  - pkix");
    String defaultId = "ni:///sha-256;7vTL6jiMa_mUuEya21EPzHqrkzlAFXMFWmQMPEt1ND4";

    Evaluation cited =
        evaluate(
            attestor,
            Docs.attestation(
                "built-by-ci",
                "o1",
                Docs.DIGEST,
                PAYLOAD,
                defaultId,
                Docs.resourceBytes(DIR + "ec256.sig")));
    Evaluation other =
        evaluate(
            attestor,
            Docs.attestation(
                "built-by-ci",
                "o1",
                Docs.DIGEST,
                PAYLOAD,
                "openssl-key",
                Docs.resourceBytes(DIR + "ec256.sig")));

    assertEquals(
        List.of(defaultId),
        AttestorReader.read(Docs.attestor(attestor)).get(0).keys().stream()
            .map(VerificationKey::id)
            .toList());
    assertEquals(Decision.ALLOW, cited.decision(), cited.images().get(0).reasons().toString());
    assertEquals(
        Decision.DENY,
        other.decision(),
        "a signature citing another id names no key of the attestor");
  }

  /**
   * PkixPublicKey.keyId inside an AttestorPublicKey "can either match that value exactly, or be
   * left blank, in which case it behaves exactly as though it is equal to that wrapper value".
   */
  @ParameterizedTest(name = "id {0}, keyId {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      openssl-key | openssl-key | openssl-key
      openssl-key | ''          | openssl-key
      ''          | openssl-key | openssl-key
      openssl-key | other-key   | PROBLEM
      """)
  void pkixKeyIdMatchesTheAttestorKeyIdOrIsBlank(String id, String keyId, String expected)
      throws Exception {
    String attestor =
        pkixAttestor("ec256.pub", "ECDSA_P256_SHA256")
            .replace("  - id: openssl-key\n", id.isEmpty() ? "  -\n" : "  - id: " + id + "\n")
            .replace(
                "      signatureAlgorithm:",
                (keyId.isEmpty() ? "" : "      keyId: " + keyId + "\n")
                    + "      signatureAlgorithm:");

    if (expected.equals("PROBLEM")) {
      InvalidPolicyException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              InvalidPolicyException.class, () -> AttestorReader.read(Docs.attestor(attestor)));
      assertTrue(e.problems().toString().contains("pkixPublicKey.keyId"), e.problems().toString());
    } else {
      assertEquals(
          expected, AttestorReader.read(Docs.attestor(attestor)).get(0).keys().get(0).id());
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      no PEM armour        | 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE'                                  | not a PEM public key
      not base64           | '-----BEGIN PUBLIC KEY-----\n@@@@\n-----END PUBLIC KEY-----'            | not a readable PEM
      a certificate request | '-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----' | not a readable PEM
      """)
  void refusesWhatIsNotAPemPublicKey(String what, String pem, String why) {
    PublicKeys.BadKeyException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            PublicKeys.BadKeyException.class, () -> PublicKeys.parsePem(pem.replace("\\n", "\n")));

    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  /**
   * Container Analysis v1beta1 nests the attestation once more: Occurrence.attestation is a Details
   * whose {@code attestation} holds {@code pgpSignedAttestation} ("signature": the gpg output with
   * the payload attached, "contentType": SIMPLE_SIGNING_JSON, "pgpKeyId": the fingerprint).
   */
  @Test
  void readsAPgpAttestationInTheV1beta1OccurrenceShape() throws Exception {
    String fingerprint = Docs.resource(DIR + "pgp.fingerprint").strip();
    String occurrence =
        """
        [{"name": "projects/acme/occurrences/v1beta1-pgp", "kind": "ATTESTATION",
          "noteName": "projects/acme/notes/built-by-ci",
          "resource": {"uri": "https://%s"},
          "attestation": {"attestation": {"pgpSignedAttestation": {
              "signature": %s, "contentType": "SIMPLE_SIGNING_JSON", "pgpKeyId": "%s"}}},
          "createTime": "2026-11-20T10:00:00Z"}]
        """
            .formatted(IMAGE, quote(Docs.resource(DIR + "payload.json.asc")), fingerprint);

    GrafeasOccurrences.Occurrences read =
        GrafeasOccurrences.read(
            "attestations.json", occurrence, dev.vigil.schemas.PolicyDocument.Format.JSON);
    Evaluation e = evaluate(pgpAttestor(null), read.attestations().get(0));

    assertEquals(List.of(), read.skipped());
    assertEquals(fingerprint, read.attestations().get(0).pgpSignedAttestation().pgpKeyId());
    assertEquals(Decision.ALLOW, e.decision(), e.images().get(0).reasons().toString());
  }

  /**
   * The v1 shape (AttestationOccurrence: "serializedPayload" and "signatures", each with
   * "publicKeyId" and "signature") and the v1beta1 genericSignedAttestation, with the same detached
   * gpg signature; an unreadable occurrence between them is reported and skipped, not the file.
   */
  @Test
  void readsTheV1ShapeAndSkipsAnUnreadableOccurrence() throws Exception {
    String fingerprint = Docs.resource(DIR + "pgp.fingerprint").strip();
    String payload = Base64.getEncoder().encodeToString(PAYLOAD);
    String signature =
        Base64.getEncoder()
            .encodeToString(
                Docs.resource(DIR + "payload.json.detached.asc")
                    .getBytes(StandardCharsets.US_ASCII));
    String occurrences =
        """
        [{"name": "projects/acme/occurrences/v1", "kind": "ATTESTATION",
          "noteName": "projects/acme/notes/built-by-ci", "resourceUri": "https://%1$s",
          "attestation": {"serializedPayload": "%2$s",
                          "signatures": [{"publicKeyId": "%3$s", "signature": "%4$s"}]}},
         {"name": "projects/acme/occurrences/broken", "kind": "ATTESTATION",
          "noteName": "projects/acme/notes/built-by-ci", "resourceUri": "https://%1$s",
          "attestation": {"attestation": {"pgpSignedAttestation": {"contentType": "SIMPLE_SIGNING_JSON"}}}},
         {"name": "projects/acme/occurrences/v1beta1-generic", "kind": "ATTESTATION",
          "noteName": "projects/acme/notes/built-by-ci", "resource": {"uri": "https://%1$s"},
          "attestation": {"attestation": {"genericSignedAttestation": {"contentType": "SIMPLE_SIGNING_JSON",
              "serializedPayload": "%2$s", "signatures": [{"publicKeyId": "%3$s", "signature": "%4$s"}]}}}}]
        """
            .formatted(IMAGE, payload, fingerprint, signature);

    GrafeasOccurrences.Occurrences read =
        GrafeasOccurrences.read(
            "attestations.json", occurrences, dev.vigil.schemas.PolicyDocument.Format.JSON);

    assertEquals(
        List.of("projects/acme/occurrences/v1", "projects/acme/occurrences/v1beta1-generic"),
        read.attestations().stream().map(Attestation::occurrence).toList());
    assertEquals(
        "[1].attestation.attestation.pgpSignedAttestation.signature: is required",
        read.skipped().get(0).toString());
    for (Attestation a : read.attestations()) {
      Evaluation e = evaluate(pgpAttestor(fingerprint), a);
      assertEquals(
          Decision.ALLOW, e.decision(), a.occurrence() + " " + e.images().get(0).reasons());
    }
  }

  private static String quote(String s) {
    return "\""
        + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "").replace("\n", "\\n")
        + "\"";
  }
}
