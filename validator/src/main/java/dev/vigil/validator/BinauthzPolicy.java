package dev.vigil.validator;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Binary Authorization policy as {@code gcloud container binauthz policy export} writes it,
 * validated. Rule maps are indexed for lookups that do not allocate.
 *
 * @param globalPolicyEvaluation {@code globalPolicyEvaluationMode: ENABLE}
 * @param allowlist {@code admissionWhitelistPatterns}, in document order
 */
public record BinauthzPolicy(
    String name,
    boolean globalPolicyEvaluation,
    List<NamePattern> allowlist,
    AdmissionRule defaultRule,
    Map<String, AdmissionRule> clusterRules,
    Map<String, AdmissionRule> namespaceRules,
    Map<String, AdmissionRule> serviceAccountRules,
    Map<String, AdmissionRule> istioRules) {

  public BinauthzPolicy {
    Objects.requireNonNull(defaultRule, "defaultRule");
    allowlist = List.copyOf(allowlist);
    clusterRules = Map.copyOf(clusterRules);
    namespaceRules = Map.copyOf(namespaceRules);
    serviceAccountRules = Map.copyOf(serviceAccountRules);
    istioRules = Map.copyOf(istioRules);
  }

  /** Every rule, default first, for listing attestors. */
  public List<AdmissionRule> allRules() {
    List<AdmissionRule> all = new java.util.ArrayList<>();
    all.add(defaultRule);
    all.addAll(clusterRules.values());
    all.addAll(namespaceRules.values());
    all.addAll(serviceAccountRules.values());
    all.addAll(istioRules.values());
    return all;
  }
}
