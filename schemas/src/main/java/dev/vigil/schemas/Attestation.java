package dev.vigil.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One Grafeas ATTESTATION occurrence for an image digest. Topic {@code vigil.attestations}
 * (compacted), key {@code imageDigest/occurrence}; a tombstone revokes it.
 *
 * @param imageDigest {@code sha256:<64 hex>} of the image manifest, from {@code resourceUri}
 * @param serializedPayload base64 of the signed payload bytes
 * @param pgpSignedAttestation the older PGP form, or {@code null}
 */
public record Attestation(
    String occurrence,
    String noteName,
    String resourceUri,
    String imageDigest,
    String serializedPayload,
    List<Signature> signatures,
    PgpSignedAttestation pgpSignedAttestation,
    Instant createTime) {

  /** A signature over the payload by the key named {@code publicKeyId}; base64. */
  public record Signature(String publicKeyId, String signature) {
    public Signature {
      Objects.requireNonNull(publicKeyId, "publicKeyId");
      Objects.requireNonNull(signature, "signature");
    }
  }

  /** The older PGP attestation: an ASCII-armoured or base64 OpenPGP signed message. */
  public record PgpSignedAttestation(String signature, String contentType, String pgpKeyId) {
    public PgpSignedAttestation {
      Objects.requireNonNull(signature, "signature");
    }
  }

  public Attestation {
    Objects.requireNonNull(occurrence, "occurrence");
    Objects.requireNonNull(noteName, "noteName");
    Objects.requireNonNull(resourceUri, "resourceUri");
    Objects.requireNonNull(imageDigest, "imageDigest");
    signatures = List.copyOf(Objects.requireNonNullElse(signatures, List.of()));
  }

  /** The Kafka key: {@code imageDigest/occurrence}. */
  public String key() {
    return imageDigest + "/" + occurrence;
  }
}
