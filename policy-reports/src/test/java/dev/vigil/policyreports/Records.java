package dev.vigil.policyreports;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.WorkloadRef;
import java.time.Instant;
import java.util.List;

/** v2 records as streams writes them, for the tests (streams fills severity once secops lands). */
public final class Records {

  /**
   * A policy that allows everything but the {@code prod} namespace (denied) and {@code sandbox}
   * (dry run).
   */
  public static final String POLICY =
      """
      name: projects/acme/policy
      globalPolicyEvaluationMode: DISABLE
      defaultAdmissionRule:
        evaluationMode: ALWAYS_ALLOW
        enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
      kubernetesNamespaceAdmissionRules:
        prod:
          evaluationMode: ALWAYS_DENY
          enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
        sandbox:
          evaluationMode: ALWAYS_DENY
          enforcementMode: DRYRUN_AUDIT_LOG_ONLY
      """;

  static final String CLUSTER = "us-central1-a.prod";
  static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

  private Records() {}

  static String uid(String pod) {
    return "uid-" + pod;
  }

  static Verdict verdict(String ns, String pod, Decision d, Instant at) {
    String rule =
        d == Decision.ALLOW
            ? "defaultAdmissionRule"
            : "kubernetesNamespaceAdmissionRules[" + ns + "]";
    String reason =
        d == Decision.ALLOW
            ? "attested by built-by-ci"
            : "no attestation by projects/acme/attestors/built-by-ci";
    return new Verdict(
        CLUSTER + "/" + ns + "/" + pod + "#1",
        CLUSTER,
        ns,
        pod,
        uid(pod),
        "default",
        new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, ns, "app"),
        d,
        List.of(
            new Verdict.ImageResult(
                "app",
                "us-docker.pkg.dev/acme/app/api@sha256:" + "a".repeat(64),
                "sha256:" + "a".repeat(64),
                d,
                rule,
                List.of(reason),
                List.of())),
        List.of("BINAUTHZ_POLICY/*/policy@3"),
        Verdict.Trigger.POD_EVENT,
        at);
  }

  static ViolationTransition violation(
      String ns,
      String pod,
      ViolationTransition.Transition t,
      Decision d,
      Severity severity,
      Instant at) {
    String rule = "kubernetesNamespaceAdmissionRules[" + ns + "]";
    boolean resolved = t == ViolationTransition.Transition.RESOLVED;
    return new ViolationTransition(
        CLUSTER + "/" + ns + "/" + pod + "@" + T0,
        CLUSTER,
        ns,
        pod,
        new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, ns, "app"),
        ViolationCategory.POLICY,
        severity,
        List.of(rule),
        t,
        resolved ? d : null,
        resolved ? Decision.ALLOW : d,
        "app runs an image without the attestation " + rule + " requires",
        List.of(
            new ViolationTransition.ImageFinding(
                "app",
                "us-docker.pkg.dev/acme/app/api",
                "sha256:" + "a".repeat(64),
                rule,
                d,
                List.of("projects/acme/attestors/built-by-ci"),
                List.of(),
                List.of("no attestation"))),
        List.of("BINAUTHZ_POLICY/*/policy@3"),
        List.of("no attestation"),
        "v1",
        T0,
        at,
        at);
  }

  static PodEvent deleted(String ns, String pod, Instant at) {
    return new PodEvent(
        ns + pod + at,
        CLUSTER,
        PodEvent.Type.DELETED,
        ns,
        pod,
        uid(pod),
        "default",
        "Running",
        new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, ns, "app"),
        List.of(),
        null,
        null,
        "9",
        at);
  }
}
