package dev.vigil.ingest.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.OciManifestTemplate;
import com.google.cloud.tools.jib.json.JsonTemplateMapper;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.vigil.ingest.TestResources;
import dev.vigil.schemas.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Debian's {@code docker-registry} (the CNCF distribution registry) on a free loopback port, with
 * its storage under a test directory, and cosign signature manifests pushed to it through Jib's
 * registry client as cosign lays them out.
 */
public final class LocalRegistry implements AutoCloseable {

  private final Process process;
  private final String host;

  private LocalRegistry(Process process, String host) {
    this.process = process;
    this.host = host;
  }

  /** Starts the registry and waits until {@code /v2/} answers. */
  public static LocalRegistry start(Path dir) throws Exception {
    String host = "127.0.0.1:" + freePort();
    Path config =
        Files.writeString(
            dir.resolve("registry.yml"),
            """
        version: 0.1
        log: {level: warn}
        storage:
          filesystem: {rootdirectory: %s}
        http:
          addr: %s
        """
                .formatted(dir.resolve("registry-storage"), host));
    Path log = dir.resolve("registry.log");
    Process p =
        new ProcessBuilder("docker-registry", "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return new LocalRegistry(p, host);
        }
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !p.isAlive()) {
          p.destroy();
          throw new IllegalStateException(
              "docker-registry did not start: " + Files.readString(log), e);
        }
      }
      Thread.sleep(100);
    }
  }

  /** The digest of the image the cosign vectors sign (src/test/resources/cosign/README.md). */
  public static final String SIGNED_DIGEST =
      "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";

  /**
   * A continuous-validation platform policy whose one check is sigstoreSignatureCheck with the
   * vectors' cosign.pub.
   */
  public static String platformPolicyRequiringCosignPub() {
    String pem =
        new String(TestResources.bytes("/cosign/cosign.pub"), StandardCharsets.UTF_8)
            .strip()
            .replace("\n", "\n                ");
    return """
        gkePolicy:
          checkSets:
          - displayName: signed
            checks:
            - sigstoreSignatureCheck:
                sigstoreAuthorities:
                - publicKeySet:
                    publicKeys:
                    - publicKeyPem: |
                        %s
        """
        .formatted(pem);
  }

  /** A loopback port nothing listens on (just closed). */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** {@code 127.0.0.1:port}. */
  public String host() {
    return host;
  }

  /**
   * Pushes the signature in {@code resource} (containers/image's storage form: a line, then JSON
   * with {@code payload} and the signature annotation) as {@code repository:sha256-<hex>.sig}.
   */
  public void pushSignature(String repository, String digest, String resource) throws Exception {
    String text = new String(TestResources.bytes(resource), StandardCharsets.UTF_8);
    JsonNode stored = Json.mapper().readTree(text.substring(text.indexOf('{')));
    byte[] payload = Base64.getDecoder().decode(stored.get("payload").asText());
    String signature =
        stored.get("annotations").get(CosignSignatures.SIGNATURE_ANNOTATION).asText();
    push(
        repository,
        digest,
        payload,
        ", \"annotations\": {\""
            + CosignSignatures.SIGNATURE_ANNOTATION
            + "\": \""
            + signature
            + "\"}");
  }

  /** Replaces the signature manifest with one whose layer carries no signature. */
  public void pushUnsigned(String repository, String digest) throws Exception {
    push(repository, digest, "{}".getBytes(StandardCharsets.UTF_8), "");
  }

  private void push(String repository, String digest, byte[] layer, String layerExtra)
      throws Exception {
    byte[] config =
        "{\"architecture\":\"\",\"os\":\"\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
            .getBytes(StandardCharsets.UTF_8);
    FailoverHttpClient http = new FailoverHttpClient(true, false, e -> {});
    try {
      RegistryClient client =
          RegistryClient.factory(EventHandlers.NONE, host, repository, http).newRegistryClient();
      client.pushBlob(digestOf(layer), Blobs.from(new ByteArrayInputStream(layer)), null, n -> {});
      client.pushBlob(
          digestOf(config), Blobs.from(new ByteArrayInputStream(config)), null, n -> {});
      String manifest =
          """
          {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": %d, "digest": "%s"},
           "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "size": %d, "digest": "%s"%s}]}
          """
              .formatted(
                  config.length, digestOf(config), layer.length, digestOf(layer), layerExtra);
      client.pushManifest(
          JsonTemplateMapper.readJson(manifest, OciManifestTemplate.class),
          digest.replace(':', '-') + ".sig");
    } finally {
      http.shutDown();
    }
  }

  /** The SHA-256 digest of {@code b}. */
  public static DescriptorDigest digestOf(byte[] b) throws Exception {
    return DescriptorDigest.fromHash(
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }
}
