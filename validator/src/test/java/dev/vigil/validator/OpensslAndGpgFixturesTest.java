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
    PolicySet set = PolicySet.parse(Docs.policy(AttestationSignatureTest.POLICY), null,
        List.of(Docs.attestor(attestorYaml)));
    return Evaluator.create().evaluate(Docs.pod(IMAGE), set,
        Facts.of(Map.of(Docs.DIGEST, List.of(attestation)), Map.of()), Docs.NOW);
  }

  static String pkixAttestor(String pemFile, String algorithm) {
    return "name: projects/acme/attestors/built-by-ci\n"
        + "userOwnedGrafeasNote:\n"
        + "  noteReference: projects/acme/notes/built-by-ci\n"
        + "  publicKeys:\n"
        + "  - id: openssl-key\n"
        + "    pkixPublicKey:\n"
        + "      signatureAlgorithm: " + algorithm + "\n"
        + "      publicKeyPem: |\n"
        + Docs.indent(Docs.resource(DIR + pemFile), 8);
  }

  static String pgpAttestor(String id) {
    return "name: projects/acme/attestors/built-by-ci\n"
        + "userOwnedGrafeasNote:\n"
        + "  noteReference: projects/acme/notes/built-by-ci\n"
        + "  publicKeys:\n"
        + (id == null ? "  -" : "  - id: " + id + "\n   ") + " asciiArmoredPgpPublicKey: |\n"
        + Docs.indent(Docs.resource(DIR + "pgp.pub.asc"), 6);
  }

  @ParameterizedTest(name = "{0} with {1}")
  @CsvSource(delimiter = '|', textBlock = """
      ec256.pub   | ECDSA_P256_SHA256          | ec256.sig
      ec384.pub   | ECDSA_P384_SHA384          | ec384.sig
      ec521.pub   | ECDSA_P521_SHA512          | ec521.sig
      rsa2048.pub | RSA_SIGN_PKCS1_2048_SHA256 | rsa2048-pkcs1.sig
      rsa2048.pub | RSA_PSS_2048_SHA256        | rsa2048-pss.sig
      rsa4096.pub | RSA_SIGN_PKCS1_4096_SHA512 | rsa4096-pkcs1-sha512.sig
      rsa4096.pub | RSA_PSS_4096_SHA512        | rsa4096-pss-sha512.sig
      """)
  void opensslSignaturesVerify(String pem, String algorithm, String sig) throws Exception {
    Attestation att = Docs.attestation("built-by-ci", "o1", Docs.DIGEST, PAYLOAD, "openssl-key",
        Docs.resourceBytes(DIR + sig));

    Evaluation e = evaluate(pkixAttestor(pem, algorithm), att);

    assertEquals(Decision.ALLOW, e.decision(), e.images().get(0).reasons().toString());
  }

  @ParameterizedTest(name = "{0} declared {1}: {2}")
  @CsvSource(delimiter = '|', textBlock = """
      rsa2048.pub | RSA_PSS_2048_SHA256        | rsa2048-pkcs1.sig
      rsa2048.pub | RSA_SIGN_PKCS1_2048_SHA256 | rsa2048-pss.sig
      rsa4096.pub | RSA_SIGN_PKCS1_4096_SHA256 | rsa4096-pkcs1-sha512.sig
      ec256.pub   | ECDSA_P256_SHA256          | ec384.sig
      """)
  void aSignatureMadeWithAnotherAlgorithmOrKeyIsRejected(String pem, String algorithm, String sig) throws Exception {
    Attestation att = Docs.attestation("built-by-ci", "o1", Docs.DIGEST, PAYLOAD, "openssl-key",
        Docs.resourceBytes(DIR + sig));

    Evaluation e = evaluate(pkixAttestor(pem, algorithm), att);

    assertEquals(Decision.DENY, e.decision());
  }

  @ParameterizedTest(name = "gpg {0}")
  @CsvSource(delimiter = '|', textBlock = """
      payload.json.asc          | true
      payload.json.detached.asc | true
      """)
  void gpgSignaturesVerifyInTheSignaturesForm(String sigFile, boolean withPayload) throws Exception {
    String fingerprint = Docs.resource(DIR + "pgp.fingerprint").strip();
    Attestation att = Docs.attestation("built-by-ci", "o1", Docs.DIGEST, PAYLOAD, fingerprint,
        Docs.resource(DIR + sigFile).getBytes(StandardCharsets.US_ASCII));

    Evaluation e = evaluate(pgpAttestor(fingerprint), att);

    assertEquals(Decision.ALLOW, e.decision(), e.images().get(0).reasons().toString());
  }

  @Test
  void gpgSignedMessageVerifiesInTheOlderPgpSignedAttestationForm() throws Exception {
    String fingerprint = Docs.resource(DIR + "pgp.fingerprint").strip();
    Attestation att = new Attestation("projects/acme/occurrences/o1", "projects/acme/notes/built-by-ci",
        "https://" + IMAGE, Docs.DIGEST, null, List.of(),
        new Attestation.PgpSignedAttestation(Docs.resource(DIR + "payload.json.asc"), "SIMPLE_SIGNING_JSON",
            fingerprint.toLowerCase(java.util.Locale.ROOT)),
        Docs.NOW);

    Evaluation e = evaluate(pgpAttestor(null), att);

    assertEquals(Decision.ALLOW, e.decision(), e.images().get(0).reasons().toString());
  }

  @Test
  void aDetachedSignatureOverAnotherPayloadIsRejected() throws Exception {
    String fingerprint = Docs.resource(DIR + "pgp.fingerprint").strip();
    byte[] other = Docs.payload("us-docker.pkg.dev/acme/app/other", Docs.DIGEST).getBytes(StandardCharsets.UTF_8);
    Attestation att = Docs.attestation("built-by-ci", "o1", Docs.DIGEST, other, fingerprint,
        Docs.resource(DIR + "payload.json.detached.asc").getBytes(StandardCharsets.US_ASCII));

    Evaluation e = evaluate(pgpAttestor(fingerprint), att);

    assertEquals(Decision.DENY, e.decision());
    assertTrue(e.images().get(0).reasons().toString().contains("does not verify"), e.images().get(0).reasons().toString());
  }

  @Test
  void anAttestorIdThatIsNotThePgpFingerprintIsAProblem() {
    InvalidPolicyException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidPolicyException.class,
        () -> PolicySet.parse(Docs.policy(AttestationSignatureTest.POLICY), null,
            List.of(Docs.attestor(pgpAttestor("0123456789ABCDEF0123456789ABCDEF01234567")))));

    assertTrue(e.problems().get(0).message().contains("fingerprint"), e.getMessage());
  }

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }
}
