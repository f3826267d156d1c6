package dev.vigil.validator;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.PolicyDocument;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 3's throughput target: a 3-container pod against a 20-rule policy (plus 5 allowlist
 * patterns), two attestors required, attestation verification results already cached. One
 * thread. See docs/benchmarks.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class EvaluationBenchmark {

  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

  Evaluator evaluator;
  PolicySet policies;
  Facts facts;
  PodContext pod;
  PodContext allowlistedPod;

  @Setup
  public void setUp() throws Exception {
    StringBuilder p = new StringBuilder();
    p.append("globalPolicyEvaluationMode: ENABLE\nadmissionWhitelistPatterns:\n");
    for (int i = 0; i < 5; i++) {
      p.append("- namePattern: gcr.io/acme-infra-").append(i).append("/*\n");
    }
    p.append("defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n");
    String require = "{evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, "
        + "requireAttestationsBy: [projects/acme/attestors/built-by-ci, projects/acme/attestors/qa]}";
    p.append("clusterAdmissionRules:\n");
    for (int i = 0; i < 6; i++) {
      p.append("  us-central1-a.c").append(i).append(": ").append(require).append('\n');
    }
    p.append("kubernetesNamespaceAdmissionRules:\n");
    for (int i = 0; i < 7; i++) {
      p.append("  ns").append(i).append(": ").append(require).append('\n');
    }
    p.append("kubernetesServiceAccountAdmissionRules:\n");
    for (int i = 0; i < 6; i++) {
      p.append("  ns").append(i).append(":sa").append(i).append(": ").append(require).append('\n');
    }
    KeyPair ci = Docs.ec("secp256r1");
    KeyPair qa = Docs.ec("secp256r1");
    policies = PolicySet.parse(doc(PolicyDocument.Kind.BINAUTHZ_POLICY, p.toString()), null, List.of(
        doc(PolicyDocument.Kind.ATTESTOR, Docs.pkixAttestor("built-by-ci", "ci", ci.getPublic(), "ECDSA_P256_SHA256")),
        doc(PolicyDocument.Kind.ATTESTOR, Docs.pkixAttestor("qa", "qa", qa.getPublic(), "ECDSA_P256_SHA256"))));

    Map<String, List<Attestation>> attestations = new HashMap<>();
    List<ContainerImage> images = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String digest = "sha256:" + Integer.toString(i).repeat(64);
      byte[] payload = Docs.payload("us-docker.pkg.dev/acme/app/c" + i, digest).getBytes(StandardCharsets.UTF_8);
      attestations.put(digest, List.of(
          Docs.attestation("built-by-ci", "ci" + i, digest, payload, "ci",
              Docs.sign(SignatureAlgorithm.ECDSA_P256_SHA256, ci.getPrivate(), payload)),
          Docs.attestation("qa", "qa" + i, digest, payload, "qa",
              Docs.sign(SignatureAlgorithm.ECDSA_P256_SHA256, qa.getPrivate(), payload))));
      images.add(new ContainerImage("c" + i, i == 0 ? ContainerImage.Kind.INIT_CONTAINER : ContainerImage.Kind.CONTAINER,
          "us-docker.pkg.dev/acme/app/c" + i + "@" + digest, null));
    }
    facts = Facts.of(attestations, Map.of());
    pod = new PodContext("us-central1-a.c9", "ns3", "api-7d9f", "default", images, Map.of(), Map.of());
    allowlistedPod = new PodContext("us-central1-a.c9", "ns3", "db", "default", List.of(
        new ContainerImage("a", ContainerImage.Kind.CONTAINER, "gcr.io/acme-infra-4/db:1", null),
        new ContainerImage("b", ContainerImage.Kind.CONTAINER, "gcr.io/acme-infra-4/proxy:1", null),
        new ContainerImage("c", ContainerImage.Kind.CONTAINER, "gcr.io/acme-infra-4/agent:1", null)),
        Map.of(), Map.of());
    evaluator = Evaluator.create();
    Evaluation first = evaluator.evaluate(pod, policies, facts, NOW);
    if (first.decision() != dev.vigil.schemas.Decision.ALLOW) {
      throw new IllegalStateException("benchmark pod should be allowed: " + first);
    }
  }

  static PolicyDocument doc(PolicyDocument.Kind kind, String content) {
    return new PolicyDocument("*", kind, kind + "-" + Integer.toHexString(content.hashCode()), 1,
        PolicyDocument.Format.YAML, content, Docs.sha256(content), "bench", NOW);
  }

  /** Three attested images under a namespace rule requiring two attestors (six cached verifications). */
  @Benchmark
  public Evaluation attestedPod() {
    return evaluator.evaluate(pod, policies, facts, NOW);
  }

  /** Three allowlisted images: the cheapest path. */
  @Benchmark
  public Evaluation allowlistedPod() {
    return evaluator.evaluate(allowlistedPod, policies, facts, NOW);
  }
}
