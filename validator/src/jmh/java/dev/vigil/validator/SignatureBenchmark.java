package dev.vigil.validator;

import dev.vigil.schemas.Attestation;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Uncached attestation verifications per second for each algorithm: base64 decoding, the
 * signature, and the payload check (what a cache miss costs). One thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@Threads(1)
public class SignatureBenchmark {

  @Param({"ECDSA_P256_SHA256", "ECDSA_P384_SHA384", "ECDSA_P521_SHA512", "RSA_SIGN_PKCS1_2048_SHA256",
      "RSA_SIGN_PKCS1_3072_SHA256", "RSA_SIGN_PKCS1_4096_SHA512", "RSA_PSS_2048_SHA256", "RSA_PSS_4096_SHA512",
      "PGP_RSA3072_ATTACHED"})
  public String algorithm;

  Attestation attestation;
  VerificationKey key;

  @Setup
  public void setUp() throws Exception {
    if (algorithm.startsWith("PGP")) {
      String dir = "/fixtures/signatures/";
      byte[] payload = Docs.resourceBytes(dir + "payload.json");
      String fingerprint = Docs.resource(dir + "pgp.fingerprint").strip();
      attestation = Docs.attestation("n", "o", Docs.DIGEST, payload, fingerprint,
          Docs.resource(dir + "payload.json.asc").getBytes(StandardCharsets.US_ASCII));
      var ring = Pgp.parseKey(Docs.resource(dir + "pgp.pub.asc"));
      key = new VerificationKey.Pgp(fingerprint, ring, "fp");
    } else {
      SignatureAlgorithm a = SignatureAlgorithm.valueOf(algorithm);
      KeyPair pair = a.keyType() == SignatureAlgorithm.KeyType.EC ? Docs.ec(a.curve())
          : a.keyBits() == 4096 ? Docs.fixtureRsa4096() : Docs.rsa(a.keyBits());
      byte[] payload = Docs.payload("us-docker.pkg.dev/acme/app/api", Docs.DIGEST).getBytes(StandardCharsets.UTF_8);
      attestation = Docs.attestation("n", "o", Docs.DIGEST, payload, "k", Docs.sign(a, pair.getPrivate(), payload));
      key = new VerificationKey.Pkix("k", pair.getPublic(), a, a.jcaName(), a.parameters(), "fp");
    }
    if (!AttestationVerifier.verifyUncached(Docs.DIGEST, attestation, 0, key).valid()) {
      throw new IllegalStateException("fixture does not verify: " + algorithm);
    }
  }

  @Benchmark
  public AttestationVerifier.Outcome verify() {
    return AttestationVerifier.verifyUncached(Docs.DIGEST, attestation, 0, key);
  }

}
