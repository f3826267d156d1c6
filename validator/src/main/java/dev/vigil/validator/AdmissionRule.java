package dev.vigil.validator;

import java.util.List;
import java.util.Objects;

/**
 * One Binary Authorization admission rule.
 *
 * @param id where the rule is in the policy, e.g. {@code defaultAdmissionRule} or {@code
 *     kubernetesNamespaceAdmissionRules[sandbox]}; verdicts name it
 */
public record AdmissionRule(
    String id,
    EvaluationMode evaluationMode,
    EnforcementMode enforcementMode,
    List<String> requireAttestationsBy) {

  /** What the rule requires of an image. */
  public enum EvaluationMode {
    ALWAYS_ALLOW,
    ALWAYS_DENY,
    REQUIRE_ATTESTATION
  }

  /** What happens to an image that fails the rule: blocked, or only logged (dry run). */
  public enum EnforcementMode {
    ENFORCED_BLOCK_AND_AUDIT_LOG,
    DRYRUN_AUDIT_LOG_ONLY
  }

  public AdmissionRule {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(evaluationMode, "evaluationMode");
    Objects.requireNonNull(enforcementMode, "enforcementMode");
    requireAttestationsBy = List.copyOf(requireAttestationsBy);
  }

  /** True when a failure is only logged. */
  public boolean dryRun() {
    return enforcementMode == EnforcementMode.DRYRUN_AUDIT_LOG_ONLY;
  }
}
