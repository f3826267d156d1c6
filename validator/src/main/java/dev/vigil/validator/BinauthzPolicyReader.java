package dev.vigil.validator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.PolicyDocument;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a Binary Authorization policy (YAML or JSON), collecting every problem. Unknown fields are
 * problems: a misspelt rule map would otherwise be silently ignored and let the default rule
 * decide.
 */
public final class BinauthzPolicyReader {

  private static final Set<String> TOP =
      Set.of(
          "name",
          "description",
          "etag",
          "updateTime",
          "globalPolicyEvaluationMode",
          "admissionWhitelistPatterns",
          "defaultAdmissionRule",
          "clusterAdmissionRules",
          "kubernetesNamespaceAdmissionRules",
          "kubernetesServiceAccountAdmissionRules",
          "istioServiceIdentityAdmissionRules");
  private static final Set<String> RULE =
      Set.of("evaluationMode", "enforcementMode", "requireAttestationsBy");
  private static final Set<String> PATTERN = Set.of("namePattern");
  private static final Set<String> UNSPECIFIED_EVAL = Set.of("EVALUATION_MODE_UNSPECIFIED");
  private static final Set<String> UNSPECIFIED_ENF = Set.of("ENFORCEMENT_MODE_UNSPECIFIED");
  private static final Pattern ATTESTOR = Pattern.compile("projects/[^/\\s]+/attestors/[^/\\s]+");
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern SERVICE_ACCOUNT =
      Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Pattern CLUSTER = Pattern.compile("[^.\\s]+\\.[^.\\s]+");

  /**
   * An Istio service identity as the REST Policy reference gives it: {@code
   * spiffe://<domain>/ns/<namespace>/sa/<serviceaccount> or
   * <domain>/ns/<namespace>/sa/<serviceaccount>}.
   */
  private static final Pattern SPIFFE =
      Pattern.compile("(?:spiffe://)?[^/:\\s]+/ns/([^/\\s]+)/sa/([^/\\s]+)");

  /** The global mode values. */
  private enum GlobalMode {
    ENABLE,
    DISABLE,
    GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED
  }

  private BinauthzPolicyReader() {}

  /** Reads {@code doc}; throws with every problem found. */
  public static BinauthzPolicy read(PolicyDocument doc) throws InvalidPolicyException {
    ProblemCollector c = new ProblemCollector();
    return c.orThrow(doc.key(), read(doc.content(), doc.format(), c)).orElseThrow();
  }

  /** Reads a policy, adding problems and lint warnings to {@code c}. */
  static Optional<BinauthzPolicy> read(
      String content, PolicyDocument.Format format, ProblemCollector c) {
    return c.root(content, format).flatMap(root -> read(root, c));
  }

  static Optional<BinauthzPolicy> read(JsonNode root, ProblemCollector c) {
    int before = c.problems.size();
    if (!c.object(root, "", TOP)) {
      return Optional.empty();
    }
    String name = c.text(root, "name", "", false);
    GlobalMode global =
        c.enumValue(root, "globalPolicyEvaluationMode", "", GlobalMode.class, false, Set.of());
    List<NamePattern> allowlist = new ArrayList<>();
    JsonNode patterns = c.array(root, "admissionWhitelistPatterns", "", false);
    if (patterns != null) {
      for (int i = 0; i < patterns.size(); i++) {
        String path = ProblemCollector.index("admissionWhitelistPatterns", i);
        JsonNode entry = patterns.get(i);
        if (!c.object(entry, path, PATTERN)) {
          continue;
        }
        String text = c.text(entry, "namePattern", path, true);
        if (text != null) {
          compilePattern(text, ProblemCollector.join(path, "namePattern"), c)
              .ifPresent(allowlist::add);
        }
      }
    }
    AdmissionRule defaultRule = null;
    if (root.get("defaultAdmissionRule") == null || root.get("defaultAdmissionRule").isNull()) {
      c.problem("defaultAdmissionRule", "is required");
    } else {
      defaultRule = rule(root.get("defaultAdmissionRule"), "defaultAdmissionRule", c);
    }
    Map<String, AdmissionRule> clusters =
        rules(
            root,
            "clusterAdmissionRules",
            c,
            (key, path) -> {
              if (!CLUSTER.matcher(key).matches()) {
                c.warning(
                    path,
                    "key should be location.clusterId (e.g. us-central1-a.prod); it is compared with the pod's cluster id as written");
              }
              return true;
            });
    Map<String, AdmissionRule> namespaces =
        rules(
            root,
            "kubernetesNamespaceAdmissionRules",
            c,
            (key, path) -> {
              if (!NAMESPACE.matcher(key).matches()) {
                c.problem(path, "key must be a Kubernetes namespace name");
                return false;
              }
              return true;
            });
    Map<String, AdmissionRule> serviceAccounts =
        rules(
            root,
            "kubernetesServiceAccountAdmissionRules",
            c,
            (key, path) -> {
              int colon = key.indexOf(':');
              if (colon < 0
                  || !NAMESPACE.matcher(key.substring(0, colon)).matches()
                  || !SERVICE_ACCOUNT.matcher(key.substring(colon + 1)).matches()) {
                c.problem(path, "key must be namespace:serviceaccount");
                return false;
              }
              return true;
            });
    Map<String, AdmissionRule> istio =
        rules(
            root,
            "istioServiceIdentityAdmissionRules",
            c,
            (key, path) -> {
              if (!SPIFFE.matcher(key).matches()) {
                c.problem(
                    path,
                    "key must be a service identity spiffe://DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT"
                        + " or DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT");
                return false;
              }
              return true;
            });
    if (c.problems.size() > before || defaultRule == null) {
      return Optional.empty();
    }
    return Optional.of(
        new BinauthzPolicy(
            name,
            global == GlobalMode.ENABLE,
            allowlist,
            defaultRule,
            clusters,
            namespaces,
            serviceAccounts,
            istio));
  }

  /** Compiles a name pattern, reporting problems and lint warnings at {@code path}. */
  static Optional<NamePattern> compilePattern(String text, String path, ProblemCollector c) {
    String[] problem = new String[1];
    Optional<NamePattern> p = NamePattern.compile(text, problem);
    if (p.isEmpty()) {
      c.problem(path, "invalid pattern \"" + text + "\": " + problem[0]);
    } else {
      p.get().lint().ifPresent(w -> c.warning(path, w));
    }
    return p;
  }

  private interface KeyCheck {
    boolean ok(String key, String path);
  }

  private static Map<String, AdmissionRule> rules(
      JsonNode root, String field, ProblemCollector c, KeyCheck check) {
    Map<String, AdmissionRule> out = new LinkedHashMap<>();
    JsonNode map = root.get(field);
    if (map == null || map.isNull()) {
      return out;
    }
    if (!map.isObject()) {
      c.problem(field, "must be a map from key to rule, not " + ProblemCollector.describe(map));
      return out;
    }
    Iterator<Map.Entry<String, JsonNode>> it = map.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = ProblemCollector.key(field, e.getKey());
      boolean keyOk = check.ok(e.getKey(), path);
      AdmissionRule r = rule(e.getValue(), path, c);
      if (keyOk && r != null) {
        out.put(e.getKey(), r);
      }
    }
    return out;
  }

  private static AdmissionRule rule(JsonNode node, String path, ProblemCollector c) {
    int before = c.problems.size();
    if (!c.object(node, path, RULE)) {
      return null;
    }
    AdmissionRule.EvaluationMode eval =
        c.enumValue(
            node,
            "evaluationMode",
            path,
            AdmissionRule.EvaluationMode.class,
            true,
            UNSPECIFIED_EVAL);
    AdmissionRule.EnforcementMode enf =
        c.enumValue(
            node,
            "enforcementMode",
            path,
            AdmissionRule.EnforcementMode.class,
            true,
            UNSPECIFIED_ENF);
    List<String> attestors = c.strings(node, "requireAttestationsBy", path, false);
    String attPath = ProblemCollector.join(path, "requireAttestationsBy");
    for (int i = 0; i < attestors.size(); i++) {
      if (!ATTESTOR.matcher(attestors.get(i)).matches()) {
        c.problem(
            ProblemCollector.index(attPath, i),
            "must name an attestor: projects/PROJECT/attestors/NAME");
      }
    }
    if (new java.util.HashSet<>(attestors).size() != attestors.size()) {
      c.warning(attPath, "names an attestor twice");
    }
    if (eval == AdmissionRule.EvaluationMode.REQUIRE_ATTESTATION && attestors.isEmpty()) {
      c.problem(attPath, "REQUIRE_ATTESTATION needs at least one attestor");
    }
    if (eval != null
        && eval != AdmissionRule.EvaluationMode.REQUIRE_ATTESTATION
        && !attestors.isEmpty()) {
      c.warning(attPath, "ignored: evaluationMode is " + eval);
    }
    if (c.problems.size() > before || eval == null || enf == null) {
      return null;
    }
    return new AdmissionRule(
        path,
        eval,
        enf,
        eval == AdmissionRule.EvaluationMode.REQUIRE_ATTESTATION ? attestors : List.of());
  }

  /** The namespace and service account of an Istio rule key, or null. */
  static String[] spiffeNamespaceAndAccount(String key) {
    var m = SPIFFE.matcher(key);
    return m.matches() ? new String[] {m.group(1), m.group(2)} : null;
  }
}
