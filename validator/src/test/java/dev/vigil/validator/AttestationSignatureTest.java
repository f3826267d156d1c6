package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Decision;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** PKIX attestations with keys generated here, for every algorithm an attestor may declare. */
class AttestationSignatureTest {

  static final String IMAGE = "us-docker.pkg.dev/acme/app/api@" + Docs.DIGEST;
  static final String POLICY =
      """
      defaultAdmissionRule:
        evaluationMode: REQUIRE_ATTESTATION
        enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
        requireAttestationsBy: [projects/acme/attestors/built-by-ci]
      """;
  private static final Map<SignatureAlgorithm, KeyPair> KEYS =
      new EnumMap<>(SignatureAlgorithm.class);
  private static final Map<Integer, KeyPair> RSA = new java.util.HashMap<>();

  /**
   * Keys generated here; the 4096-bit RSA key is openssl's fixture, as generating one takes
   * seconds.
   */
  static synchronized KeyPair keyFor(SignatureAlgorithm a) {
    return KEYS.computeIfAbsent(
        a,
        x ->
            a.keyType() == SignatureAlgorithm.KeyType.EC
                ? Docs.ec(a.curve())
                : RSA.computeIfAbsent(
                    a.keyBits(), bits -> bits == 4096 ? Docs.fixtureRsa4096() : Docs.rsa(bits)));
  }

  static Evaluation evaluate(String attestorYaml, Attestation... attestations) throws Exception {
    PolicySet set =
        PolicySet.parse(Docs.policy(POLICY), null, List.of(Docs.attestor(attestorYaml)));
    Facts facts = Facts.of(Map.of(Docs.DIGEST, List.of(attestations)), Map.of());
    return Evaluator.create().evaluate(Docs.pod(IMAGE), set, facts, Docs.NOW);
  }

  static Attestation signed(SignatureAlgorithm a, KeyPair key, String payload) {
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    return Docs.attestation(
        "built-by-ci", "o1", Docs.DIGEST, bytes, "key-1", Docs.sign(a, key.getPrivate(), bytes));
  }

  @ParameterizedTest
  @EnumSource(SignatureAlgorithm.class)
  void aValidSignatureSatisfiesTheAttestor(SignatureAlgorithm a) throws Exception {
    KeyPair key = keyFor(a);

    Evaluation e =
        evaluate(
            Docs.pkixAttestor("built-by-ci", "key-1", key.getPublic(), a.name()),
            signed(a, key, Docs.payload("us-docker.pkg.dev/acme/app/api", Docs.DIGEST)));

    assertEquals(Decision.ALLOW, e.decision(), e.images().get(0).reasons().toString());
    assertTrue(
        e.images()
            .get(0)
            .reasons()
            .contains(
                "attestor projects/acme/attestors/built-by-ci: satisfied by projects/acme/occurrences/o1"));
  }

  @Test
  void cloudKmsSpellingsAreAccepted() throws Exception {
    KeyPair key = keyFor(SignatureAlgorithm.ECDSA_P256_SHA256);

    Evaluation e =
        evaluate(
            Docs.pkixAttestor("built-by-ci", "key-1", key.getPublic(), "EC_SIGN_P256_SHA256"),
            signed(SignatureAlgorithm.ECDSA_P256_SHA256, key, Docs.payload("x/y", Docs.DIGEST)));

    assertEquals(Decision.ALLOW, e.decision());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      wrong key              | does not verify
      other digest           | payload is for sha256:bbbb
      malformed payload      | malformed payload
      unknown type           | not a container signature type
      other note             | no valid attestation
      other key id           | no valid attestation
      attestation for other  | no valid attestation
      tampered payload       | does not verify
      truncated signature    | signature
      """)
  void rejects(String scenario, String reason) throws Exception {
    SignatureAlgorithm a = SignatureAlgorithm.ECDSA_P256_SHA256;
    KeyPair key = keyFor(a);
    String good = Docs.payload("us-docker.pkg.dev/acme/app/api", Docs.DIGEST);
    Attestation att;
    switch (scenario) {
      case "wrong key":
        att = signed(a, Docs.ec("secp256r1"), good);
        break;
      case "other digest":
        att = signed(a, key, Docs.payload("us-docker.pkg.dev/acme/app/api", Docs.OTHER_DIGEST));
        break;
      case "malformed payload":
        att = signed(a, key, "{\"critical\": {\"image\": 42}}");
        break;
      case "unknown type":
        att =
            signed(
                a,
                key,
                good.replace("Google cloud binauthz container signature", "something else"));
        break;
      case "other note":
        att = rebuild(signed(a, key, good), "projects/acme/notes/other", null, null);
        break;
      case "other key id":
        Attestation s = signed(a, key, good);
        att =
            rebuild(
                s,
                null,
                null,
                List.of(new Attestation.Signature("key-2", s.signatures().get(0).signature())));
        break;
      case "attestation for other":
        att = rebuild(signed(a, key, good), null, Docs.OTHER_DIGEST, null);
        break;
      case "tampered payload":
        Attestation t = signed(a, key, good);
        att =
            rebuild(
                t,
                null,
                null,
                null,
                java.util.Base64.getEncoder()
                    .encodeToString(
                        good.replace("acme/app", "acme/evl").getBytes(StandardCharsets.UTF_8)));
        break;
      case "truncated signature":
        Attestation u = signed(a, key, good);
        String sig = u.signatures().get(0).signature();
        att =
            rebuild(
                u, null, null, List.of(new Attestation.Signature("key-1", sig.substring(0, 16))));
        break;
      default:
        throw new AssertionError(scenario);
    }

    Evaluation e =
        evaluate(Docs.pkixAttestor("built-by-ci", "key-1", key.getPublic(), a.name()), att);

    assertEquals(Decision.DENY, e.decision());
    String reasons = e.images().get(0).reasons().toString();
    assertTrue(reasons.contains("attestor projects/acme/attestors/built-by-ci: missing"), reasons);
    assertTrue(reasons.contains(reason), reasons);
    assertEquals(
        List.of("projects/acme/attestors/built-by-ci"), e.images().get(0).attestorsMissing());
  }

  static Attestation rebuild(
      Attestation a, String note, String digest, List<Attestation.Signature> sigs) {
    return rebuild(a, note, digest, sigs, null);
  }

  static Attestation rebuild(
      Attestation a, String note, String digest, List<Attestation.Signature> sigs, String payload) {
    return new Attestation(
        a.occurrence(),
        note == null ? a.noteName() : note,
        a.resourceUri(),
        digest == null ? a.imageDigest() : digest,
        payload == null ? a.serializedPayload() : payload,
        sigs == null ? a.signatures() : sigs,
        a.pgpSignedAttestation(),
        a.createTime());
  }

  @ParameterizedTest(name = "{0} with a {1} key")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      ECDSA_P256_SHA256           | P-384     | needs a key on secp256r1
      ECDSA_P384_SHA384           | P-256     | needs a key on secp384r1
      ECDSA_P256_SHA256           | RSA-2048  | needs an EC key
      RSA_SIGN_PKCS1_2048_SHA256  | RSA-3072  | needs a 2048-bit RSA key
      RSA_PSS_4096_SHA512         | P-256     | needs an RSA key
      ECDSA_P256_SHA1             | P-256     | unknown algorithm
      SIGNATURE_ALGORITHM_UNSPECIFIED | P-256 | unknown algorithm
      """)
  void anAttestorWhoseKeyDoesNotFitItsAlgorithmIsRejected(
      String algorithm, String keyKind, String message) {
    KeyPair key =
        switch (keyKind) {
          case "P-256" -> keyFor(SignatureAlgorithm.ECDSA_P256_SHA256);
          case "P-384" -> keyFor(SignatureAlgorithm.ECDSA_P384_SHA384);
          case "RSA-2048" -> keyFor(SignatureAlgorithm.RSA_SIGN_PKCS1_2048_SHA256);
          case "RSA-3072" -> keyFor(SignatureAlgorithm.RSA_SIGN_PKCS1_3072_SHA256);
          default -> throw new AssertionError(keyKind);
        };

    InvalidPolicyException e =
        assertThrows(
            InvalidPolicyException.class,
            () ->
                PolicySet.parse(
                    Docs.policy(POLICY),
                    null,
                    List.of(
                        Docs.attestor(
                            Docs.pkixAttestor(
                                "built-by-ci", "key-1", key.getPublic(), algorithm)))));

    assertEquals(
        "userOwnedGrafeasNote.publicKeys[0].pkixPublicKey.signatureAlgorithm",
        e.problems().get(0).path());
    assertTrue(e.problems().get(0).message().contains(message), e.problems().get(0).message());
  }

  @Test
  void aSignatureByAKeyOfTheWrongTypeIsRejectedAtVerificationToo() {
    KeyPair ec = keyFor(SignatureAlgorithm.ECDSA_P256_SHA256);
    KeyPair rsa = keyFor(SignatureAlgorithm.RSA_SIGN_PKCS1_2048_SHA256);
    VerificationKey.Pkix mismatched =
        new VerificationKey.Pkix(
            "k",
            rsa.getPublic(),
            SignatureAlgorithm.ECDSA_P256_SHA256,
            "SHA256withECDSA",
            null,
            "fp");
    byte[] payload = Docs.payload("x/y", Docs.DIGEST).getBytes(StandardCharsets.UTF_8);

    String problem =
        AttestationVerifier.verifyPkix(
            mismatched,
            payload,
            Docs.sign(SignatureAlgorithm.ECDSA_P256_SHA256, ec.getPrivate(), payload));

    assertTrue(problem.contains("needs an EC key"), problem);
  }

  @Test
  void everyRequiredAttestorMustHaveAttested() throws Exception {
    SignatureAlgorithm a = SignatureAlgorithm.ECDSA_P256_SHA256;
    KeyPair ci = keyFor(a);
    KeyPair qa = Docs.ec("secp256r1");
    String policy =
        """
        defaultAdmissionRule:
          evaluationMode: REQUIRE_ATTESTATION
          enforcementMode: DRYRUN_AUDIT_LOG_ONLY
          requireAttestationsBy: [projects/acme/attestors/built-by-ci, projects/acme/attestors/qa]
        """;
    PolicySet set =
        PolicySet.parse(
            Docs.policy(policy),
            null,
            List.of(
                Docs.attestor(Docs.pkixAttestor("built-by-ci", "key-1", ci.getPublic(), a.name())),
                Docs.attestor(Docs.pkixAttestor("qa", "qa-key", qa.getPublic(), a.name()))));
    Facts facts =
        Facts.of(
            Map.of(Docs.DIGEST, List.of(signed(a, ci, Docs.payload("x/y", Docs.DIGEST)))),
            Map.of());

    Evaluation e = Evaluator.create().evaluate(Docs.pod(IMAGE), set, facts, Docs.NOW);

    assertEquals(Decision.DRYRUN_DENY, e.decision());
    String reasons = e.images().get(0).reasons().toString();
    assertTrue(reasons.contains("built-by-ci: satisfied"), reasons);
    assertTrue(reasons.contains("attestors/qa: missing"), reasons);
    assertEquals(
        List.of("projects/acme/attestors/qa"),
        e.images().get(0).attestorsMissing(),
        "the attestor that did attest is not missing");
  }

  @Test
  void verificationResultsAreCachedAcrossEvaluations() throws Exception {
    SignatureAlgorithm a = SignatureAlgorithm.ECDSA_P256_SHA256;
    KeyPair key = keyFor(a);
    PolicySet set =
        PolicySet.parse(
            Docs.policy(POLICY),
            null,
            List.of(
                Docs.attestor(
                    Docs.pkixAttestor("built-by-ci", "key-1", key.getPublic(), a.name()))));
    Facts facts =
        Facts.of(
            Map.of(Docs.DIGEST, List.of(signed(a, key, Docs.payload("x/y", Docs.DIGEST)))),
            Map.of());
    StandardEvaluator evaluator = (StandardEvaluator) Evaluator.create();

    Evaluation first = evaluator.evaluate(Docs.pod(IMAGE, IMAGE), set, facts, Docs.NOW);
    Evaluation second = evaluator.evaluate(Docs.pod(IMAGE), set, facts, Docs.NOW);

    assertEquals(Decision.ALLOW, second.decision());
    assertEquals(first.images().get(0), second.images().get(0));
    assertEquals(1, evaluator.verifier().verifications());
  }

  @Test
  void theCacheIsBounded() {
    AttestationVerifier verifier = new AttestationVerifier(8);
    KeyPair key = keyFor(SignatureAlgorithm.ECDSA_P256_SHA256);
    VerificationKey.Pkix k =
        new VerificationKey.Pkix(
            "key-1",
            key.getPublic(),
            SignatureAlgorithm.ECDSA_P256_SHA256,
            "SHA256withECDSA",
            null,
            "fp");

    for (int i = 0; i < 100; i++) {
      Attestation att =
          Docs.attestation("n", "o" + i, Docs.DIGEST, new byte[] {1}, "key-1", new byte[] {2});
      verifier.verify(Docs.DIGEST, att, 0, k);
    }

    assertTrue(verifier.cacheSize() <= 8, "size " + verifier.cacheSize());
    assertEquals(100, verifier.verifications());
  }
}
