package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.schemas.Decision;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which rule applies, from domain.md section 1: allowlist, system images, specific rule, default.
 */
class RulePrecedenceTest {

  static final String POLICY =
      """
      globalPolicyEvaluationMode: ENABLE
      admissionWhitelistPatterns:
      - namePattern: gcr.io/acme-infra/*
      defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
      clusterAdmissionRules:
        us-central1-a.staging: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
      kubernetesNamespaceAdmissionRules:
        sandbox: {evaluationMode: ALWAYS_DENY, enforcementMode: DRYRUN_AUDIT_LOG_ONLY}
        payments: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
      kubernetesServiceAccountAdmissionRules:
        payments:deployer: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
      istioServiceIdentityAdmissionRules:
        spiffe://acme.svc.id.goog/ns/mesh/sa/api: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
      """;

  @ParameterizedTest(name = "{0} {1} {2} {3} -> {4} {5}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      us-central1-a.prod    | default  | default  | gcr.io/acme/app      | defaultAdmissionRule                                        | DENY
      us-central1-a.staging | default  | default  | gcr.io/acme/app      | clusterAdmissionRules[us-central1-a.staging]                | ALLOW
      us-central1-a.staging | sandbox  | default  | gcr.io/acme/app      | kubernetesNamespaceAdmissionRules[sandbox]                  | DRYRUN_DENY
      us-central1-a.prod    | payments | default  | gcr.io/acme/app      | kubernetesNamespaceAdmissionRules[payments]                 | DENY
      us-central1-a.prod    | payments | deployer | gcr.io/acme/app      | kubernetesServiceAccountAdmissionRules[payments:deployer]   | ALLOW
      us-central1-a.staging | payments | deployer | gcr.io/acme/app      | kubernetesServiceAccountAdmissionRules[payments:deployer]   | ALLOW
      us-central1-a.prod    | mesh     | api      | gcr.io/acme/app      | istioServiceIdentityAdmissionRules[spiffe://acme.svc.id.goog/ns/mesh/sa/api] | ALLOW
      us-central1-a.prod    | sandbox  | default  | gcr.io/acme-infra/db | admissionWhitelistPatterns                                  | ALLOW
      us-central1-a.prod    | sandbox  | default  | gcr.io/acme-infra/x/y | kubernetesNamespaceAdmissionRules[sandbox]                 | DRYRUN_DENY
      us-central1-a.prod    | default  | default  | gke.gcr.io/pause:3.9 | globalPolicyEvaluationMode                                  | ALLOW
      """)
  void theMostSpecificRuleAppliesByDefault(
      String cluster,
      String namespace,
      String serviceAccount,
      String image,
      String expectedRule,
      Decision expected)
      throws Exception {
    PolicySet set =
        PolicySet.parse(
            Docs.policy(POLICY),
            null,
            List.of(),
            PolicyOptions.DEFAULTS.withSystemImagePatterns(List.of("gke.gcr.io/*")));

    Evaluation e =
        Evaluator.create()
            .evaluate(
                Docs.podIn(cluster, namespace, serviceAccount, image), set, Facts.NONE, Docs.NOW);

    assertEquals(expectedRule, e.images().get(0).rule(), e.images().get(0).reasons().toString());
    assertEquals(expected, e.decision());
  }

  @ParameterizedTest(name = "{0}: {1} {2} -> {3}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      CLUSTER,NAMESPACE,SERVICE_ACCOUNT,ISTIO_SERVICE_IDENTITY | sandbox  | default  | clusterAdmissionRules[us-central1-a.staging]
      NAMESPACE,SERVICE_ACCOUNT,CLUSTER,ISTIO_SERVICE_IDENTITY | payments | deployer | kubernetesNamespaceAdmissionRules[payments]
      SERVICE_ACCOUNT,ISTIO_SERVICE_IDENTITY,NAMESPACE,CLUSTER | payments | deployer | kubernetesServiceAccountAdmissionRules[payments:deployer]
      """)
  void thePrecedenceIsConfigurable(
      String order, String namespace, String serviceAccount, String expectedRule) throws Exception {
    List<RuleScope> precedence =
        java.util.Arrays.stream(order.split(",")).map(RuleScope::valueOf).toList();
    PolicySet set =
        PolicySet.parse(
            Docs.policy(POLICY),
            null,
            List.of(),
            PolicyOptions.DEFAULTS.withRulePrecedence(precedence));

    Evaluation e =
        Evaluator.create()
            .evaluate(
                Docs.podIn("us-central1-a.staging", namespace, serviceAccount, "gcr.io/acme/app"),
                set,
                Facts.NONE,
                Docs.NOW);

    assertEquals(expectedRule, e.images().get(0).rule());
  }

  @ParameterizedTest(name = "global mode {0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      ENABLE  | ALLOW
      DISABLE | DENY
      """)
  void systemImagesAreExemptOnlyWhenGlobalEvaluationIsEnabled(String mode, Decision expected)
      throws Exception {
    String yaml =
        "globalPolicyEvaluationMode: "
            + mode
            + "\n"
            + "defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n";
    PolicySet set =
        PolicySet.parse(
            Docs.policy(yaml),
            null,
            List.of(),
            PolicyOptions.DEFAULTS.withSystemImagePatterns(List.of("gke.gcr.io/*")));

    Evaluation e =
        Evaluator.create().evaluate(Docs.pod("gke.gcr.io/pause:3.9"), set, Facts.NONE, Docs.NOW);

    assertEquals(expected, e.decision());
  }

  /**
   * The REST Policy reference: "Istio service identity spec format:
   * spiffe://<domain>/ns/<namespace>/sa/<serviceaccount> or
   * <domain>/ns/<namespace>/sa/<serviceaccount> e.g. spiffe://example.com/ns/test-ns/sa/default".
   */
  @ParameterizedTest(name = "{0} applies to {1}/{2}: {3}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      spiffe://example.com/ns/test-ns/sa/default | test-ns | default | true
      example.com/ns/test-ns/sa/default          | test-ns | default | true
      example.com/ns/test-ns/sa/default          | test-ns | other   | false
      example.com/ns/test-ns/sa/default          | prod    | default | false
      """)
  void istioRuleKeysMayOmitTheSpiffeScheme(
      String key, String namespace, String serviceAccount, boolean applies) throws Exception {
    String yaml =
        "defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n"
            + "istioServiceIdentityAdmissionRules:\n"
            + "  "
            + key
            + ": {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n";
    PolicySet set = PolicySet.parse(Docs.policy(yaml), null, List.of());

    Evaluation e =
        Evaluator.create()
            .evaluate(
                Docs.podIn("c", namespace, serviceAccount, "gcr.io/acme/app"),
                set,
                Facts.NONE,
                Docs.NOW);

    assertEquals(
        applies ? "istioServiceIdentityAdmissionRules[" + key + "]" : "defaultAdmissionRule",
        e.images().get(0).rule());
    assertEquals(applies ? Decision.ALLOW : Decision.DENY, e.decision());
  }

  @ParameterizedTest(name = "refuses {0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      spiffe://example.com/ns/test-ns
      spiffe:/example.com/ns/test-ns/sa/default
      /ns/test-ns/sa/default
      example.com/test-ns/default
      """)
  void refusesIstioKeysInNeitherForm(String key) {
    String yaml =
        "defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n"
            + "istioServiceIdentityAdmissionRules:\n"
            + "  '"
            + key
            + "': {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n";

    InvalidPolicyException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidPolicyException.class,
            () -> PolicySet.parse(Docs.policy(yaml), null, List.of()));

    org.junit.jupiter.api.Assertions.assertTrue(
        e.problems().toString().contains("DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT"),
        e.problems().toString());
  }
}
