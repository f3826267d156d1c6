package dev.vigil.reliability.attacks;

import static dev.vigil.reliability.attacks.Signing.ATTESTOR;
import static dev.vigil.reliability.attacks.Signing.DIGEST;
import static dev.vigil.reliability.attacks.Signing.IMAGE;
import static dev.vigil.reliability.attacks.Signing.NOTE;
import static dev.vigil.reliability.attacks.Signing.OTHER_DIGEST;
import static dev.vigil.reliability.attacks.Signing.REPO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.validator.Evaluation;
import dev.vigil.validator.Evaluator;
import dev.vigil.validator.Facts;
import dev.vigil.validator.InvalidPolicyException;
import dev.vigil.validator.PolicySet;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9, signature attacks: each attack is one test; each also runs the honest case first (the
 * control), so a test cannot pass because nothing would ever be allowed.
 */
class SignatureAttackTest {

  static KeyPair key;
  static String attestorYaml;
  static String good;

  @BeforeAll
  static void keys() {
    key = Signing.ec("secp256r1");
    attestorYaml = Signing.attestor("built-by-ci", "key-1", key.getPublic(), "ECDSA_P256_SHA256");
    good = Signing.payload(REPO, DIGEST);
  }

  static Evaluation evaluate(Attestation... attestations) throws Exception {
    return Signing.evaluate(List.of(attestorYaml), Map.of(DIGEST, List.of(attestations)));
  }

  static Attestation signedByKey(String payload) {
    return Signing.attestation(
        NOTE,
        DIGEST,
        payload,
        "key-1",
        Signing.sign(
            "SHA256withECDSA", key.getPrivate(), payload.getBytes(StandardCharsets.UTF_8)));
  }

  static String reasons(Evaluation e) {
    return e.images().get(0).reasons().toString();
  }

  static void assertRejected(Evaluation e, String expectedReason) {
    assertEquals(Decision.DENY, e.decision(), reasons(e));
    assertTrue(reasons(e).contains("attestor " + ATTESTOR + ": missing"), reasons(e));
    assertTrue(
        reasons(e).contains(expectedReason),
        "expected \"" + expectedReason + "\" in " + reasons(e));
  }

  @Test
  void control_anHonestSignatureIsAccepted() throws Exception {
    Evaluation e = evaluate(signedByKey(good));

    assertEquals(Decision.ALLOW, e.decision(), reasons(e));
  }

  @Test
  void aValidSignatureForAnotherDigestInsideAnAttestationFiledUnderThisDigest() throws Exception {
    // The attacker owns a genuine attestation for image B and files it under image A's digest.
    Attestation forB = signedByKey(Signing.payload(REPO, OTHER_DIGEST));

    assertRejected(evaluate(forB), "payload is for " + OTHER_DIGEST + ", not " + DIGEST);
  }

  @Test
  void aValidAttestationForAnotherDigestServedForThisDigest() throws Exception {
    // The facts lookup returns B's untouched attestation (its imageDigest is B) for A.
    String forB = Signing.payload(REPO, OTHER_DIGEST);
    Attestation attB =
        Signing.attestation(
            NOTE,
            OTHER_DIGEST,
            forB,
            "key-1",
            Signing.sign(
                "SHA256withECDSA", key.getPrivate(), forB.getBytes(StandardCharsets.UTF_8)));

    assertRejected(evaluate(attB), "attestation is for " + OTHER_DIGEST + ", not " + DIGEST);
  }

  @Test
  void aSignatureByAnUnlistedKeyCitingTheListedKeyId() throws Exception {
    KeyPair attacker = Signing.ec("secp256r1");
    Attestation att =
        Signing.attestation(
            NOTE,
            DIGEST,
            good,
            "key-1",
            Signing.sign(
                "SHA256withECDSA", attacker.getPrivate(), good.getBytes(StandardCharsets.UTF_8)));

    assertRejected(evaluate(att), "does not verify with key key-1");
  }

  @Test
  void aSignatureByAnUnlistedKeyCitingItsOwnKeyId() throws Exception {
    KeyPair attacker = Signing.ec("secp256r1");
    Attestation att =
        Signing.attestation(
            NOTE,
            DIGEST,
            good,
            "attacker-key",
            Signing.sign(
                "SHA256withECDSA", attacker.getPrivate(), good.getBytes(StandardCharsets.UTF_8)));

    assertRejected(evaluate(att), "no valid attestation");
  }

  @Test
  void aSignatureByAKeyOfAnotherLoadedAttestorThatThePolicyDoesNotRequire() throws Exception {
    KeyPair other = Signing.ec("secp256r1");
    String otherAttestor = Signing.attestor("qa", "qa-key", other.getPublic(), "ECDSA_P256_SHA256");
    byte[] payload = good.getBytes(StandardCharsets.UTF_8);
    byte[] sig = Signing.sign("SHA256withECDSA", other.getPrivate(), payload);
    // Once on the other attestor's note citing its key, once on the required note citing it.
    Attestation onOtherNote =
        Signing.attestation("projects/acme/notes/qa", DIGEST, good, "qa-key", sig);
    Attestation onRequiredNote = Signing.attestation(NOTE, DIGEST, good, "qa-key", sig);

    Evaluation e =
        Signing.evaluate(
            List.of(attestorYaml, otherAttestor),
            Map.of(DIGEST, List.of(onOtherNote, onRequiredNote)));

    assertRejected(e, "no valid attestation");
  }

  @Test
  void aTruncatedSignature() throws Exception {
    byte[] sig =
        Signing.sign("SHA256withECDSA", key.getPrivate(), good.getBytes(StandardCharsets.UTF_8));
    for (int len : new int[] {0, 1, 8, sig.length / 2, sig.length - 1}) {
      Attestation att = Signing.attestation(NOTE, DIGEST, good, "key-1", Arrays.copyOf(sig, len));

      Evaluation e = evaluate(att);

      assertEquals(Decision.DENY, e.decision(), "truncated to " + len + ": " + reasons(e));
    }
  }

  /** The same (r, s) in encodings other than the DER that ECDSA signatures must use. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "raw r||s (IEEE P1363)",
        "BER long-form lengths",
        "INTEGER with a redundant leading zero",
        "trailing byte after the DER",
        "DER wrapped in an OCTET STRING",
        "r and s swapped"
      })
  void aReEncodedEcdsaSignature(String encoding) throws Exception {
    byte[] der =
        Signing.sign("SHA256withECDSA", key.getPrivate(), good.getBytes(StandardCharsets.UTF_8));
    BigInteger[] rs = Der.decodeEcdsa(der);
    byte[] reencoded =
        switch (encoding) {
          case "raw r||s (IEEE P1363)" -> Der.p1363(rs[0], rs[1], 32);
          case "BER long-form lengths" -> Der.berLongForm(rs[0], rs[1]);
          case "INTEGER with a redundant leading zero" ->
              Der.sequence(Der.integer(rs[0], 1), Der.integer(rs[1], 0));
          case "trailing byte after the DER" -> Arrays.copyOf(der, der.length + 1);
          case "DER wrapped in an OCTET STRING" -> Der.tlv(0x04, der);
          case "r and s swapped" -> Der.sequence(Der.integer(rs[1], 0), Der.integer(rs[0], 0));
          default -> throw new AssertionError(encoding);
        };
    // The control: re-encoding the parsed (r, s) as DER gives back the accepted signature.
    assertTrue(Arrays.equals(der, Der.sequence(Der.integer(rs[0], 0), Der.integer(rs[1], 0))));

    Evaluation e =
        evaluate(
            Signing.attestation(
                NOTE,
                DIGEST,
                good.getBytes(StandardCharsets.UTF_8),
                "key-1",
                Base64.getEncoder().encodeToString(reencoded)));

    assertRejected(e, "attestor " + ATTESTOR + ": ");
    assertTrue(
        reasons(e).contains("does not verify") || reasons(e).contains("malformed"), reasons(e));
  }

  @Test
  void aReEncodedRsaSignature() throws Exception {
    KeyPair rsa = Signing.rsa(2048);
    String rsaAttestor =
        Signing.attestor("built-by-ci", "key-1", rsa.getPublic(), "RSA_SIGN_PKCS1_2048_SHA256");
    byte[] sig =
        Signing.sign("SHA256withRSA", rsa.getPrivate(), good.getBytes(StandardCharsets.UTF_8));
    byte[] padded = new byte[sig.length + 1];
    System.arraycopy(sig, 0, padded, 1, sig.length);
    BigInteger plusModulus =
        new BigInteger(1, sig)
            .add(((java.security.interfaces.RSAPublicKey) rsa.getPublic()).getModulus());
    byte[] control = sig;

    for (byte[] variant :
        List.of(
            control, padded, Arrays.copyOfRange(sig, 1, sig.length), plusModulus.toByteArray())) {
      Evaluation e =
          Signing.evaluate(
              List.of(rsaAttestor),
              Map.of(
                  DIGEST,
                  List.of(
                      Signing.attestation(
                          NOTE,
                          DIGEST,
                          good.getBytes(StandardCharsets.UTF_8),
                          "key-1",
                          Base64.getEncoder().encodeToString(variant)))));

      if (variant == control) {
        assertEquals(Decision.ALLOW, e.decision(), reasons(e));
      } else {
        assertEquals(Decision.DENY, e.decision(), "length " + variant.length + ": " + reasons(e));
      }
    }
  }

  /**
   * ECDSA malleability: {@code (r, n - s)} is a second valid signature over the same bytes by the
   * same key. It is no forgery (only the key holder's signed payload is accepted), and Binary
   * Authorization accepts it too; the test records that Vigil accepts it and that the verification
   * cache keys on the signature text, so the two do not collide.
   */
  @Test
  void theHighSVariantOfAGenuineSignatureIsTheSameSignersStatement() throws Exception {
    byte[] der =
        Signing.sign("SHA256withECDSA", key.getPrivate(), good.getBytes(StandardCharsets.UTF_8));
    BigInteger[] rs = Der.decodeEcdsa(der);
    BigInteger n = ((ECPublicKey) key.getPublic()).getParams().getOrder();
    byte[] flipped = Der.sequence(Der.integer(rs[0], 0), Der.integer(n.subtract(rs[1]), 0));

    Evaluation e =
        evaluate(
            Signing.attestation(
                NOTE,
                DIGEST,
                good.getBytes(StandardCharsets.UTF_8),
                "key-1",
                Base64.getEncoder().encodeToString(flipped)));

    assertEquals(Decision.ALLOW, e.decision(), reasons(e));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "RSA_SIGN_PKCS1_2048_SHA256",
        "RSA_SIGN_PKCS1_4096_SHA512",
        "RSA_PSS_2048_SHA256",
        "RSA_SIGN_PSS_4096_SHA512"
      })
  void anEcdsaKeyOfferedForAnRsaAlgorithm(String rsaAlgorithm) {
    String mismatched = Signing.attestor("built-by-ci", "key-1", key.getPublic(), rsaAlgorithm);

    InvalidPolicyException e =
        assertThrows(
            InvalidPolicyException.class,
            () ->
                PolicySet.parse(
                    Signing.doc(PolicyDocument.Kind.BINAUTHZ_POLICY, "policy", Signing.POLICY),
                    null,
                    List.of(Signing.doc(PolicyDocument.Kind.ATTESTOR, "attestor", mismatched))));

    assertTrue(e.problems().toString().contains("needs an RSA key"), e.problems().toString());
  }

  @Test
  void anRsaKeyOfferedForAnEcdsaAlgorithm() {
    String mismatched =
        Signing.attestor(
            "built-by-ci", "key-1", Signing.rsa(2048).getPublic(), "ECDSA_P256_SHA256");

    InvalidPolicyException e =
        assertThrows(
            InvalidPolicyException.class,
            () ->
                PolicySet.parse(
                    Signing.doc(PolicyDocument.Kind.BINAUTHZ_POLICY, "policy", Signing.POLICY),
                    null,
                    List.of(Signing.doc(PolicyDocument.Kind.ATTESTOR, "attestor", mismatched))));

    assertTrue(e.problems().toString().contains("needs an EC key"), e.problems().toString());
  }

  /**
   * A payload whose digest (or whole critical object) appears twice: a parser taking the last value
   * would read image A where one taking the first reads B. Signed by the real key.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "digest B then A",
        "digest A then B",
        "critical twice",
        "image twice",
        "type twice"
      })
  void aPayloadWithADuplicateJsonKey(String variant) throws Exception {
    String identity = "\"identity\":{\"docker-reference\":\"" + REPO + "\"}";
    String type = "\"type\":\"Google cloud binauthz container signature\"";
    String payload =
        switch (variant) {
          case "digest B then A" ->
              "{\"critical\":{"
                  + identity
                  + ",\"image\":{\"docker-manifest-digest\":\""
                  + OTHER_DIGEST
                  + "\",\"docker-manifest-digest\":\""
                  + DIGEST
                  + "\"},"
                  + type
                  + "}}";
          case "digest A then B" ->
              "{\"critical\":{"
                  + identity
                  + ",\"image\":{\"docker-manifest-digest\":\""
                  + DIGEST
                  + "\",\"docker-manifest-digest\":\""
                  + OTHER_DIGEST
                  + "\"},"
                  + type
                  + "}}";
          case "critical twice" ->
              "{\"critical\":"
                  + Signing.payload(REPO, OTHER_DIGEST)
                      .substring(12, Signing.payload(REPO, OTHER_DIGEST).length() - 1)
                  + ",\"critical\":"
                  + good.substring(12, good.length() - 1)
                  + "}";
          case "image twice" ->
              "{\"critical\":{"
                  + identity
                  + ",\"image\":{\"docker-manifest-digest\":\""
                  + OTHER_DIGEST
                  + "\"},\"image\":{\"docker-manifest-digest\":\""
                  + DIGEST
                  + "\"},"
                  + type
                  + "}}";
          case "type twice" ->
              "{\"critical\":{"
                  + identity
                  + ",\"image\":{\"docker-manifest-digest\":\""
                  + DIGEST
                  + "\"},\"type\":\"something else\","
                  + type
                  + "}}";
          default -> throw new AssertionError(variant);
        };

    assertRejected(evaluate(signedByKey(payload)), "malformed payload");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        " %s",
        "%s ",
        "\t%s",
        "%s\n",
        " %s ",
        "\u00a0%s",
        "%s\u200b",
        "SHA256:%s",
        "%s:",
        "sha256: %s"
      })
  void extraWhitespaceOrCaseAroundTheDigest(String shape) throws Exception {
    String digestText =
        shape.contains("SHA256:") || shape.contains("sha256: ")
            ? shape.formatted(DIGEST.substring(7))
            : shape.formatted(DIGEST);
    String payload =
        "{\"critical\":{\"identity\":{\"docker-reference\":\""
            + REPO
            + "\"},"
            + "\"image\":{\"docker-manifest-digest\":\""
            + digestText.replace("\n", "\\n").replace("\t", "\\t")
            + "\"},"
            + "\"type\":\"Google cloud binauthz container signature\"}}";

    assertRejected(evaluate(signedByKey(payload)), "malformed payload");
  }

  static final String ALLOW_ALL =
      "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}";

  /** Images that look like they come from the trusted directory but do not. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "us-docker.pkg.dev/acme/prod-evil/api:v1",
        "us-docker.pkg.dev/acme/prodx/api:v1",
        "us-docker.pkg.dev/acme/pro/api:v1",
        "us-docker.pkg.dev.evil.com/acme/prod/api:v1",
        "evil.com/us-docker.pkg.dev/acme/prod/api:v1",
        "us-docker.pkg.dev:443/acme/prod/api:v1",
        "us-docker.pkg.dev:8443/acme/prod/api:v1",
        "eu-docker.pkg.dev/acme/prod/api:v1",
        "us-docker.pkg.dev/acme/prod:v1",
        "us-docker.pkg.dev/acme/prod",
        "us-docker.pkg.dev/acme2/prod/api:v1",
        "us-docker.pkg.dev/acme/other/prod/api:v1",
        "us-docker.pkg.dev/acme/prod/../evil/api:v1",
        "us-docker.pkg.dev/acme//prod/api:v1",
        "us-d\u043ecker.pkg.dev/acme/prod/api:v1",
        "us-docker.pkg.dev/acme/pr\u043ed/api:v1",
        "us-docker.pkg.dev/ACME/prod/api:v1",
        "us-docker.pkg.dev./acme/prod/api:v1",
        "us-docker.pkg.dev/acme/prod%2fapi:v1",
        "acme/prod/api:v1",
        "localhost/us-docker.pkg.dev/acme/prod/api:v1"
      })
  void trustedDirectoryLookAlikes(String image) throws Exception {
    String platform =
        """
        gkePolicy:
          checkSets:
          - displayName: prod
            checks:
            - trustedDirectoryCheck: {trustedDirPatterns: ["us-docker.pkg.dev/acme/prod/**"]}
        """;
    PolicySet set =
        PolicySet.parse(
            Signing.doc(PolicyDocument.Kind.BINAUTHZ_POLICY, "policy", ALLOW_ALL),
            Signing.doc(PolicyDocument.Kind.PLATFORM_POLICY, "platform", platform),
            List.of());
    Evaluator evaluator = Evaluator.create();
    // Control: the genuine directory passes.
    assertEquals(
        Decision.ALLOW,
        evaluator
            .evaluate(
                Signing.pod("us-docker.pkg.dev/acme/prod/api:v1"), set, Facts.NONE, Signing.NOW)
            .decision());

    Evaluation e = evaluator.evaluate(Signing.pod(image), set, Facts.NONE, Signing.NOW);

    // DENY when the reference parses and is outside the directory; UNKNOWN when it does not parse.
    assertTrue(
        e.decision() == Decision.DENY || e.decision() == Decision.UNKNOWN,
        e.decision() + " " + reasons(e));
  }

  /** The same look-alikes against an admission allowlist: none is exempted from attestation. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "us-docker.pkg.dev/acme/prod-evil/api:v1",
        "us-docker.pkg.dev.evil.com/acme/prod/api:v1",
        "us-docker.pkg.dev:443/acme/prod/api:v1",
        "us-docker.pkg.dev/acme/prod/api/sub:v1",
        "us-d\u043ecker.pkg.dev/acme/prod/api:v1"
      })
  void allowlistLookAlikes(String image) throws Exception {
    String policy =
        Signing.POLICY
            + "admissionWhitelistPatterns:\n- namePattern: us-docker.pkg.dev/acme/prod/*\n";
    PolicySet set =
        PolicySet.parse(
            Signing.doc(PolicyDocument.Kind.BINAUTHZ_POLICY, "policy", policy),
            null,
            List.of(Signing.doc(PolicyDocument.Kind.ATTESTOR, "attestor", attestorYaml)));
    Evaluator evaluator = Evaluator.create();
    assertEquals(
        Decision.ALLOW,
        evaluator
            .evaluate(
                Signing.pod("us-docker.pkg.dev/acme/prod/api:v1"), set, Facts.NONE, Signing.NOW)
            .decision());

    Evaluation e = evaluator.evaluate(Signing.pod(image), set, Facts.NONE, Signing.NOW);

    assertTrue(
        e.decision() == Decision.DENY || e.decision() == Decision.UNKNOWN,
        e.decision() + " " + reasons(e));
  }

  @Test
  void imageUsedInTheAttestationTests() {
    assertEquals(REPO + "@" + DIGEST, IMAGE);
  }

  /** Minimal DER for ECDSA-Sig-Value. */
  static final class Der {
    static BigInteger[] decodeEcdsa(byte[] der) {
      int i = 0;
      if (der[i++] != 0x30) {
        throw new IllegalArgumentException("not a SEQUENCE");
      }
      int len = der[i++] & 0xff;
      if (len == 0x81) {
        i++;
      }
      BigInteger[] out = new BigInteger[2];
      for (int k = 0; k < 2; k++) {
        if (der[i++] != 0x02) {
          throw new IllegalArgumentException("not an INTEGER");
        }
        int l = der[i++] & 0xff;
        out[k] = new BigInteger(Arrays.copyOfRange(der, i, i + l));
        i += l;
      }
      return out;
    }

    static byte[] integer(BigInteger v, int extraZeros) {
      byte[] body = v.toByteArray();
      byte[] padded = new byte[body.length + extraZeros];
      System.arraycopy(body, 0, padded, extraZeros, body.length);
      return tlv(0x02, padded);
    }

    static byte[] sequence(byte[]... parts) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (byte[] p : parts) {
        b.writeBytes(p);
      }
      return tlv(0x30, b.toByteArray());
    }

    static byte[] tlv(int tag, byte[] body) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.write(tag);
      if (body.length < 128) {
        b.write(body.length);
      } else {
        b.write(0x81);
        b.write(body.length);
      }
      b.writeBytes(body);
      return b.toByteArray();
    }

    /** Lengths in long form (0x81 n) even where short form is required. */
    static byte[] berLongForm(BigInteger r, BigInteger s) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (BigInteger v : new BigInteger[] {r, s}) {
        byte[] x = v.toByteArray();
        body.write(0x02);
        body.write(0x81);
        body.write(x.length);
        body.writeBytes(x);
      }
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.write(0x30);
      b.write(0x81);
      b.write(body.size());
      b.writeBytes(body.toByteArray());
      return b.toByteArray();
    }

    static byte[] p1363(BigInteger r, BigInteger s, int size) {
      byte[] out = new byte[2 * size];
      byte[] rb = unsigned(r);
      byte[] sb = unsigned(s);
      System.arraycopy(rb, 0, out, size - rb.length, rb.length);
      System.arraycopy(sb, 0, out, 2 * size - sb.length, sb.length);
      return out;
    }

    private static byte[] unsigned(BigInteger v) {
      byte[] b = v.toByteArray();
      return b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }
  }
}
