package dev.vigil.validator;

import java.security.PublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Objects;
import org.bouncycastle.openpgp.PGPPublicKeyRing;

/** A public key that attestations or signatures are verified with. */
public sealed interface VerificationKey permits VerificationKey.Pkix, VerificationKey.Pgp {

  /** The id attestations cite ({@code publicKeyId}); may be empty for keys that are not named. */
  String id();

  /** Hex SHA-256 of the key material (and algorithm): tells keys apart whatever their ids. */
  String fingerprint();

  /**
   * A PKIX key with the algorithm it signs with.
   *
   * @param algorithm the declared algorithm, or {@code null} for a sigstore (cosign) key
   * @param jcaName the JCA signature algorithm used to verify
   */
  record Pkix(
      String id,
      PublicKey key,
      SignatureAlgorithm algorithm,
      String jcaName,
      AlgorithmParameterSpec parameters,
      String fingerprint)
      implements VerificationKey {
    public Pkix {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(jcaName, "jcaName");
      Objects.requireNonNull(fingerprint, "fingerprint");
    }
  }

  /** An OpenPGP public key (with its subkeys); {@code id} is the primary key's fingerprint. */
  record Pgp(String id, PGPPublicKeyRing ring, String fingerprint) implements VerificationKey {
    public Pgp {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(ring, "ring");
      Objects.requireNonNull(fingerprint, "fingerprint");
    }
  }
}
