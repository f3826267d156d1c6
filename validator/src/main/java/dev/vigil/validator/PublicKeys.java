package dev.vigil.validator;

import java.io.IOException;
import java.io.StringReader;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.openssl.PEMParser;

/** Reading PEM public keys and checking them against a declared algorithm. */
final class PublicKeys {

  private PublicKeys() {}

  /** A PEM that cannot be used, with the reason. */
  static final class BadKeyException extends Exception {
    private static final long serialVersionUID = 1L;

    BadKeyException(String message) {
      super(message);
    }
  }

  /**
   * Parses a {@code -----BEGIN PUBLIC KEY-----} PEM (SubjectPublicKeyInfo, RFC 7468 section 13), EC
   * or RSA, with BouncyCastle's {@link PEMParser} (the PEM reader ingest uses too).
   */
  static PublicKey parsePem(String pem) throws BadKeyException {
    if (pem == null || pem.isBlank()) {
      throw new BadKeyException("no PEM");
    }
    Object object;
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      object = parser.readObject();
    } catch (IOException | RuntimeException e) {
      throw new BadKeyException("not a readable PEM public key: " + firstLine(e.getMessage()));
    }
    if (object == null) {
      throw new BadKeyException(
          "not a PEM public key (expected -----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)");
    }
    if (!(object instanceof SubjectPublicKeyInfo spki)) {
      throw new BadKeyException(
          "the PEM holds a "
              + object.getClass().getSimpleName()
              + ", not a public key (expected -----BEGIN PUBLIC KEY-----)");
    }
    ASN1ObjectIdentifier algorithm = spki.getAlgorithm().getAlgorithm();
    String type;
    if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
      type = "EC";
    } else if (PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
      type = "RSA";
    } else {
      throw new BadKeyException(
          "PEM is neither an EC nor an RSA public key (algorithm " + algorithm.getId() + ")");
    }
    try {
      return KeyFactory.getInstance(type)
          .generatePublic(new X509EncodedKeySpec(spki.getEncoded(ASN1Encoding.DER)));
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      throw new BadKeyException("unusable " + type + " public key: " + firstLine(e.getMessage()));
    }
  }

  /**
   * The id Binary Authorization gives a PKIX key left without one: the API reference says only "a
   * default key ID will be computed based on the digest of the DER encoding of the public key".
   * Vigil uses the RFC 6920 named-information URI of the SHA-256 of the DER SubjectPublicKeyInfo,
   * {@code ni:///sha-256;} followed by the unpadded base64url digest (the form is an assumption,
   * see validator/README.md).
   */
  static String defaultKeyId(PublicKey key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return "ni:///sha-256;" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "malformed";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  /** Null when {@code key} fits {@code algorithm}, else what does not fit. */
  static String mismatch(PublicKey key, SignatureAlgorithm algorithm) {
    if (algorithm.keyType() == SignatureAlgorithm.KeyType.EC) {
      if (!(key instanceof ECPublicKey ec)) {
        return algorithm + " needs an EC key, the key is " + key.getAlgorithm();
      }
      ECParameterSpec named = curve(algorithm.curve());
      ECParameterSpec actual = ec.getParams();
      if (named == null
          || !named.getCurve().equals(actual.getCurve())
          || !named.getGenerator().equals(actual.getGenerator())
          || !named.getOrder().equals(actual.getOrder())) {
        return algorithm
            + " needs a key on "
            + algorithm.curve()
            + ", the key is on a "
            + actual.getCurve().getField().getFieldSize()
            + "-bit curve";
      }
      return null;
    }
    if (!(key instanceof RSAPublicKey rsa)) {
      return algorithm + " needs an RSA key, the key is " + key.getAlgorithm();
    }
    int bits = rsa.getModulus().bitLength();
    if (bits != algorithm.keyBits()) {
      return algorithm
          + " needs a "
          + algorithm.keyBits()
          + "-bit RSA key, the key has "
          + bits
          + " bits";
    }
    return null;
  }

  /**
   * The algorithm cosign uses for a bare key: ECDSA with SHA-256 (any curve), or RSA PKCS#1 v1.5
   * SHA-256.
   */
  static String cosignJcaName(PublicKey key) {
    return key instanceof ECPublicKey ? "SHA256withECDSA" : "SHA256withRSA";
  }

  private static final java.util.Map<String, ECParameterSpec> CURVES =
      new java.util.concurrent.ConcurrentHashMap<>();

  static ECParameterSpec curve(String name) {
    ECParameterSpec cached = CURVES.get(name);
    if (cached != null) {
      return cached;
    }
    ECParameterSpec spec = lookUpCurve(name);
    if (spec != null) {
      CURVES.put(name, spec);
    }
    return spec;
  }

  private static ECParameterSpec lookUpCurve(String name) {
    try {
      AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec(name));
      return p.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      return null;
    }
  }

  /** Hex SHA-256 of the encoded key, to tell keys apart whatever their ids. */
  static String fingerprint(byte[] encoded) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(encoded));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
