package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.PolicyDocument;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BinauthzPolicyReaderTest {

  static String codelab(String file) {
    return Docs.resource("/realdata/binauthz-codelab/" + file)
        .replace("${REGION}", "us-central1")
        .replace("${PROJECT_ID}", "acme")
        .replace("{GOOGLE_CLOUD_PROJECT}", "acme")
        .replace("{ATTESTOR_ID}", "built-by-ci");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "allow_all_policy.yaml",
        "deny_all_policy.yaml",
        "example-cluster-policy.yaml",
        "updated_policy.yaml"
      })
  void readsTheCodelabPolicies(String file) throws Exception {
    BinauthzPolicy p = BinauthzPolicyReader.read(Docs.policy(codelab(file)));

    assertTrue(p.globalPolicyEvaluation());
  }

  @Test
  void readsEveryFieldOfAnExport() throws Exception {
    BinauthzPolicy p =
        BinauthzPolicyReader.read(Docs.policy(codelab("example-cluster-policy.yaml")));

    assertEquals(
        List.of("docker.io/istio/*"), p.allowlist().stream().map(NamePattern::text).toList());
    assertEquals(AdmissionRule.EvaluationMode.ALWAYS_DENY, p.defaultRule().evaluationMode());
    AdmissionRule prod = p.clusterRules().get("us-central1.prod-cluster");
    assertEquals(AdmissionRule.EvaluationMode.REQUIRE_ATTESTATION, prod.evaluationMode());
    assertEquals(
        List.of("projects/acme/attestors/vulnz-attestor", "projects/acme/attestors/qa-attestor"),
        prod.requireAttestationsBy());
    assertEquals("clusterAdmissionRules[us-central1.prod-cluster]", prod.id());
  }

  @Test
  void readsTheSamePolicyAsJson() throws Exception {
    String json =
        """
        {"name": "projects/acme/policy", "globalPolicyEvaluationMode": "DISABLE",
         "admissionWhitelistPatterns": [{"namePattern": "gcr.io/acme-infra/*"}],
         "defaultAdmissionRule": {"evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            "requireAttestationsBy": ["projects/acme/attestors/built-by-ci"]},
         "kubernetesNamespaceAdmissionRules": {"sandbox": {"evaluationMode": "ALWAYS_DENY",
            "enforcementMode": "DRYRUN_AUDIT_LOG_ONLY"}},
         "kubernetesServiceAccountAdmissionRules": {"payments:deployer": {"evaluationMode": "ALWAYS_ALLOW",
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}},
         "istioServiceIdentityAdmissionRules": {"spiffe://acme.svc.id.goog/ns/mesh/sa/api": {
            "evaluationMode": "ALWAYS_ALLOW", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}},
         "etag": "abc", "updateTime": "2026-11-20T10:00:00Z"}
        """;

    BinauthzPolicy p = BinauthzPolicyReader.read(Docs.policy(json));

    assertFalse(p.globalPolicyEvaluation());
    assertTrue(p.namespaceRules().get("sandbox").dryRun());
    assertEquals(1, p.serviceAccountRules().size());
    assertEquals(1, p.istioRules().size());
  }

  @Test
  void listsEveryProblemWithItsPath() {
    String yaml =
        """
        globalPolicyEvaluationMode: enable
        admissionWhitelistPatterns:
        - namePattern: gcr.io*
        - namePatern: gcr.io/x/*
        defaultAdmissionRule:
          evaluationMode: REQUIRE_ATTESTATION
          enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
        kubernetesNamespaceAdmisionRules:
          sandbox: {evaluationMode: ALWAYS_DENY, enforcementMode: DRYRUN_AUDIT_LOG_ONLY}
        kubernetesServiceAccountAdmissionRules:
          payments-deployer: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
        clusterAdmissionRules:
          us-central1-a.prod: {evaluationMode: SOMETIMES, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG,
            requireAttestationsBy: [built-by-ci]}
        """;

    InvalidPolicyException e =
        assertThrows(
            InvalidPolicyException.class, () -> BinauthzPolicyReader.read(Docs.policy(yaml)));

    List<String> paths = e.problems().stream().map(InvalidPolicyException.Problem::path).toList();
    assertEquals(
        List.of(
            "kubernetesNamespaceAdmisionRules",
            "globalPolicyEvaluationMode",
            "admissionWhitelistPatterns[0].namePattern",
            "admissionWhitelistPatterns[1].namePatern",
            "admissionWhitelistPatterns[1].namePattern",
            "defaultAdmissionRule.requireAttestationsBy",
            "clusterAdmissionRules[us-central1-a.prod].evaluationMode",
            "clusterAdmissionRules[us-central1-a.prod].requireAttestationsBy[0]",
            "kubernetesServiceAccountAdmissionRules[payments-deployer]"),
        paths,
        e.problems().stream().map(Object::toString).collect(Collectors.joining("\n")));
    assertTrue(e.problems().get(1).message().contains("upper-case"), e.problems().get(1).message());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "[]",
        "just a string",
        "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW}",
        "defaultAdmissionRule: {evaluationMode: EVALUATION_MODE_UNSPECIFIED, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}",
        "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\ndefaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}",
        "defaultAdmissionRule: [1, 2]",
        "a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
        "{\"defaultAdmissionRule\": {\"evaluationMode\": \"ALWAYS_ALLOW\", \"evaluationMode\": \"ALWAYS_DENY\", \"enforcementMode\": \"ENFORCED_BLOCK_AND_AUDIT_LOG\"}}",
      })
  void neverTurnsAnUnusableDocumentIntoAllowAll(String content) {
    InvalidPolicyException e =
        assertThrows(
            InvalidPolicyException.class,
            () -> PolicySet.parse(Docs.policy(content), null, List.of()));

    assertFalse(e.problems().isEmpty());
  }

  @Test
  void warnsAboutDoubleStarPatternsAndMissingAttestorsWithoutRejecting() throws Exception {
    String yaml =
        """
        admissionWhitelistPatterns:
        - namePattern: gcr.io/my-project**
        defaultAdmissionRule:
          evaluationMode: REQUIRE_ATTESTATION
          enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
          requireAttestationsBy: [projects/acme/attestors/built-by-ci]
        """;

    PolicySet set = PolicySet.parse(Docs.policy(yaml), null, List.of());

    String warnings = set.warnings().toString();
    assertTrue(warnings.contains("admissionWhitelistPatterns[0].namePattern"), warnings);
    assertTrue(warnings.contains("my-project-other"), warnings);
    assertTrue(warnings.contains("built-by-ci was not supplied"), warnings);
  }

  @Test
  void versionsNameEveryDocumentUsed() throws Exception {
    PolicyDocument policy = Docs.policy(codelab("allow_all_policy.yaml"));

    PolicySet set = PolicySet.parse(policy, null, List.of());

    assertEquals(List.of("BINAUTHZ_POLICY/*/policy@1"), set.versions());
  }

  @Test
  void anAllowlistPatternEndingInAnEmptySegmentIsALintWarningNotARejection() throws Exception {
    String yaml =
        """
        admissionWhitelistPatterns:
        - namePattern: gcr.io/acme-infra/
        defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
        """;

    PolicySet set = PolicySet.parse(Docs.policy(yaml), null, List.of());

    assertTrue(
        set.warnings()
            .toString()
            .contains(
                "admissionWhitelistPatterns[0].namePattern: 'gcr.io/acme-infra/'"
                    + " ends in an empty path segment"),
        set.warnings().toString());
  }
}
