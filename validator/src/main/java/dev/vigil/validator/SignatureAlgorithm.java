package dev.vigil.validator;

import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The PKIX signature algorithms an attestor key may declare ({@code signatureAlgorithm}), with
 * Cloud KMS's aliases. Each fixes the key type and size, so a key of another type or size is an
 * algorithm/key mismatch.
 */
public enum SignatureAlgorithm {
  ECDSA_P256_SHA256("SHA256withECDSA", KeyType.EC, "secp256r1", 256, null),
  ECDSA_P384_SHA384("SHA384withECDSA", KeyType.EC, "secp384r1", 384, null),
  ECDSA_P521_SHA512("SHA512withECDSA", KeyType.EC, "secp521r1", 521, null),
  RSA_SIGN_PKCS1_2048_SHA256("SHA256withRSA", KeyType.RSA, null, 2048, null),
  RSA_SIGN_PKCS1_3072_SHA256("SHA256withRSA", KeyType.RSA, null, 3072, null),
  RSA_SIGN_PKCS1_4096_SHA256("SHA256withRSA", KeyType.RSA, null, 4096, null),
  RSA_SIGN_PKCS1_4096_SHA512("SHA512withRSA", KeyType.RSA, null, 4096, null),
  RSA_PSS_2048_SHA256(
      "RSASSA-PSS", KeyType.RSA, null, 2048, pss("SHA-256", MGF1ParameterSpec.SHA256, 32)),
  RSA_PSS_3072_SHA256(
      "RSASSA-PSS", KeyType.RSA, null, 3072, pss("SHA-256", MGF1ParameterSpec.SHA256, 32)),
  RSA_PSS_4096_SHA256(
      "RSASSA-PSS", KeyType.RSA, null, 4096, pss("SHA-256", MGF1ParameterSpec.SHA256, 32)),
  RSA_PSS_4096_SHA512(
      "RSASSA-PSS", KeyType.RSA, null, 4096, pss("SHA-512", MGF1ParameterSpec.SHA512, 64));

  /** The kind of key an algorithm needs. */
  public enum KeyType {
    EC,
    RSA
  }

  private static final Map<String, SignatureAlgorithm> BY_NAME = new TreeMap<>();

  static {
    for (SignatureAlgorithm a : values()) {
      BY_NAME.put(a.name(), a);
    }
    BY_NAME.put("EC_SIGN_P256_SHA256", ECDSA_P256_SHA256);
    BY_NAME.put("EC_SIGN_P384_SHA384", ECDSA_P384_SHA384);
    BY_NAME.put("EC_SIGN_P521_SHA512", ECDSA_P521_SHA512);
    BY_NAME.put("RSA_SIGN_PSS_2048_SHA256", RSA_PSS_2048_SHA256);
    BY_NAME.put("RSA_SIGN_PSS_3072_SHA256", RSA_PSS_3072_SHA256);
    BY_NAME.put("RSA_SIGN_PSS_4096_SHA256", RSA_PSS_4096_SHA256);
    BY_NAME.put("RSA_SIGN_PSS_4096_SHA512", RSA_PSS_4096_SHA512);
  }

  private final String jcaName;
  private final KeyType keyType;
  private final String curve;
  private final int keyBits;
  private final PSSParameterSpec pss;

  SignatureAlgorithm(
      String jcaName, KeyType keyType, String curve, int keyBits, PSSParameterSpec pss) {
    this.jcaName = jcaName;
    this.keyType = keyType;
    this.curve = curve;
    this.keyBits = keyBits;
    this.pss = pss;
  }

  private static PSSParameterSpec pss(String digest, MGF1ParameterSpec mgf, int saltLength) {
    return new PSSParameterSpec(digest, "MGF1", mgf, saltLength, PSSParameterSpec.TRAILER_FIELD_BC);
  }

  /** The algorithm named {@code name} (either spelling, any case), if it is one. */
  public static Optional<SignatureAlgorithm> named(String name) {
    return name == null
        ? Optional.empty()
        : Optional.ofNullable(BY_NAME.get(name.toUpperCase(Locale.ROOT)));
  }

  /** Every accepted spelling, for error messages. */
  public static String accepted() {
    return String.join(", ", BY_NAME.keySet());
  }

  /** The JCA signature algorithm. */
  public String jcaName() {
    return jcaName;
  }

  /** Parameters for the JCA signature (PSS), or {@code null}. */
  public AlgorithmParameterSpec parameters() {
    return pss;
  }

  public KeyType keyType() {
    return keyType;
  }

  /** The standard curve name for EC algorithms, else {@code null}. */
  public String curve() {
    return curve;
  }

  /** Key size in bits (modulus for RSA, field for EC). */
  public int keyBits() {
    return keyBits;
  }
}
