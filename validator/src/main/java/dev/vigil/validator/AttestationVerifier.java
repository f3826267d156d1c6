package dev.vigil.validator;

import dev.vigil.schemas.Attestation;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Base64;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verifies one signature of an attestation with one key, and checks that the signed payload names
 * the image digest. Results are cached per (digest, attestation, signature, key) in a bounded map,
 * so re-evaluation does not re-verify. Thread-safe.
 */
public final class AttestationVerifier {

  /** Default bound of the result cache. */
  public static final int DEFAULT_CACHE_SIZE = 100_000;

  /**
   * What verification found; {@code reason} says why when not valid.
   *
   * @param notAfter when a valid signature stops counting (OpenPGP signature or key expiry), or
   *     {@code null}; callers compare it with their {@code now}
   */
  public record Outcome(boolean valid, String reason, java.time.Instant notAfter) {
    static final Outcome VALID = new Outcome(true, "valid", null);

    static Outcome invalid(String reason) {
      return new Outcome(false, reason, null);
    }

    /** True when valid and not expired at {@code now}. */
    public boolean validAt(java.time.Instant now) {
      return valid && (notAfter == null || !now.isAfter(notAfter));
    }

    /** Why the outcome does not count at {@code now}; expiry is said first, as gpg does. */
    public String reasonAt(java.time.Instant now) {
      return notAfter != null && now.isAfter(notAfter)
          ? "OpenPGP signature or its key expired at " + notAfter
          : reason;
    }
  }

  /**
   * Cache key; {@code signatureIndex} -1 stands for the older {@code pgpSignedAttestation}. The
   * hash uses only strings whose hashes Java caches (record hashing of the whole attestation was a
   * quarter of the evaluation time); equality still compares the whole attestation.
   */
  private static final class Key {
    private final String digest;
    private final Attestation attestation;
    private final int signatureIndex;
    private final String keyFingerprint;
    private final int hash;

    Key(String digest, Attestation attestation, int signatureIndex, String keyFingerprint) {
      this.digest = digest;
      this.attestation = attestation;
      this.signatureIndex = signatureIndex;
      this.keyFingerprint = keyFingerprint;
      int h = digest.hashCode();
      h = 31 * h + attestation.occurrence().hashCode();
      h = 31 * h + signatureIndex;
      h = 31 * h + keyFingerprint.hashCode();
      if (signatureIndex >= 0 && signatureIndex < attestation.signatures().size()) {
        h = 31 * h + attestation.signatures().get(signatureIndex).signature().hashCode();
      }
      this.hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      if (this == o) {
        return true;
      }
      if (!(o instanceof Key k)) {
        return false;
      }
      return hash == k.hash
          && signatureIndex == k.signatureIndex
          && digest.equals(k.digest)
          && keyFingerprint.equals(k.keyFingerprint)
          && (attestation == k.attestation || attestation.equals(k.attestation));
    }
  }

  private final ConcurrentHashMap<Key, Outcome> cache = new ConcurrentHashMap<>();
  private final int maxEntries;
  private final AtomicLong verifications = new AtomicLong();

  public AttestationVerifier(int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be positive");
    }
    this.maxEntries = maxEntries;
  }

  /** How many signatures were actually verified (cache misses), for tests and metrics. */
  public long verifications() {
    return verifications.get();
  }

  /** Entries in the cache now. */
  public int cacheSize() {
    return cache.size();
  }

  /**
   * Verifies signature {@code signatureIndex} of {@code attestation} (or its {@code
   * pgpSignedAttestation} when -1) with {@code key}, for an image with manifest {@code digest}.
   */
  public Outcome verify(
      String digest, Attestation attestation, int signatureIndex, VerificationKey key) {
    Key k = new Key(digest, attestation, signatureIndex, key.fingerprint());
    Outcome cached = cache.get(k);
    if (cached != null) {
      return cached;
    }
    Outcome fresh = verifyUncached(digest, attestation, signatureIndex, key);
    verifications.incrementAndGet();
    if (cache.size() >= maxEntries) {
      evict();
    }
    cache.put(k, fresh);
    return fresh;
  }

  private void evict() {
    // Approximate bound: drop about a quarter, in whatever order the map iterates. Results are pure
    // functions of the key, so eviction only costs a re-verification.
    int toRemove = Math.max(1, maxEntries / 4);
    Iterator<Key> it = cache.keySet().iterator();
    while (it.hasNext() && toRemove-- > 0) {
      it.next();
      it.remove();
    }
  }

  static Outcome verifyUncached(
      String digest, Attestation attestation, int signatureIndex, VerificationKey key) {
    Objects.requireNonNull(digest, "digest");
    if (!attestation.imageDigest().equals(digest)) {
      return Outcome.invalid("attestation is for " + attestation.imageDigest() + ", not " + digest);
    }
    byte[] payload = null;
    if (attestation.serializedPayload() != null && !attestation.serializedPayload().isEmpty()) {
      payload = decodeBase64(attestation.serializedPayload());
      if (payload == null) {
        return Outcome.invalid("serializedPayload is not base64");
      }
    }
    byte[] sig;
    if (signatureIndex < 0) {
      Attestation.PgpSignedAttestation pgp = attestation.pgpSignedAttestation();
      if (pgp == null) {
        return Outcome.invalid("no pgpSignedAttestation");
      }
      if (!(key instanceof VerificationKey.Pgp)) {
        return Outcome.invalid(
            "a pgpSignedAttestation needs a PGP key, key " + key.id() + " is PKIX");
      }
      sig = signatureBytes(pgp.signature());
      if (sig == null) {
        return Outcome.invalid("pgpSignedAttestation.signature is neither armoured nor base64");
      }
    } else {
      if (signatureIndex >= attestation.signatures().size()) {
        return Outcome.invalid("no signature " + signatureIndex);
      }
      sig = signatureBytes(attestation.signatures().get(signatureIndex).signature());
      if (sig == null) {
        return Outcome.invalid("signature is not base64");
      }
    }
    byte[] signed;
    java.time.Instant notAfter = null;
    if (key instanceof VerificationKey.Pgp pgpKey) {
      Pgp.Result r = Pgp.verify(pgpKey.ring(), sig, payload);
      if (!r.valid()) {
        return Outcome.invalid(r.reason());
      }
      signed = r.signedContent();
      notAfter = r.notAfter();
    } else {
      if (payload == null) {
        return Outcome.invalid("attestation has no serializedPayload");
      }
      String problem = verifyPkix((VerificationKey.Pkix) key, payload, sig);
      if (problem != null) {
        return Outcome.invalid(problem);
      }
      signed = payload;
    }
    if (payload != null && !java.util.Arrays.equals(payload, signed)) {
      return Outcome.invalid("the signed content differs from serializedPayload");
    }
    Outcome checked = checkPayload(digest, signed);
    return notAfter == null ? checked : new Outcome(checked.valid(), checked.reason(), notAfter);
  }

  /** Checks that a verified payload is a simple signing document naming {@code digest}. */
  static Outcome checkPayload(String digest, byte[] signed) {
    SimpleSigningPayload p;
    try {
      p = SimpleSigningPayload.parse(signed);
    } catch (SimpleSigningPayload.MalformedPayloadException e) {
      return Outcome.invalid("malformed payload: " + e.getMessage());
    }
    if (!p.dockerManifestDigest().equals(digest)) {
      return Outcome.invalid("payload is for " + p.dockerManifestDigest() + ", not " + digest);
    }
    return Outcome.VALID;
  }

  /** Null when {@code sig} verifies over {@code payload} with {@code key}, else why not. */
  static String verifyPkix(VerificationKey.Pkix key, byte[] payload, byte[] sig) {
    if (key.algorithm() != null) {
      String mismatch = PublicKeys.mismatch(key.key(), key.algorithm());
      if (mismatch != null) {
        return mismatch;
      }
    }
    try {
      Signature s = Signature.getInstance(key.jcaName());
      if (key.parameters() != null) {
        s.setParameter(key.parameters());
      }
      s.initVerify(key.key());
      s.update(payload);
      return s.verify(sig) ? null : "signature does not verify with key " + key.id();
    } catch (java.security.SignatureException e) {
      return "signature is malformed for " + key.jcaName() + " (" + e.getMessage() + ")";
    } catch (GeneralSecurityException | RuntimeException e) {
      return "cannot verify with " + key.jcaName() + ": " + e.getClass().getSimpleName();
    }
  }

  private static byte[] signatureBytes(String s) {
    if (s == null) {
      return null;
    }
    if (s.startsWith("-----BEGIN PGP")) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
    return decodeBase64(s);
  }

  static byte[] decodeBase64(String s) {
    try {
      StringBuilder b = new StringBuilder(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '-') {
          b.append('+');
        } else if (c == '_') {
          b.append('/');
        } else if (c != '\n' && c != '\r' && c != ' ' && c != '\t') {
          b.append(c);
        }
      }
      return Base64.getDecoder().decode(b.toString());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
