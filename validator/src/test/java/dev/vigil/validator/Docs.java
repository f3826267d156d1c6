package dev.vigil.validator;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.PolicyDocument;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Test helpers: documents, pods, keys, signed attestations. */
final class Docs {

  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final String DIGEST = "sha256:" + "a".repeat(64);
  static final String OTHER_DIGEST = "sha256:" + "b".repeat(64);

  private Docs() {}

  static PolicyDocument doc(PolicyDocument.Kind kind, String name, String content) {
    return new PolicyDocument(
        "*", kind, name, 1, Documents.sniff(content), content, sha256(content), "test", NOW);
  }

  static PolicyDocument policy(String yaml) {
    return doc(PolicyDocument.Kind.BINAUTHZ_POLICY, "policy", yaml);
  }

  static PolicyDocument platform(String yaml) {
    return doc(PolicyDocument.Kind.PLATFORM_POLICY, "platform", yaml);
  }

  static PolicyDocument attestor(String yaml) {
    return doc(
        PolicyDocument.Kind.ATTESTOR, "attestor-" + Integer.toHexString(yaml.hashCode()), yaml);
  }

  static String resource(String path) {
    try (var in = Docs.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] resourceBytes(String path) {
    try (var in = Docs.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no resource " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(String s) {
    return HexFormat.of().formatHex(sha256(s.getBytes(StandardCharsets.UTF_8)));
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static PodContext podIn(
      String cluster, String namespace, String serviceAccount, String... images) {
    List<ContainerImage> list = new java.util.ArrayList<>();
    for (int i = 0; i < images.length; i++) {
      list.add(new ContainerImage("c" + i, ContainerImage.Kind.CONTAINER, images[i], null));
    }
    return new PodContext(cluster, namespace, "pod", serviceAccount, list, Map.of(), Map.of());
  }

  static PodContext pod(String... images) {
    return podIn("us-central1-a.prod", "default", "default", images);
  }

  static String payload(String reference, String digest) {
    return "{\"critical\":{\"identity\":{\"docker-reference\":\""
        + reference
        + "\"},"
        + "\"image\":{\"docker-manifest-digest\":\""
        + digest
        + "\"},"
        + "\"type\":\"Google cloud binauthz container signature\"}}";
  }

  static KeyPair ec(String curve) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(curve));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair rsa(int bits) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(bits);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The RSA-4096 key pair openssl made (fixtures/signatures/make-fixtures.sh). */
  static KeyPair fixtureRsa4096() {
    try {
      java.security.KeyFactory f = java.security.KeyFactory.getInstance("RSA");
      var priv =
          (java.security.interfaces.RSAPrivateCrtKey)
              f.generatePrivate(
                  new java.security.spec.PKCS8EncodedKeySpec(
                      resourceBytes("/fixtures/signatures/rsa4096.pk8")));
      var pub =
          f.generatePublic(
              new java.security.spec.RSAPublicKeySpec(priv.getModulus(), priv.getPublicExponent()));
      return new KeyPair(pub, priv);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] sign(SignatureAlgorithm algorithm, PrivateKey key, byte[] data) {
    try {
      Signature s = Signature.getInstance(algorithm.jcaName());
      if (algorithm.parameters() != null) {
        s.setParameter(algorithm.parameters());
      }
      s.initSign(key);
      s.update(data);
      return s.sign();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(java.security.PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  static String indent(String text, int spaces) {
    String pad = " ".repeat(spaces);
    return pad + text.strip().replace("\n", "\n" + pad) + "\n";
  }

  /** An attestor document with one PKIX key. */
  static String pkixAttestor(
      String name, String keyId, java.security.PublicKey key, String algorithm) {
    return "name: projects/acme/attestors/"
        + name
        + "\n"
        + "userOwnedGrafeasNote:\n"
        + "  noteReference: projects/acme/notes/"
        + name
        + "\n"
        + "  publicKeys:\n"
        + "  - id: "
        + keyId
        + "\n"
        + "    pkixPublicKey:\n"
        + "      signatureAlgorithm: "
        + algorithm
        + "\n"
        + "      publicKeyPem: |\n"
        + indent(pem(key), 8);
  }

  static Attestation attestation(
      String note,
      String occurrence,
      String digest,
      byte[] payload,
      String keyId,
      byte[] signature) {
    return new Attestation(
        "projects/acme/occurrences/" + occurrence,
        "projects/acme/notes/" + note,
        "https://us-docker.pkg.dev/acme/app/api@" + digest,
        digest,
        Base64.getEncoder().encodeToString(payload),
        List.of(new Attestation.Signature(keyId, Base64.getEncoder().encodeToString(signature))),
        null,
        NOW);
  }
}
