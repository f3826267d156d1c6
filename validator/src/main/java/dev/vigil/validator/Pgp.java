package dev.vigil.validator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPOnePassSignature;
import org.bouncycastle.openpgp.PGPOnePassSignatureList;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.jcajce.JcaPGPObjectFactory;
import org.bouncycastle.openpgp.operator.jcajce.JcaKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentVerifierBuilderProvider;

/** OpenPGP keys and signatures, with BouncyCastle (its provider instance, not a global one). */
final class Pgp {

  private static final BouncyCastleProvider PROVIDER = new BouncyCastleProvider();
  private static final int MAX_SIGNED_CONTENT = 1024 * 1024;

  private Pgp() {}

  /** What verifying an OpenPGP signature found. */
  record Result(boolean valid, byte[] signedContent, String reason, java.time.Instant notAfter) {
    static Result invalid(String reason) {
      return new Result(false, null, reason, null);
    }
  }

  /** Reads one ASCII-armoured (or binary) public key block. */
  static PGPPublicKeyRing parseKey(String armored) throws PublicKeys.BadKeyException {
    if (armored == null || armored.isBlank()) {
      throw new PublicKeys.BadKeyException("no PGP public key");
    }
    try (InputStream in =
        PGPUtil.getDecoderStream(
            new ByteArrayInputStream(armored.getBytes(StandardCharsets.UTF_8)))) {
      PGPPublicKeyRingCollection rings =
          new PGPPublicKeyRingCollection(in, new JcaKeyFingerprintCalculator());
      Iterator<PGPPublicKeyRing> it = rings.getKeyRings();
      if (!it.hasNext()) {
        throw new PublicKeys.BadKeyException("no PGP public key in the block");
      }
      PGPPublicKeyRing ring = it.next();
      if (it.hasNext()) {
        throw new PublicKeys.BadKeyException(
            "more than one PGP key in the block; give one key per entry");
      }
      return ring;
    } catch (IOException | PGPException | RuntimeException e) {
      throw new PublicKeys.BadKeyException(
          "not a readable ASCII-armoured PGP public key (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Upper-case hex fingerprint of the primary key. */
  static String fingerprint(PGPPublicKeyRing ring) {
    return HexFormat.of().withUpperCase().formatHex(ring.getPublicKey().getFingerprint());
  }

  /**
   * Verifies {@code signature}: an OpenPGP signed message (the payload inside it) or, when {@code
   * detachedContent} is given and the input holds only a signature, a detached signature over it.
   */
  static Result verify(PGPPublicKeyRing ring, byte[] signature, byte[] detachedContent) {
    try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(signature))) {
      return verify(ring, new JcaPGPObjectFactory(in), detachedContent, 0);
    } catch (IOException | PGPException | RuntimeException e) {
      return Result.invalid(
          "OpenPGP signature is malformed (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static Result verify(
      PGPPublicKeyRing ring, JcaPGPObjectFactory factory, byte[] detached, int depth)
      throws IOException, PGPException {
    if (depth > 2) {
      return Result.invalid("OpenPGP message nested too deeply");
    }
    PGPOnePassSignature ops = null;
    PGPPublicKey opsKey = null;
    byte[] content = null;
    Object o;
    while ((o = factory.nextObject()) != null) {
      if (o instanceof PGPMarker) {
        continue;
      }
      if (o instanceof PGPCompressedData c) {
        return verify(ring, new JcaPGPObjectFactory(c.getDataStream()), detached, depth + 1);
      }
      if (o instanceof PGPOnePassSignatureList list) {
        if (list.size() != 1) {
          return Result.invalid(
              "expected one signature in the OpenPGP message, found " + list.size());
        }
        ops = list.get(0);
        opsKey = ring.getPublicKey(ops.getKeyID());
        if (opsKey == null) {
          return Result.invalid("signed by another key (key id " + keyId(ops.getKeyID()) + ")");
        }
        ops.init(new JcaPGPContentVerifierBuilderProvider().setProvider(PROVIDER), opsKey);
      } else if (o instanceof PGPLiteralData literal) {
        if (ops == null) {
          return Result.invalid("OpenPGP literal data without a one-pass signature");
        }
        content = readBounded(literal.getInputStream());
        ops.update(content);
      } else if (o instanceof PGPSignatureList sigs) {
        if (sigs.size() != 1) {
          return Result.invalid("expected one signature, found " + sigs.size());
        }
        PGPSignature sig = sigs.get(0);
        if (ops != null) {
          if (content == null) {
            return Result.invalid("OpenPGP message has no signed content");
          }
          if (sig.getKeyID() != ops.getKeyID()) {
            return Result.invalid("one-pass signature and signature name different keys");
          }
          String keyProblem = keyProblem(ring, opsKey, sig);
          if (keyProblem != null) {
            return Result.invalid(keyProblem);
          }
          return ops.verify(sig)
              ? new Result(true, content, "valid", notAfter(ring, opsKey, sig))
              : Result.invalid("OpenPGP signature does not verify");
        }
        if (detached == null) {
          return Result.invalid("detached OpenPGP signature but no payload to verify it over");
        }
        PGPPublicKey key = ring.getPublicKey(sig.getKeyID());
        if (key == null) {
          return Result.invalid("signed by another key (key id " + keyId(sig.getKeyID()) + ")");
        }
        String keyProblem = keyProblem(ring, key, sig);
        if (keyProblem != null) {
          return Result.invalid(keyProblem);
        }
        sig.init(new JcaPGPContentVerifierBuilderProvider().setProvider(PROVIDER), key);
        sig.update(detached);
        return sig.verify()
            ? new Result(true, detached, "valid", notAfter(ring, key, sig))
            : Result.invalid("OpenPGP signature does not verify");
      } else {
        return Result.invalid("unexpected OpenPGP packet " + o.getClass().getSimpleName());
      }
    }
    return Result.invalid("no OpenPGP signature found");
  }

  /** Null when the key was valid when it made {@code sig}: not expired, not revoked. */
  private static String keyProblem(PGPPublicKeyRing ring, PGPPublicKey key, PGPSignature sig) {
    int hash = sig.getHashAlgorithm();
    if (hash == org.bouncycastle.bcpg.HashAlgorithmTags.MD5
        || hash == org.bouncycastle.bcpg.HashAlgorithmTags.SHA1
        || hash == org.bouncycastle.bcpg.HashAlgorithmTags.RIPEMD160
        || hash == org.bouncycastle.bcpg.HashAlgorithmTags.MD2) {
      return "OpenPGP signature uses a weak hash algorithm ("
          + hash
          + "); SHA-224 or stronger is required";
    }
    Date made = sig.getCreationTime();
    for (PGPPublicKey k :
        key.isMasterKey()
            ? new PGPPublicKey[] {key}
            : new PGPPublicKey[] {ring.getPublicKey(), key}) {
      if (k.hasRevocation()) {
        return "key " + keyId(k.getKeyID()) + " is revoked";
      }
      if (made.before(k.getCreationTime())) {
        return "signature is older than key " + keyId(k.getKeyID());
      }
      long valid = k.getValidSeconds();
      if (valid > 0 && made.getTime() > k.getCreationTime().getTime() + valid * 1000) {
        return "key " + keyId(k.getKeyID()) + " had expired when the signature was made";
      }
    }
    return null;
  }

  /**
   * When the signature stops counting: its own expiration time, or when the signing key (or its
   * primary key) expires, whichever is first; null when neither expires.
   */
  private static java.time.Instant notAfter(
      PGPPublicKeyRing ring, PGPPublicKey key, PGPSignature sig) {
    long limit = Long.MAX_VALUE;
    if (sig.getHashedSubPackets() != null) {
      long exp = sig.getHashedSubPackets().getSignatureExpirationTime();
      if (exp > 0) {
        limit = Math.min(limit, sig.getCreationTime().getTime() + exp * 1000);
      }
    }
    for (PGPPublicKey k :
        key.isMasterKey()
            ? new PGPPublicKey[] {key}
            : new PGPPublicKey[] {ring.getPublicKey(), key}) {
      long valid = k.getValidSeconds();
      if (valid > 0) {
        limit = Math.min(limit, k.getCreationTime().getTime() + valid * 1000);
      }
    }
    return limit == Long.MAX_VALUE ? null : java.time.Instant.ofEpochMilli(limit);
  }

  private static byte[] readBounded(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) > 0) {
      if (out.size() + n > MAX_SIGNED_CONTENT) {
        throw new IOException("signed content larger than " + MAX_SIGNED_CONTENT + " bytes");
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  static String keyId(long id) {
    return String.format(Locale.ROOT, "%016X", id);
  }
}
