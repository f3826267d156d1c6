package dev.vigil.cli.bench;

import dev.vigil.cli.world.CiAttestor;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.WorkloadRef;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The synthetic fleet the benchmark feeds Vigil: one cluster, pods of Deployments with three
 * containers (an init container, the app and a sidecar), a real Binary Authorization policy that
 * requires an ECDSA P-256 attestation, and signed attestations for the "built by CI" images. Each
 * pod gets a profile from its index (deterministic), in these shares: compliant 70 %, unsigned 8 %,
 * tag-only 6 %, {@code tools} namespace (allowed by policy v1, denied by v2) 8 %, {@code sandbox}
 * (dry-run deny) 3 %, breakglass 2 % and fail-open 3 % (the last two with an admission event).
 */
final class Workload {

  static final String CLUSTER = "bench.us-central1-a";
  static final String REGISTRY = "us-docker.pkg.dev/bench";
  static final int SIGNED_REPOS = 60;
  static final int UNSIGNED_REPOS = 20;

  /** What kind of pod, which decides its images, namespace and admission event. */
  enum Profile {
    COMPLIANT,
    UNSIGNED,
    TAG_ONLY,
    TOOLS,
    SANDBOX,
    BREAKGLASS,
    FAIL_OPEN
  }

  private final CiAttestor ci = CiAttestor.generate("bench");
  private final Instant t0 = Instant.now();

  static Profile profile(long podIndex) {
    int p = (int) Math.floorMod(podIndex * 2654435761L >>> 7, 100L);
    if (p < 70) {
      return Profile.COMPLIANT;
    } else if (p < 78) {
      return Profile.UNSIGNED;
    } else if (p < 84) {
      return Profile.TAG_ONLY;
    } else if (p < 92) {
      return Profile.TOOLS;
    } else if (p < 95) {
      return Profile.SANDBOX;
    } else if (p < 97) {
      return Profile.BREAKGLASS;
    }
    return Profile.FAIL_OPEN;
  }

  static String signedRepo(long i) {
    return REGISTRY + "/svc-" + Math.floorMod(i, SIGNED_REPOS);
  }

  static String unsignedRepo(long i) {
    return "docker.io/thirdparty/tool-" + Math.floorMod(i, UNSIGNED_REPOS);
  }

  static String digest(String repo) {
    try {
      return "sha256:"
          + HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(repo.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pinned(String repo) {
    return repo + "@" + digest(repo);
  }

  static String namespace(String prefix, long podIndex) {
    return switch (profile(podIndex)) {
      case TOOLS -> "tools";
      case SANDBOX -> "sandbox";
      default -> "team-" + Math.floorMod(podIndex / 10, 20L);
    };
  }

  static String podName(String prefix, long podIndex) {
    return prefix + "svc-" + (podIndex / 10) + "-" + podIndex;
  }

  /** The pod event for pod {@code podIndex} (pod names start with {@code prefix}). */
  PodEvent podEvent(String prefix, long podIndex, PodEvent.Type type, long resourceVersion) {
    Profile profile = profile(podIndex);
    String ns = namespace(prefix, podIndex);
    String name = podName(prefix, podIndex);
    WorkloadRef owner =
        new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, ns, prefix + "svc-" + (podIndex / 10));
    return new PodEvent(
        name + "@" + resourceVersion,
        CLUSTER,
        type,
        ns,
        name,
        "uid-" + prefix + podIndex,
        "default",
        "Running",
        owner,
        images(profile, podIndex, true),
        Map.of("app", owner.name(), "tier", "backend"),
        Map.of(),
        String.valueOf(resourceVersion),
        Instant.now());
  }

  private List<ContainerImage> images(Profile profile, long podIndex, boolean running) {
    List<ContainerImage> cs = new ArrayList<>(3);
    String init = pinned(REGISTRY + "/migrate");
    cs.add(
        new ContainerImage(
            "migrate", ContainerImage.Kind.INIT_CONTAINER, init, running ? init : null));
    String app =
        switch (profile) {
          case COMPLIANT, SANDBOX -> pinned(signedRepo(podIndex / 10));
          case FAIL_OPEN ->
              podIndex % 2 == 0
                  ? pinned(signedRepo(podIndex / 10))
                  : pinned(unsignedRepo(podIndex / 10));
          case TAG_ONLY -> signedRepo(podIndex / 10) + ":1." + Math.floorMod(podIndex / 10, 7);
          case UNSIGNED, TOOLS, BREAKGLASS -> pinned(unsignedRepo(podIndex / 10));
        };
    String appId = profile == Profile.TAG_ONLY ? null : (running ? app : null);
    cs.add(new ContainerImage("app", ContainerImage.Kind.CONTAINER, app, appId));
    String sidecar = pinned(REGISTRY + "/envoy");
    cs.add(
        new ContainerImage(
            "envoy", ContainerImage.Kind.CONTAINER, sidecar, running ? sidecar : null));
    return cs;
  }

  /** The admission event for a breakglass or fail-open pod, else {@code null}. */
  AdmissionEvent admission(String prefix, long podIndex) {
    Profile profile = profile(podIndex);
    if (profile != Profile.BREAKGLASS && profile != Profile.FAIL_OPEN) {
      return null;
    }
    String ns = namespace(prefix, podIndex);
    String name = podName(prefix, podIndex);
    WorkloadRef owner =
        new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, ns, prefix + "svc-" + (podIndex / 10));
    boolean breakglass = profile == Profile.BREAKGLASS;
    return new AdmissionEvent(
        "adm-" + prefix + podIndex,
        CLUSTER,
        AdmissionEvent.Source.KUBERNETES_AUDIT,
        "audit-" + prefix + podIndex,
        "ResponseComplete",
        "create",
        ns,
        name,
        null,
        "system:serviceaccount:kube-system:replicaset-controller",
        "default",
        owner,
        images(profile, podIndex, false),
        false,
        false,
        breakglass,
        breakglass
            ? null
            : new AdmissionEvent.FailedOpen(
                AdmissionEvent.FailedOpen.Mechanism.VALIDATING_WEBHOOK,
                "webhook timeout; failurePolicy: Ignore"),
        201,
        "Created",
        breakglass ? Map.of("alpha.image-policy.k8s.io/break-glass", "true") : Map.of(),
        Instant.now());
  }

  /**
   * The Binary Authorization policy: version 1 lets {@code tools} run anything, version 2 does not.
   */
  PolicyDocument policy(long version) {
    return document(
        PolicyDocument.Kind.BINAUTHZ_POLICY,
        "projects/bench/policy",
        version,
        ci.policyYaml(version < 2));
  }

  /** The attestor with the benchmark's public key. */
  PolicyDocument attestor() {
    return document(PolicyDocument.Kind.ATTESTOR, ci.name(), 1, ci.attestorYaml());
  }

  /** Signed attestations for every CI-built image (the signed repositories, migrate and envoy). */
  List<Attestation> attestations() {
    List<String> repos = new ArrayList<>();
    for (int i = 0; i < SIGNED_REPOS; i++) {
      repos.add(signedRepo(i));
    }
    repos.add(REGISTRY + "/migrate");
    repos.add(REGISTRY + "/envoy");
    List<Attestation> out = new ArrayList<>();
    for (String repo : repos) {
      out.add(ci.attest(repo, digest(repo), t0));
    }
    return out;
  }

  private PolicyDocument document(
      PolicyDocument.Kind kind, String name, long version, String content) {
    return PolicyDocument.of(
        "*",
        kind,
        name,
        version,
        PolicyDocument.Format.YAML,
        content,
        "vigil bench",
        Instant.now());
  }
}
