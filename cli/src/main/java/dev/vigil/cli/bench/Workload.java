package dev.vigil.cli.bench;

import dev.vigil.cli.world.CiAttestor;
import dev.vigil.cli.world.MadeUpImages;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.PolicyDocument;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the benchmark's cluster runs under: a real Binary Authorization policy that requires an
 * ECDSA P-256 attestation, and signed attestations for the "built by CI" images; and the profile of
 * each Deployment ({@link Fleet} builds the pods). A Deployment gets a profile from its index
 * (deterministic), in these shares: compliant 70 %, unsigned 8 %, tag-only 6 %, {@code tools}
 * namespace (allowed by policy v1, denied by v2) 8 %, {@code sandbox} (dry-run deny) 3 %,
 * breakglass 2 % and fail-open 3 % (the last two with an admission event per pod).
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

  static Profile profile(long index) {
    int p = (int) Math.floorMod(index * 2654435761L >>> 7, 100L);
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
    return MadeUpImages.digest(repo);
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
