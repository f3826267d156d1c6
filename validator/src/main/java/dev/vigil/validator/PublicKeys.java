package dev.vigil.validator;

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

  /** Parses a {@code -----BEGIN PUBLIC KEY-----} PEM (SubjectPublicKeyInfo), EC or RSA. */
  static PublicKey parsePem(String pem) throws BadKeyException {
    if (pem == null || pem.isBlank()) {
      throw new BadKeyException("no PEM");
    }
    String begin = "-----BEGIN PUBLIC KEY-----";
    String end = "-----END PUBLIC KEY-----";
    int b = pem.indexOf(begin);
    int e = pem.indexOf(end);
    if (b < 0 || e < b) {
      throw new BadKeyException("not a PEM public key (expected " + begin + " ... " + end + ")");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e).strip());
    } catch (IllegalArgumentException ex) {
      throw new BadKeyException("PEM body is not base64");
    }
    if (der.length == 0) {
      throw new BadKeyException("empty PEM body");
    }
    for (String type : new String[] {"EC", "RSA"}) {
      try {
        return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException | RuntimeException ignored) {
        // try the next key type
      }
    }
    throw new BadKeyException("PEM is neither an EC nor an RSA public key");
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
        return algorithm + " needs a key on " + algorithm.curve() + ", the key is on a "
            + actual.getCurve().getField().getFieldSize() + "-bit curve";
      }
      return null;
    }
    if (!(key instanceof RSAPublicKey rsa)) {
      return algorithm + " needs an RSA key, the key is " + key.getAlgorithm();
    }
    int bits = rsa.getModulus().bitLength();
    if (bits != algorithm.keyBits()) {
      return algorithm + " needs a " + algorithm.keyBits() + "-bit RSA key, the key has " + bits + " bits";
    }
    return null;
  }

  /** The algorithm cosign uses for a bare key: ECDSA with SHA-256 (any curve), or RSA PKCS#1 v1.5 SHA-256. */
  static String cosignJcaName(PublicKey key) {
    return key instanceof ECPublicKey ? "SHA256withECDSA" : "SHA256withRSA";
  }

  private static final java.util.Map<String, ECParameterSpec> CURVES = new java.util.concurrent.ConcurrentHashMap<>();

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
