package dev.vigil.cli.demo;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The made-up world the demo plays in: a CI attestor with a fresh ECDSA P-256 key, the policy
 * files, signed attestations, and the audit receiver's TLS certificate and bearer token. Everything
 * is generated at start and written under one directory.
 */
final class DemoWorld {

  static final String CLUSTER = "us-central1-a.demo";
  static final String ATTESTOR = "projects/demo/attestors/built-by-ci";
  static final String NOTE = "projects/demo/notes/built-by-ci";
  static final String KEY_ID = "demo-ci-key-1";
  static final String REGISTRY = "us-docker.pkg.dev/demo";

  final Path dir;
  final Path policy;
  final Path attestors;
  final Path attestations;
  final Path certificate;
  final Path privateKey;
  final String token;
  private final KeyPair signing;
  private final X509Certificate tlsCertificate;

  private DemoWorld(Path dir) throws Exception {
    this.dir = dir;
    this.policy = dir.resolve("policy.yaml");
    this.attestors = dir.resolve("attestors.yaml");
    this.attestations = Files.createDirectories(dir.resolve("attestations"));
    this.certificate = dir.resolve("receiver.crt");
    this.privateKey = dir.resolve("receiver.key");
    this.signing = ecKey();
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    KeyPair tlsKey = ecKey();
    this.tlsCertificate = selfSigned(tlsKey);
    Files.writeString(certificate, pem("CERTIFICATE", tlsCertificate.getEncoded()));
    Files.writeString(privateKey, pem("PRIVATE KEY", tlsKey.getPrivate().getEncoded()));
    Files.writeString(attestors, attestorYaml());
    writePolicy(false);
  }

  static DemoWorld create(Path dir) throws Exception {
    return new DemoWorld(Files.createDirectories(dir));
  }

  /** A digest for a made-up image, stable per name. */
  static String digest(String name) {
    try {
      return "sha256:" + HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The policy: v1 lets the tools namespace run anything; v2 requires attestations there too. */
  void writePolicy(boolean tightened) throws IOException {
    String tools = tightened ? "" : """
          tools:
            evaluationMode: ALWAYS_ALLOW
            enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
        """;
    String yaml = """
        name: projects/demo/policy
        globalPolicyEvaluationMode: DISABLE
        admissionWhitelistPatterns:
        - namePattern: registry.k8s.io/pause*
        defaultAdmissionRule:
          evaluationMode: REQUIRE_ATTESTATION
          enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
          requireAttestationsBy:
          - %s
        kubernetesNamespaceAdmissionRules:
        %s  sandbox:
            evaluationMode: ALWAYS_DENY
            enforcementMode: DRYRUN_AUDIT_LOG_ONLY
        """.formatted(ATTESTOR, tools);
    Path tmp = policy.resolveSibling("policy.yaml.tmp");
    Files.writeString(tmp, yaml);
    Files.move(tmp, policy, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Signs a simple-signing payload for {@code repository@digest} and writes the Grafeas occurrence. */
  void attest(String repository, String digest) throws Exception {
    String payload = "{\"critical\":{\"identity\":{\"docker-reference\":\"" + repository + "\"},"
        + "\"image\":{\"docker-manifest-digest\":\"" + digest + "\"},"
        + "\"type\":\"Google cloud binauthz container signature\"}}";
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(signing.getPrivate());
    s.update(bytes);
    String occurrence = "projects/demo/occurrences/" + digest.substring(7, 19);
    String json = "{\"name\":\"" + occurrence + "\",\"kind\":\"ATTESTATION\",\"noteName\":\"" + NOTE + "\","
        + "\"resourceUri\":\"https://" + repository + "@" + digest + "\","
        + "\"attestation\":{\"serializedPayload\":\"" + Base64.getEncoder().encodeToString(bytes) + "\","
        + "\"signatures\":[{\"publicKeyId\":\"" + KEY_ID + "\",\"signature\":\""
        + Base64.getEncoder().encodeToString(s.sign()) + "\"}]},"
        + "\"createTime\":\"" + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\"}";
    Path tmp = attestations.resolve(digest.substring(7) + ".json.tmp");
    Files.writeString(tmp, json);
    Files.move(tmp, attestations.resolve(digest.substring(7) + ".json"),
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Trusts the receiver's self-signed certificate, and nothing else. */
  SSLContext clientTls() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("receiver", tlsCertificate);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private String attestorYaml() {
    String pemKey = pem("PUBLIC KEY", signing.getPublic().getEncoded()).strip().replace("\n", "\n        ");
    return """
        name: %s
        userOwnedGrafeasNote:
          noteReference: %s
          publicKeys:
          - id: %s
            pkixPublicKey:
              signatureAlgorithm: ECDSA_P256_SHA256
              publicKeyPem: |
                %s
        """.formatted(ATTESTOR, NOTE, KEY_ID, pemKey);
  }

  private static KeyPair ecKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate selfSigned(KeyPair key) throws Exception {
    X500Name name = new X500Name("CN=vigil-demo-receiver");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(2, ChronoUnit.DAYS)), name, key.getPublic());
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }
}
