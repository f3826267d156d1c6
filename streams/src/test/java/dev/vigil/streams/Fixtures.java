package dev.vigil.streams;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.ImageMetadata;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.WorkloadRef;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Test data: pods, admissions, real Binary Authorization policies, and signed attestations. */
final class Fixtures {

  static final String CLUSTER = "us-central1-a.prod";
  static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
  static final String ATTESTOR = "projects/acme/attestors/built-by-ci";
  static final String NOTE = "projects/acme/notes/built-by-ci";
  static final String KEY_ID = "ci-key-1";

  private Fixtures() {}

  /** {@code sha256:} followed by 64 copies of {@code c}. */
  static String digest(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  /** An image of {@code repo} by digest. */
  static String image(String repo, char c) {
    return repo + "@" + digest(c);
  }

  static WorkloadRef deployment(String ns, String name) {
    return new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, ns, name);
  }

  /** A running pod event with one container per image (image ids as the kubelet reports them). */
  static PodEvent pod(
      PodEvent.Type type,
      String ns,
      String name,
      long resourceVersion,
      WorkloadRef owner,
      String... images) {
    List<ContainerImage> cs = new ArrayList<>();
    for (int i = 0; i < images.length; i++) {
      cs.add(new ContainerImage("c" + i, ContainerImage.Kind.CONTAINER, images[i], images[i]));
    }
    return new PodEvent(
        name + "@" + resourceVersion + "/" + type,
        CLUSTER,
        type,
        ns,
        name,
        "uid-" + name,
        "default",
        "Running",
        owner,
        cs,
        Map.of(),
        Map.of(),
        String.valueOf(resourceVersion),
        T0.plusSeconds(resourceVersion));
  }

  static PodEvent added(String ns, String name, long rv, WorkloadRef owner, String... images) {
    return pod(PodEvent.Type.ADDED, ns, name, rv, owner, images);
  }

  /**
   * What a pod store keeps of {@code e} (ADR 0150, 0165): identity and ordering fields, without the
   * event id, images, pull secrets, labels or annotations.
   */
  static PodEvent kept(PodEvent e) {
    return new PodEvent(
        "",
        e.clusterId(),
        e.type(),
        e.namespace(),
        e.name(),
        e.uid(),
        e.serviceAccount(),
        e.phase(),
        e.owner(),
        List.of(),
        List.of(),
        Map.of(),
        Map.of(),
        e.resourceVersion(),
        e.observedAt());
  }

  /** An admission of a pod create; set the flags for the bypass wanted. */
  static AdmissionEvent admission(
      String auditId,
      String ns,
      String name,
      WorkloadRef owner,
      boolean failedOpen,
      boolean breakglass,
      boolean dryRun,
      String... images) {
    List<ContainerImage> cs = new ArrayList<>();
    for (int i = 0; i < images.length; i++) {
      cs.add(new ContainerImage("c" + i, ContainerImage.Kind.CONTAINER, images[i], null));
    }
    return new AdmissionEvent(
        "ev-" + auditId,
        CLUSTER,
        AdmissionEvent.Source.KUBERNETES_AUDIT,
        auditId,
        "ResponseComplete",
        "create",
        ns,
        name,
        null,
        "system:serviceaccount:kube-system:replicaset-controller",
        "default",
        owner,
        cs,
        false,
        dryRun,
        breakglass,
        failedOpen
            ? new AdmissionEvent.FailedOpen(
                AdmissionEvent.FailedOpen.Mechanism.IMAGE_POLICY_WEBHOOK,
                "imagepolicywebhook.image-policy.k8s.io/failed-open=true")
            : null,
        201,
        "Created",
        Map.of(),
        T0);
  }

  static AdmissionEvent failedOpen(
      String auditId, String ns, String name, WorkloadRef owner, String... images) {
    return admission(auditId, ns, name, owner, true, false, false, images);
  }

  static AdmissionEvent breakglass(
      String auditId, String ns, String name, WorkloadRef owner, String... images) {
    return admission(auditId, ns, name, owner, false, true, false, images);
  }

  static FollowUpAck ack(String followUpId, FollowUpAck.Action action) {
    return new FollowUpAck(
        followUpId, action, "alice@acme.example", "enforcer outage SEC-42", T0.plusSeconds(3600));
  }

  // ---- policies ------------------------------------------------------------------------------

  /** A Binary Authorization policy of scope {@code *} whose default rule is as given. */
  static PolicyDocument policy(
      long version, String evaluationMode, String enforcementMode, String... allowlist) {
    StringBuilder y = new StringBuilder();
    y.append("name: projects/acme/policy\n");
    y.append("globalPolicyEvaluationMode: DISABLE\n");
    if (allowlist.length > 0) {
      y.append("admissionWhitelistPatterns:\n");
      for (String p : allowlist) {
        y.append("- namePattern: ").append(p).append('\n');
      }
    }
    y.append("defaultAdmissionRule:\n");
    y.append("  evaluationMode: ").append(evaluationMode).append('\n');
    y.append("  enforcementMode: ").append(enforcementMode).append('\n');
    if (evaluationMode.equals("REQUIRE_ATTESTATION")) {
      y.append("  requireAttestationsBy:\n  - ").append(ATTESTOR).append('\n');
    }
    return document(
        PolicyDocument.Kind.BINAUTHZ_POLICY, "projects/acme/policy", version, y.toString());
  }

  static PolicyDocument enforced(long version, String evaluationMode, String... allowlist) {
    return policy(version, evaluationMode, "ENFORCED_BLOCK_AND_AUDIT_LOG", allowlist);
  }

  /** As {@link #enforced}, for one cluster only (scope {@code cluster}). */
  static PolicyDocument enforcedFor(String cluster, long version, String evaluationMode) {
    PolicyDocument any = enforced(version, evaluationMode);
    return PolicyDocument.of(
        cluster, any.kind(), any.name(), version, any.format(), any.content(), "test", T0);
  }

  static PolicyDocument dryRun(long version, String evaluationMode) {
    return policy(version, evaluationMode, "DRYRUN_AUDIT_LOG_ONLY");
  }

  /** A policy document that cannot be read. */
  static PolicyDocument broken(long version) {
    return document(
        PolicyDocument.Kind.BINAUTHZ_POLICY,
        "projects/acme/policy",
        version,
        "defaultAdmissionRule:\n  evaluationMode: SOMETIMES\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n");
  }

  static PolicyDocument document(
      PolicyDocument.Kind kind, String name, long version, String content) {
    return PolicyDocument.of(
        "*", kind, name, version, PolicyDocument.Format.YAML, content, "test", T0);
  }

  // ---- attestations --------------------------------------------------------------------------

  /** An ECDSA P-256 attestor key, and the attestations it signs. */
  static final class Signer {
    final KeyPair keys;

    Signer() {
      try {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        keys = g.generateKeyPair();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /** The attestor document, as {@code gcloud container binauthz attestors describe} writes it. */
    PolicyDocument attestor(long version) {
      String pem =
          "-----BEGIN PUBLIC KEY-----\n"
              + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                  .encodeToString(keys.getPublic().getEncoded())
              + "\n-----END PUBLIC KEY-----\n";
      StringBuilder y = new StringBuilder();
      y.append("name: ").append(ATTESTOR).append('\n');
      y.append("userOwnedGrafeasNote:\n");
      y.append("  noteReference: ").append(NOTE).append('\n');
      y.append("  publicKeys:\n");
      y.append("  - id: ").append(KEY_ID).append('\n');
      y.append("    pkixPublicKey:\n");
      y.append("      signatureAlgorithm: ECDSA_P256_SHA256\n");
      y.append("      publicKeyPem: |\n");
      for (String line : pem.split("\n")) {
        y.append("        ").append(line).append('\n');
      }
      return document(PolicyDocument.Kind.ATTESTOR, ATTESTOR, version, y.toString());
    }

    /** A signed simple-signing attestation for {@code repo@digest}. */
    Attestation attest(String repo, String digest, String occurrence) {
      String payload =
          "{\"critical\":{\"identity\":{\"docker-reference\":\""
              + repo
              + "\"},"
              + "\"image\":{\"docker-manifest-digest\":\""
              + digest
              + "\"},"
              + "\"type\":\"Google cloud binauthz container signature\"}}";
      byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
      try {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(keys.getPrivate());
        s.update(bytes);
        byte[] sig = s.sign(); // DER, as PKIX ECDSA attestations carry it
        return new Attestation(
            "projects/acme/occurrences/" + occurrence,
            NOTE,
            "https://" + repo + "@" + digest,
            digest,
            Base64.getEncoder().encodeToString(bytes),
            List.of(new Attestation.Signature(KEY_ID, Base64.getEncoder().encodeToString(sig))),
            null,
            T0);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  static ImageMetadata metadata(String digest, String repo, Instant uploadTime) {
    return new ImageMetadata(digest, repo, uploadTime, List.of(), T0, "test");
  }
}
