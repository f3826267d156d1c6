package dev.vigil.validator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.PolicyDocument;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads a continuous-validation platform policy ({@code gkePolicy}), collecting every problem. */
public final class PlatformPolicyReader {

  private static final Set<String> TOP =
      Set.of("name", "description", "etag", "updateTime", "gkePolicy");
  private static final Set<String> GKE = Set.of("imageAllowlist", "checkSets");
  private static final Set<String> ALLOWLIST = Set.of("allowPattern");
  private static final Set<String> CHECK_SET =
      Set.of("displayName", "scope", "imageAllowlist", "checks");
  private static final Set<String> SCOPE =
      Set.of("kubernetesNamespace", "kubernetesServiceAccount");
  private static final Set<String> CHECK_KINDS =
      Set.of(
          "trustedDirectoryCheck",
          "imageFreshnessCheck",
          "simpleSigningAttestationCheck",
          "sigstoreSignatureCheck",
          "vulnerabilityCheck",
          "alwaysDeny");
  private static final Set<String> CHECK;

  static {
    Set<String> s = new HashSet<>(CHECK_KINDS);
    s.add("displayName");
    s.add("imageAllowlist");
    CHECK = Set.copyOf(s);
  }

  private PlatformPolicyReader() {}

  /** Reads {@code doc}; throws with every problem found. */
  public static PlatformPolicy read(PolicyDocument doc) throws InvalidPolicyException {
    ProblemCollector c = new ProblemCollector();
    return c.orThrow(doc.key(), read(doc.content(), doc.format(), c)).orElseThrow();
  }

  static Optional<PlatformPolicy> read(
      String content, PolicyDocument.Format format, ProblemCollector c) {
    return c.root(content, format).flatMap(root -> read(root, c));
  }

  private static Optional<PlatformPolicy> read(JsonNode root, ProblemCollector c) {
    int before = c.problems.size();
    if (!c.object(root, "", TOP)) {
      return Optional.empty();
    }
    String name = c.text(root, "name", "", false);
    JsonNode gke = root.get("gkePolicy");
    if (gke == null) {
      c.problem("gkePolicy", "is required");
      return Optional.empty();
    }
    if (!c.object(gke, "gkePolicy", GKE)) {
      return Optional.empty();
    }
    List<NamePattern> allowlist = allowlist(gke, "gkePolicy", c);
    List<PlatformPolicy.CheckSet> sets = new ArrayList<>();
    JsonNode list = c.array(gke, "checkSets", "gkePolicy", true);
    if (list != null) {
      if (list.isEmpty()) {
        c.warning(
            "gkePolicy.checkSets",
            "is empty: \"If check_sets is empty, the default behavior is to allow all"
                + " images\"");
      }
      for (int i = 0; i < list.size(); i++) {
        checkSet(list.get(i), ProblemCollector.index("gkePolicy.checkSets", i), c)
            .ifPresent(sets::add);
      }
    }
    if (c.problems.size() > before) {
      return Optional.empty();
    }
    checkSetOrder(sets, c);
    if (c.problems.size() > before) {
      return Optional.empty();
    }
    return Optional.of(new PlatformPolicy(name, allowlist, sets));
  }

  /**
   * Google's rule for the order of check sets (GkePolicy reference): "CheckSet objects must be
   * listed in order of decreasing specificity, i.e. if a scope matches a given service account
   * (which must include the namespace), it must come before a CheckSet with a scope matching just
   * that namespace. This property is enforced by server-side validation. [...] If check_sets is
   * non-empty, the last check_sets entry must always be a CheckSet with no scope set, i.e. a
   * catchall". An order Google refuses is a problem; a missing catch-all and a scope given twice
   * are warnings (ADR 0021).
   */
  private static void checkSetOrder(List<PlatformPolicy.CheckSet> sets, ProblemCollector c) {
    for (int j = 0; j < sets.size(); j++) {
      PlatformPolicy.Scope later = sets.get(j).scope();
      for (int i = 0; i < j; i++) {
        PlatformPolicy.Scope earlier = sets.get(i).scope();
        boolean overlaps =
            earlier.scopeNamespace() == null
                || earlier.scopeNamespace().equals(later.scopeNamespace());
        String path = ProblemCollector.index("gkePolicy.checkSets", j);
        if (overlaps && later.specificity() > earlier.specificity()) {
          c.problem(
              path,
              "CheckSet objects must be listed in order of decreasing specificity: this one ("
                  + later.describe()
                  + ") must come before gkePolicy.checkSets["
                  + i
                  + "] ("
                  + earlier.describe()
                  + ")");
          break;
        }
        if (earlier.equals(later)) {
          c.warning(
              path,
              "has the same scope as gkePolicy.checkSets["
                  + i
                  + "] ("
                  + earlier.describe()
                  + "): it is never evaluated");
          break;
        }
      }
    }
    if (!sets.isEmpty() && sets.get(sets.size() - 1).scope().specificity() != 0) {
      c.warning(
          "gkePolicy.checkSets",
          "the last check set has a scope; Google's reference says \"the last"
              + " check_sets entry must always be a CheckSet with no scope set, i.e. a catchall\": pods outside every"
              + " scope are not checked");
    }
  }

  private static List<NamePattern> allowlist(JsonNode parent, String path, ProblemCollector c) {
    List<NamePattern> out = new ArrayList<>();
    JsonNode a = parent.get("imageAllowlist");
    if (a == null || a.isNull()) {
      return out;
    }
    String p = ProblemCollector.join(path, "imageAllowlist");
    if (!c.object(a, p, ALLOWLIST)) {
      return out;
    }
    List<String> patterns = c.strings(a, "allowPattern", p, true);
    for (int i = 0; i < patterns.size(); i++) {
      BinauthzPolicyReader.compilePattern(
              patterns.get(i),
              ProblemCollector.index(ProblemCollector.join(p, "allowPattern"), i),
              c)
          .ifPresent(out::add);
    }
    return out;
  }

  private static Optional<PlatformPolicy.CheckSet> checkSet(
      JsonNode node, String path, ProblemCollector c) {
    int before = c.problems.size();
    if (!c.object(node, path, CHECK_SET)) {
      return Optional.empty();
    }
    String displayName = c.text(node, "displayName", path, false);
    PlatformPolicy.Scope scope = PlatformPolicy.Scope.ALL;
    JsonNode s = node.get("scope");
    String scopePath = ProblemCollector.join(path, "scope");
    if (s != null && !s.isNull() && c.object(s, scopePath, SCOPE)) {
      String ns = c.text(s, "kubernetesNamespace", scopePath, false);
      String sa = c.text(s, "kubernetesServiceAccount", scopePath, false);
      if (ns != null && sa != null) {
        c.problem(scopePath, "has both kubernetesNamespace and kubernetesServiceAccount; give one");
      } else if (ns != null) {
        scope = new PlatformPolicy.Scope(ns, null, null);
      } else if (sa != null) {
        int colon = sa.indexOf(':');
        if (colon <= 0 || colon == sa.length() - 1) {
          c.problem(
              ProblemCollector.join(scopePath, "kubernetesServiceAccount"),
              "must be namespace:serviceaccount");
        } else {
          scope = new PlatformPolicy.Scope(null, sa.substring(0, colon), sa.substring(colon + 1));
        }
      }
    }
    List<NamePattern> allowlist = allowlist(node, path, c);
    List<PlatformPolicy.Check> checks = new ArrayList<>();
    JsonNode list = c.array(node, "checks", path, false);
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        check(list.get(i), ProblemCollector.index(ProblemCollector.join(path, "checks"), i), c)
            .ifPresent(checks::add);
      }
    }
    if (checks.isEmpty()) {
      c.warning(path, "check set has no checks: every image in scope conforms");
    }
    if (c.problems.size() > before) {
      return Optional.empty();
    }
    return Optional.of(
        new PlatformPolicy.CheckSet(
            displayName == null ? path : displayName, scope, allowlist, checks));
  }

  private static Optional<PlatformPolicy.Check> check(
      JsonNode node, String path, ProblemCollector c) {
    int before = c.problems.size();
    if (!c.object(node, path, CHECK)) {
      return Optional.empty();
    }
    String kind = null;
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (CHECK_KINDS.contains(n)) {
        if (kind != null) {
          c.problem(path, "has both " + kind + " and " + n + "; one check per entry");
          return Optional.empty();
        }
        kind = n;
      }
    }
    if (kind == null) {
      c.problem(
          path,
          "names no check; use one of " + String.join(", ", new java.util.TreeSet<>(CHECK_KINDS)));
      return Optional.empty();
    }
    String displayName = c.text(node, "displayName", path, false);
    String name = displayName == null ? kind : displayName;
    List<NamePattern> allowlist = allowlist(node, path, c);
    JsonNode body = node.get(kind);
    String p = ProblemCollector.join(path, kind);
    PlatformPolicy.Check check = null;
    switch (kind) {
      case "trustedDirectoryCheck":
        {
          if (c.object(body, p, Set.of("trustedDirPatterns"))) {
            List<String> patterns = c.strings(body, "trustedDirPatterns", p, true);
            List<TrustedDirectoryPattern> compiled = new ArrayList<>();
            String[] problem = new String[1];
            for (int i = 0; i < patterns.size(); i++) {
              Optional<TrustedDirectoryPattern> dir =
                  TrustedDirectoryPattern.compile(patterns.get(i), problem);
              if (dir.isEmpty()) {
                c.problem(
                    ProblemCollector.index(ProblemCollector.join(p, "trustedDirPatterns"), i),
                    "invalid trusted directory pattern \"" + patterns.get(i) + "\": " + problem[0]);
              }
              dir.ifPresent(compiled::add);
            }
            if (patterns.isEmpty()) {
              c.problem(
                  ProblemCollector.join(p, "trustedDirPatterns"), "needs at least one pattern");
            }
            check = new PlatformPolicy.TrustedDirectoryCheck(name, allowlist, compiled);
          }
          break;
        }
      case "imageFreshnessCheck":
        {
          if (c.object(body, p, Set.of("maxUploadAgeDays"))) {
            JsonNode days = body.get("maxUploadAgeDays");
            if (days == null
                || !days.canConvertToInt()
                || !(days.isInt() || days.isTextual() && days.asText().matches("[0-9]{1,9}"))
                || days.asInt() < 1) {
              c.problem(
                  ProblemCollector.join(p, "maxUploadAgeDays"),
                  "must be a whole number of days, at least 1");
            } else {
              check = new PlatformPolicy.ImageFreshnessCheck(name, allowlist, days.asInt());
            }
          }
          break;
        }
      case "simpleSigningAttestationCheck":
        {
          if (c.object(
              body,
              p,
              Set.of("attestationAuthenticators", "containerAnalysisAttestationProjects"))) {
            List<VerificationKey> keys = new ArrayList<>();
            JsonNode auths = c.array(body, "attestationAuthenticators", p, true);
            String ap = ProblemCollector.join(p, "attestationAuthenticators");
            if (auths != null) {
              for (int i = 0; i < auths.size(); i++) {
                String aPath = ProblemCollector.index(ap, i);
                JsonNode a = auths.get(i);
                if (!c.object(a, aPath, Set.of("displayName", "pkixPublicKeySet"))) {
                  continue;
                }
                JsonNode set = a.get("pkixPublicKeySet");
                String sp = ProblemCollector.join(aPath, "pkixPublicKeySet");
                if (set == null) {
                  c.problem(sp, "is required");
                } else if (c.object(set, sp, Set.of("pkixPublicKeys"))) {
                  JsonNode ks = c.array(set, "pkixPublicKeys", sp, true);
                  for (int k = 0; ks != null && k < ks.size(); k++) {
                    String kp =
                        ProblemCollector.index(ProblemCollector.join(sp, "pkixPublicKeys"), k);
                    JsonNode key = ks.get(k);
                    if (c.object(key, kp, Set.of("publicKeyPem", "signatureAlgorithm", "keyId"))) {
                      String keyId = c.text(key, "keyId", kp, false);
                      AttestorReader.pkixKey(
                              keyId == null ? "" : keyId,
                              c.text(key, "publicKeyPem", kp, true),
                              c.text(key, "signatureAlgorithm", kp, true),
                              kp,
                              c)
                          .ifPresent(keys::add);
                    }
                  }
                }
              }
              if (auths.isEmpty()) {
                c.problem(ap, "needs at least one authenticator");
              }
            }
            c.strings(body, "containerAnalysisAttestationProjects", p, false);
            check = new PlatformPolicy.SimpleSigningAttestationCheck(name, allowlist, keys);
          }
          break;
        }
      case "sigstoreSignatureCheck":
        {
          if (c.object(body, p, Set.of("sigstoreAuthorities"))) {
            List<VerificationKey> keys = new ArrayList<>();
            JsonNode auths = c.array(body, "sigstoreAuthorities", p, true);
            String ap = ProblemCollector.join(p, "sigstoreAuthorities");
            for (int i = 0; auths != null && i < auths.size(); i++) {
              String aPath = ProblemCollector.index(ap, i);
              JsonNode a = auths.get(i);
              if (!c.object(a, aPath, Set.of("displayName", "publicKeySet"))) {
                continue;
              }
              JsonNode set = a.get("publicKeySet");
              String sp = ProblemCollector.join(aPath, "publicKeySet");
              if (set == null) {
                c.problem(sp, "is required (only keyed cosign signatures are supported)");
              } else if (c.object(set, sp, Set.of("publicKeys"))) {
                JsonNode ks = c.array(set, "publicKeys", sp, true);
                for (int k = 0; ks != null && k < ks.size(); k++) {
                  String kp = ProblemCollector.index(ProblemCollector.join(sp, "publicKeys"), k);
                  JsonNode key = ks.get(k);
                  if (c.object(key, kp, Set.of("publicKeyPem"))) {
                    AttestorReader.cosignKey("", c.text(key, "publicKeyPem", kp, true), kp, c)
                        .ifPresent(keys::add);
                  }
                }
              }
            }
            if (auths != null && auths.isEmpty()) {
              c.problem(ap, "needs at least one authority");
            }
            check = new PlatformPolicy.SigstoreSignatureCheck(name, allowlist, keys);
          }
          break;
        }
      case "vulnerabilityCheck":
        {
          if (c.object(
              body,
              p,
              Set.of(
                  "maximumFixableSeverity",
                  "maximumUnfixableSeverity",
                  "allowedCves",
                  "blockedCves",
                  "containerAnalysisVulnerabilityProjects"))) {
            Set<String> unspecified = Set.of("MAXIMUM_ALLOWED_SEVERITY_UNSPECIFIED");
            PlatformPolicy.Threshold fixable =
                c.enumValue(
                    body,
                    "maximumFixableSeverity",
                    p,
                    PlatformPolicy.Threshold.class,
                    true,
                    unspecified);
            PlatformPolicy.Threshold unfixable =
                c.enumValue(
                    body,
                    "maximumUnfixableSeverity",
                    p,
                    PlatformPolicy.Threshold.class,
                    true,
                    unspecified);
            Set<String> allowed = Set.copyOf(c.strings(body, "allowedCves", p, false));
            Set<String> blocked = Set.copyOf(c.strings(body, "blockedCves", p, false));
            c.strings(body, "containerAnalysisVulnerabilityProjects", p, false);
            for (String cve : allowed) {
              if (blocked.contains(cve)) {
                c.problem(p, cve + " is both allowed and blocked");
              }
            }
            if (fixable != null && unfixable != null) {
              check =
                  new PlatformPolicy.VulnerabilityCheck(
                      name, allowlist, fixable, unfixable, allowed, blocked);
            }
          }
          break;
        }
      case "alwaysDeny":
        {
          if (body == null || !body.isBoolean()) {
            c.problem(p, "must be true or false");
          } else if (body.booleanValue()) {
            check = new PlatformPolicy.AlwaysDeny(name, allowlist);
          } else {
            c.warning(p, "alwaysDeny: false checks nothing");
            check = null;
            return Optional.empty();
          }
          break;
        }
      default:
        throw new AssertionError(kind);
    }
    if (c.problems.size() > before || check == null) {
      return Optional.empty();
    }
    return Optional.of(check);
  }
}
