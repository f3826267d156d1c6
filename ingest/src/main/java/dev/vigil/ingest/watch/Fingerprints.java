package dev.vigil.ingest.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vigil.schemas.Json;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The watcher remembers, per pod, what it last published, to drop updates that change nothing Vigil
 * judges. Kept whole, that is the pod's labels, annotations and images a second time; kept as a
 * SHA-256 digest (128 bits of it) of their JSON with map entries in key order, it is 32 bytes. Two
 * different fingerprints share a digest with a probability of about 2^-128.
 */
final class Fingerprints {

  private static final ObjectWriter CANONICAL =
      Json.mapper().writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /** A digest of a fingerprint. */
  record Digest(long high, long low) {}

  private Fingerprints() {}

  static Digest digest(Object fingerprint) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(CANONICAL.writeValueAsBytes(fingerprint));
      ByteBuffer b = ByteBuffer.wrap(hash);
      return new Digest(b.getLong(), b.getLong());
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot digest a pod fingerprint", e);
    }
  }
}
