package dev.vigil.ingest.cosign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.OciManifestTemplate;
import com.google.cloud.tools.jib.json.JsonTemplateMapper;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.vigil.ingest.TestResources;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.validator.Evaluation;
import dev.vigil.validator.Evaluator;
import dev.vigil.validator.Facts;
import dev.vigil.validator.PodContext;
import dev.vigil.validator.PolicySet;
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
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cosign signatures read from a real registry: Debian's {@code docker-registry} (the CNCF
 * distribution registry), started by the test, with signature manifests pushed by the test through
 * Jib's registry client. The signatures are cosign's own (src/test/resources/cosign/README.md).
 */
class CosignRegistryIT {

  static final String DIGEST = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";
  static final String IMAGE = "192.168.64.2:5000/cosign-signed-single-sample";

  @TempDir static Path dir;
  static Process registry;
  static String host;

  @BeforeAll
  static void startRegistry() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    host = "127.0.0.1:" + port;
    Path config = Files.writeString(dir.resolve("config.yml"), """
        version: 0.1
        log: {level: warn}
        storage:
          filesystem: {rootdirectory: %s}
        http:
          addr: %s
        """.formatted(dir.resolve("storage"), host));
    registry = new ProcessBuilder("docker-registry", "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          break;
        }
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !registry.isAlive()) {
          throw new IllegalStateException("docker-registry did not start: "
              + Files.readString(dir.resolve("registry.log")), e);
        }
      }
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (registry != null) {
      registry.destroy();
      registry.waitFor();
    }
  }

  /** Pushes {@code signatureResource} as cosign does: payload layer, signature annotation, tag sha256-<hex>.sig. */
  static void pushSignature(String repository, String signatureResource) throws Exception {
    String text = new String(TestResources.bytes("/cosign/" + signatureResource), StandardCharsets.UTF_8);
    JsonNode stored = Json.mapper().readTree(text.substring(text.indexOf('{')));
    byte[] payload = Base64.getDecoder().decode(stored.get("payload").asText());
    String signature = stored.get("annotations").get(CosignSignatures.SIGNATURE_ANNOTATION).asText();
    byte[] config = "{\"architecture\":\"\",\"os\":\"\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
        .getBytes(StandardCharsets.UTF_8);
    FailoverHttpClient http = new FailoverHttpClient(true, false, e -> {});
    RegistryClient client = RegistryClient.factory(EventHandlers.NONE, host, repository, http).newRegistryClient();
    client.pushBlob(digestOf(payload), Blobs.from(new java.io.ByteArrayInputStream(payload)), null, n -> {});
    client.pushBlob(digestOf(config), Blobs.from(new java.io.ByteArrayInputStream(config)), null, n -> {});
    String manifest = """
        {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": %d, "digest": "%s"},
         "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "size": %d, "digest": "%s",
                     "annotations": {"%s": "%s"}}]}
        """.formatted(config.length, digestOf(config), payload.length, digestOf(payload),
        CosignSignatures.SIGNATURE_ANNOTATION, signature);
    client.pushManifest(JsonTemplateMapper.readJson(manifest, OciManifestTemplate.class),
        DIGEST.replace(':', '-') + ".sig");
    http.shutDown();
  }

  static DescriptorDigest digestOf(byte[] b) throws Exception {
    return DescriptorDigest.fromHash(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
  }

  /** The pod running {@link #IMAGE} at {@link #DIGEST}, judged under a platform policy requiring cosign.pub. */
  static Evaluation judge(List<Attestation> signatures) throws Exception {
    String pem = new String(TestResources.bytes("/cosign/cosign.pub"), StandardCharsets.UTF_8).strip()
        .replace("\n", "\n                ");
    String platform = """
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
        """.formatted(pem);
    PolicySet set = PolicySet.parse(doc(PolicyDocument.Kind.BINAUTHZ_POLICY,
        "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n"),
        doc(PolicyDocument.Kind.PLATFORM_POLICY, platform), List.of());
    PodContext pod = new PodContext("us-central1-a.test", "default", "pod", "default",
        List.of(new ContainerImage("c0", ContainerImage.Kind.CONTAINER, IMAGE + "@" + DIGEST, null)), Map.of(),
        Map.of());
    return Evaluator.create().evaluate(pod, set, Facts.of(Map.of(DIGEST, signatures), Map.of()), Instant.now());
  }

  static PolicyDocument doc(PolicyDocument.Kind kind, String yaml) throws Exception {
    return new PolicyDocument("*", kind, kind.name().toLowerCase(), 1, PolicyDocument.Format.YAML, yaml,
        digestOf(yaml.getBytes(StandardCharsets.UTF_8)).getHash(), "test", Instant.now());
  }

  final CosignSignatures cosign = new CosignSignatures(registry -> Optional.empty(), true);

  @Test
  void aSignaturePushedToTheRegistryMakesThePodAllowedUnderSigstoreSignatureCheck() throws Exception {
    pushSignature("signed/app", "valid.signature");

    var found = assertInstanceOf(CosignSignatures.Found.class, cosign.fetch(host + "/signed/app", DIGEST));
    Evaluation e = judge(found.signatures());

    assertEquals(1, found.signatures().size(), found.skipped().toString());
    Attestation a = found.signatures().get(0);
    assertEquals(DIGEST, a.imageDigest());
    assertEquals(DIGEST + "/" + a.occurrence(), a.key());
    assertTrue(a.occurrence().startsWith("cosign:" + host + "/signed/app:sha256-634a8f35"), a.occurrence());
    assertEquals(Decision.ALLOW, e.decision(), e.images().get(0).checkResults().toString());
  }

  @Test
  void aSignatureByAnotherKeyIsReadButTheCheckDenies() throws Exception {
    pushSignature("tampered/app", "unknown-cosign-key.signature");

    var found = assertInstanceOf(CosignSignatures.Found.class, cosign.fetch(host + "/tampered/app", DIGEST));
    Evaluation e = judge(found.signatures());

    assertEquals(1, found.signatures().size());
    assertEquals(Decision.DENY, e.decision(), e.images().get(0).checkResults().toString());
  }

  @Test
  void anImageWithoutASignatureManifestIsUnsignedAndTheCheckDenies() throws Exception {
    pushSignature("other/app", "valid.signature");

    CosignSignatures.Result r = cosign.fetch(host + "/unsigned/app", DIGEST);
    CosignSignatures.Result otherDigest = cosign.fetch(host + "/other/app", "sha256:" + "0".repeat(64));

    assertInstanceOf(CosignSignatures.Unsigned.class, r);
    assertInstanceOf(CosignSignatures.Unsigned.class, otherDigest);
    assertEquals(Decision.DENY, judge(List.of()).decision());
  }

  @Test
  void aRegistryThatCannotBeReachedIsUnreachableNotUnsigned() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }

    CosignSignatures.Result r = cosign.fetch("127.0.0.1:" + closed + "/signed/app", DIGEST);

    var u = assertInstanceOf(CosignSignatures.Unreachable.class, r);
    assertTrue(u.reason().startsWith("127.0.0.1:" + closed), u.reason());
  }
}
