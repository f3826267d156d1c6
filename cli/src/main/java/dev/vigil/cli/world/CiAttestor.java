package dev.vigil.cli.world;

import dev.vigil.schemas.Attestation;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * A made-up CI attestor for the demo and the benchmark: a fresh ECDSA P-256 key, its Binary
 * Authorization attestor document, a policy that requires it, and signed simple-signing
 * attestations — one place for what both would otherwise write twice.
 */
public final class CiAttestor {

  private final String project;
  private final String keyId;
  private final KeyPair key;

  private CiAttestor(String project, String keyId, KeyPair key) {
    this.project = project;
    this.keyId = keyId;
    this.key = key;
  }

  /** A new attestor {@code projects/<project>/attestors/built-by-ci} with a fresh key. */
  public static CiAttestor generate(String project) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return new CiAttestor(project, project + "-ci-key-1", g.generateKeyPair());
    } catch (Exception e) {
      throw new IllegalStateException("cannot generate an ECDSA P-256 key", e);
    }
  }

  public String name() {
    return "projects/" + project + "/attestors/built-by-ci";
  }

  public String note() {
    return "projects/" + project + "/notes/built-by-ci";
  }

  /** The attestor as {@code gcloud container binauthz attestors describe} writes it. */
  public String attestorYaml() {
    String pem =
        Pem.encode("PUBLIC KEY", key.getPublic().getEncoded()).strip().replace("\n", "\n        ");
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
        """
        .formatted(name(), note(), keyId, pem);
  }

  /**
   * The Binary Authorization policy requiring this attestor, with a pause-image allowlist and a
   * dry-run deny for {@code sandbox}; while {@code toolsExempt}, the {@code tools} namespace may
   * run anything.
   */
  public String policyYaml(boolean toolsExempt) {
    String tools =
        toolsExempt
            ? """
          tools:
            evaluationMode: ALWAYS_ALLOW
            enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
        """
            : "";
    return """
        name: projects/%s/policy
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
        """
        .formatted(project, name(), tools);
  }

  /** A signed attestation that {@code repository@digest} was built by CI. */
  public Attestation attest(String repository, String digest, Instant created) {
    byte[] payload =
        ("{\"critical\":{\"identity\":{\"docker-reference\":\""
                + repository
                + "\"},"
                + "\"image\":{\"docker-manifest-digest\":\""
                + digest
                + "\"},"
                + "\"type\":\"Google cloud binauthz container signature\"}}")
            .getBytes(StandardCharsets.UTF_8);
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(key.getPrivate());
      s.update(payload);
      return new Attestation(
          "projects/" + project + "/occurrences/" + digest.substring(7, 23),
          note(),
          "https://" + repository + "@" + digest,
          digest,
          Base64.getEncoder().encodeToString(payload),
          List.of(new Attestation.Signature(keyId, Base64.getEncoder().encodeToString(s.sign()))),
          null,
          created);
    } catch (Exception e) {
      throw new IllegalStateException("cannot sign an attestation", e);
    }
  }

  /**
   * {@code a} as a Grafeas ATTESTATION occurrence, as {@code gcloud ... attestations list} writes
   * it.
   */
  public static String grafeasJson(Attestation a) {
    Attestation.Signature sig = a.signatures().get(0);
    return "{\"name\":\""
        + a.occurrence()
        + "\",\"kind\":\"ATTESTATION\",\"noteName\":\""
        + a.noteName()
        + "\","
        + "\"resourceUri\":\""
        + a.resourceUri()
        + "\","
        + "\"attestation\":{\"serializedPayload\":\""
        + a.serializedPayload()
        + "\","
        + "\"signatures\":[{\"publicKeyId\":\""
        + sig.publicKeyId()
        + "\",\"signature\":\""
        + sig.signature()
        + "\"}]},"
        + "\"createTime\":\""
        + a.createTime()
        + "\"}";
  }
}
