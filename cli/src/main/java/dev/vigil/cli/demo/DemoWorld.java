package dev.vigil.cli.demo;

import dev.vigil.cli.world.CiAttestor;
import dev.vigil.cli.world.LoopbackTls;
import dev.vigil.cli.world.MadeUpImages;
import dev.vigil.cli.world.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import javax.net.ssl.SSLContext;

/**
 * The made-up world the demo plays in: a CI attestor with a fresh ECDSA P-256 key, the policy
 * files, signed attestations, and the audit receiver's TLS certificate and bearer token. Everything
 * is generated at start and written under one directory.
 */
final class DemoWorld {

  static final String CLUSTER = "us-central1-a.demo";
  static final String REGISTRY = "us-docker.pkg.dev/demo";

  final Path dir;
  final Path policy;
  final Path attestors;
  final Path attestations;
  final Path certificate;
  final Path privateKey;
  final String token;
  final CiAttestor ci = CiAttestor.generate("demo");
  private final LoopbackTls tls;

  private DemoWorld(Path dir) throws Exception {
    this.dir = dir;
    this.policy = dir.resolve("policy.yaml");
    this.attestors = dir.resolve("attestors.yaml");
    this.attestations = Files.createDirectories(dir.resolve("attestations"));
    this.certificate = dir.resolve("receiver.crt");
    this.privateKey = dir.resolve("receiver.key");
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    this.tls = LoopbackTls.create("vigil-demo-receiver");
    Files.writeString(certificate, Pem.encode("CERTIFICATE", tls.certificate.getEncoded()));
    Files.writeString(privateKey, Pem.encode("PRIVATE KEY", tls.key.getPrivate().getEncoded()));
    Files.writeString(attestors, ci.attestorYaml());
    writePolicy(false);
  }

  static DemoWorld create(Path dir) throws Exception {
    return new DemoWorld(Files.createDirectories(dir));
  }

  /** A digest for a made-up image, stable per name. */
  static String digest(String name) {
    return MadeUpImages.digest(name);
  }

  /** The policy: v1 lets the tools namespace run anything; v2 requires attestations there too. */
  void writePolicy(boolean tightened) throws IOException {
    String yaml = ci.policyYaml(!tightened);
    Path tmp = policy.resolveSibling("policy.yaml.tmp");
    Files.writeString(tmp, yaml);
    Files.move(
        tmp,
        policy,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Signs a simple-signing payload for {@code repository@digest} and writes the Grafeas occurrence.
   */
  void attest(String repository, String digest) throws Exception {
    String json =
        CiAttestor.grafeasJson(
            ci.attest(repository, digest, Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    Path tmp = attestations.resolve(digest.substring(7) + ".json.tmp");
    Files.writeString(tmp, json);
    Files.move(
        tmp,
        attestations.resolve(digest.substring(7) + ".json"),
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Trusts the receiver's self-signed certificate, and nothing else. */
  SSLContext clientTls() throws Exception {
    return tls.clientContext();
  }
}
