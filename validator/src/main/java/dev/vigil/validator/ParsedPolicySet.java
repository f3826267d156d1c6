package dev.vigil.validator;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The validator's {@link PolicySet}: parsed documents, indexed for evaluation. */
final class ParsedPolicySet implements PolicySet {

  final BinauthzPolicy policy;
  final PlatformPolicy platform;
  final Map<String, Attestor> attestors;
  final List<NamePattern> systemImages;
  final RuleScope[] precedence;

  /** namespace -> service account -> rule, so lookups need no string concatenation. */
  final Map<String, Map<String, AdmissionRule>> serviceAccountRules;

  final Map<String, Map<String, AdmissionRule>> istioRules;
  private final List<String> versions;
  private final List<InvalidPolicyException.Problem> warnings;

  /** Reason texts computed once, so that evaluation does not build the same strings again. */
  final String[] allowlistReasons;

  final String[] systemReasons;
  private final Map<AdmissionRule, String[]> ruleTexts = new java.util.IdentityHashMap<>();
  private final Map<String, java.util.concurrent.ConcurrentHashMap<String, String>> satisfied =
      new HashMap<>();

  static final int ALWAYS_ALLOW_TEXT = 0;
  static final int ALWAYS_DENY_TEXT = 1;
  static final int NO_DIGEST_TEXT = 2;
  static final int DRY_RUN_TEXT = 3;
  private static final int MAX_SATISFIED_TEXTS = 10_000;

  ParsedPolicySet(
      BinauthzPolicy policy,
      PlatformPolicy platform,
      Map<String, Attestor> attestors,
      List<NamePattern> systemImages,
      List<RuleScope> precedence,
      List<String> versions,
      List<InvalidPolicyException.Problem> warnings) {
    this.policy = policy;
    this.platform = platform;
    this.attestors = Map.copyOf(attestors);
    this.systemImages = List.copyOf(systemImages);
    this.precedence = precedence.toArray(new RuleScope[0]);
    this.versions = List.copyOf(versions);
    this.warnings = List.copyOf(warnings);
    Map<String, Map<String, AdmissionRule>> sa = new HashMap<>();
    policy
        .serviceAccountRules()
        .forEach(
            (key, rule) -> {
              int colon = key.indexOf(':');
              sa.computeIfAbsent(key.substring(0, colon), k -> new HashMap<>())
                  .put(key.substring(colon + 1), rule);
            });
    this.serviceAccountRules = freeze(sa);
    Map<String, Map<String, AdmissionRule>> istio = new HashMap<>();
    // Several trust domains may name the same ns/sa; the first in key order wins,
    // deterministically.
    new java.util.TreeMap<>(policy.istioRules())
        .forEach(
            (key, rule) -> {
              String[] nsSa = BinauthzPolicyReader.spiffeNamespaceAndAccount(key);
              istio.computeIfAbsent(nsSa[0], k -> new HashMap<>()).putIfAbsent(nsSa[1], rule);
            });
    this.istioRules = freeze(istio);
    this.allowlistReasons =
        policy.allowlist().stream()
            .map(p -> "matches admissionWhitelistPatterns '" + p.text() + "'")
            .toArray(String[]::new);
    this.systemReasons =
        systemImages.stream()
            .map(
                p ->
                    "system image exempted by globalPolicyEvaluationMode: matches '"
                        + p.text()
                        + "'")
            .toArray(String[]::new);
    for (AdmissionRule r : policy.allRules()) {
      ruleTexts.put(
          r,
          new String[] {
            r.id() + ": ALWAYS_ALLOW",
            r.id() + ": ALWAYS_DENY" + (r.dryRun() ? " (dry run: logged, not blocked)" : ""),
            r.id() + ": REQUIRE_ATTESTATION cannot be met without a digest",
            r.id() + ": dry run, logged, not blocked"
          });
    }
    for (Attestor a : this.attestors.values()) {
      satisfied.put(a.name(), new java.util.concurrent.ConcurrentHashMap<>());
    }
  }

  /** A fixed reason text of {@code rule} ({@link #ALWAYS_ALLOW_TEXT} ...). */
  String ruleText(AdmissionRule rule, int which) {
    return ruleTexts.get(rule)[which];
  }

  /** "attestor A: satisfied by OCCURRENCE", built once per attestor and occurrence. */
  String satisfiedText(Attestor attestor, String occurrence) {
    java.util.concurrent.ConcurrentHashMap<String, String> texts = satisfied.get(attestor.name());
    String t = texts.get(occurrence);
    if (t == null) {
      if (texts.size() >= MAX_SATISFIED_TEXTS) {
        texts.clear();
      }
      t = "attestor " + attestor.name() + ": satisfied by " + occurrence;
      texts.put(occurrence, t);
    }
    return t;
  }

  private static Map<String, Map<String, AdmissionRule>> freeze(
      Map<String, Map<String, AdmissionRule>> m) {
    Map<String, Map<String, AdmissionRule>> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k, Map.copyOf(v)));
    return Map.copyOf(out);
  }

  /**
   * The rule that applies to a pod: the first specific rule in precedence order, else the default.
   */
  AdmissionRule ruleFor(PodContext pod) {
    for (RuleScope scope : precedence) {
      AdmissionRule r = null;
      switch (scope) {
        case SERVICE_ACCOUNT:
          {
            Map<String, AdmissionRule> m = serviceAccountRules.get(pod.namespace());
            r = m == null ? null : m.get(pod.serviceAccount());
            break;
          }
        case ISTIO_SERVICE_IDENTITY:
          {
            Map<String, AdmissionRule> m = istioRules.get(pod.namespace());
            r = m == null ? null : m.get(pod.serviceAccount());
            break;
          }
        case NAMESPACE:
          r = policy.namespaceRules().get(pod.namespace());
          break;
        case CLUSTER:
          r = policy.clusterRules().get(pod.clusterId());
          break;
        default:
          throw new AssertionError(scope);
      }
      if (r != null) {
        return r;
      }
    }
    return policy.defaultRule();
  }

  @Override
  public List<String> versions() {
    return versions;
  }

  @Override
  public List<InvalidPolicyException.Problem> warnings() {
    return warnings;
  }
}
