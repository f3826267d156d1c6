package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Decision;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPKeyPair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OpenPGP keys made in the test: good hashes verify, weak hashes and expired signatures do not. */
class PgpGeneratedKeyTest {

  static final KeyPair RSA = Docs.rsa(2048);

  @ParameterizedTest(name = "{0}, expires in {1} s -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      SHA256 | 0     | ALLOW
      SHA512 | 0     | ALLOW
      SHA1   | 0     | DENY
      MD5    | 0     | DENY
      SHA256 | 60    | DENY
      """)
  void detachedSignatures(String hash, long expiresInSeconds, Decision expected) throws Exception {
    int hashTag =
        switch (hash) {
          case "SHA256" -> HashAlgorithmTags.SHA256;
          case "SHA512" -> HashAlgorithmTags.SHA512;
          case "SHA1" -> HashAlgorithmTags.SHA1;
          case "MD5" -> HashAlgorithmTags.MD5;
          default -> throw new AssertionError(hash);
        };
    Date created = Date.from(Docs.NOW.minusSeconds(3600));
    PGPKeyPair pair = new JcaPGPKeyPair(PublicKeyAlgorithmTags.RSA_GENERAL, RSA, created);
    PGPSignatureGenerator certifier =
        new PGPSignatureGenerator(
            new JcaPGPContentSignerBuilder(
                PublicKeyAlgorithmTags.RSA_GENERAL, HashAlgorithmTags.SHA256),
            pair.getPublicKey());
    certifier.init(PGPSignature.POSITIVE_CERTIFICATION, pair.getPrivateKey());
    PGPPublicKey certified =
        PGPPublicKey.addCertification(
            pair.getPublicKey(),
            "Vigil test <t@vigil.invalid>",
            certifier.generateCertification("Vigil test <t@vigil.invalid>", pair.getPublicKey()));
    PGPPublicKeyRing ring = new PGPPublicKeyRing(List.of(certified));

    byte[] payload =
        Docs.payload("us-docker.pkg.dev/acme/app/api", Docs.DIGEST)
            .getBytes(StandardCharsets.UTF_8);
    PGPSignatureGenerator signer =
        new PGPSignatureGenerator(
            new JcaPGPContentSignerBuilder(PublicKeyAlgorithmTags.RSA_GENERAL, hashTag),
            pair.getPublicKey());
    signer.init(PGPSignature.BINARY_DOCUMENT, pair.getPrivateKey());
    PGPSignatureSubpacketGenerator sub = new PGPSignatureSubpacketGenerator();
    sub.setSignatureCreationTime(false, created);
    if (expiresInSeconds > 0) {
      sub.setSignatureExpirationTime(true, expiresInSeconds);
    }
    signer.setHashedSubpackets(sub.generate());
    signer.update(payload);
    byte[] signature = signer.generate().getEncoded();

    String fingerprint = Pgp.fingerprint(ring);
    String attestor =
        "name: projects/acme/attestors/built-by-ci\n"
            + "userOwnedGrafeasNote:\n"
            + "  noteReference: projects/acme/notes/built-by-ci\n"
            + "  publicKeys:\n"
            + "  - asciiArmoredPgpPublicKey: |\n"
            + Docs.indent(armor(ring), 6);
    PolicySet set =
        PolicySet.parse(
            Docs.policy(AttestationSignatureTest.POLICY), null, List.of(Docs.attestor(attestor)));
    Attestation att =
        Docs.attestation("built-by-ci", "o1", Docs.DIGEST, payload, fingerprint, signature);

    Evaluation e =
        Evaluator.create()
            .evaluate(
                Docs.pod("us-docker.pkg.dev/acme/app/api@" + Docs.DIGEST),
                set,
                Facts.of(Map.of(Docs.DIGEST, List.of(att)), Map.of()),
                Docs.NOW);

    assertEquals(expected, e.decision(), e.images().get(0).reasons().toString());
    if (expected == Decision.DENY) {
      String reasons = e.images().get(0).reasons().toString();
      assertTrue(reasons.contains(expiresInSeconds > 0 ? "expired" : "weak hash"), reasons);
    }
  }

  static String armor(PGPPublicKeyRing ring) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ArmoredOutputStream armored = new ArmoredOutputStream(out)) {
      ring.encode(armored);
    }
    return out.toString(StandardCharsets.US_ASCII);
  }
}
