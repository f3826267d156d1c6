package dev.vigil.ingest.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.validator.InvalidPolicyException;
import dev.vigil.validator.InvalidPolicyException.Problem;
import dev.vigil.validator.PolicySet;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Decides whether a policy document may be published. */
@FunctionalInterface
public interface PolicyValidator {

  /**
   * @throws InvalidPolicyException listing every problem, when the document must not be published
   */
  void validate(PolicyDocument document) throws InvalidPolicyException;

  /**
   * The validator module's own parser ({@link PolicySet#parse}): a Binary Authorization policy on
   * its own, a platform policy or an attestor beside an allow-all policy. Attestors a policy names
   * but that were not supplied are warnings there, not errors, so policies and attestors can be
   * published separately. While the validator module still throws {@link
   * UnsupportedOperationException} (its implementation not merged yet), a structural check stands
   * in, and says so once in the log.
   */
  static PolicyValidator standard() {
    return Standard.INSTANCE::validate;
  }

  /** The structural check alone: readable YAML/JSON with the fields each kind requires. */
  static PolicyValidator structural() {
    return Standard::structural;
  }

  /** Implementation of {@link #standard()}. */
  final class Standard {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyValidator.class);
    private static final Standard INSTANCE = new Standard();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> EVALUATION = Set.of("ALWAYS_ALLOW", "ALWAYS_DENY", "REQUIRE_ATTESTATION");
    private static final Set<String> ENFORCEMENT = Set.of("ENFORCED_BLOCK_AND_AUDIT_LOG", "DRYRUN_AUDIT_LOG_ONLY");
    private static final String ALLOW_ALL = "defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n"
        + "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";
    private final AtomicBoolean warned = new AtomicBoolean();

    private Standard() {}

    void validate(PolicyDocument doc) throws InvalidPolicyException {
      try {
        switch (doc.kind()) {
          case BINAUTHZ_POLICY:
            PolicySet.parse(doc, null, List.of());
            break;
          case PLATFORM_POLICY:
            PolicySet.parse(allowAll(doc), doc, List.of());
            break;
          case ATTESTOR:
            PolicySet.parse(allowAll(doc), null, List.of(doc));
            break;
          default:
            throw new InvalidPolicyException(doc.key(), List.of(new Problem("kind", "unknown kind")));
        }
      } catch (UnsupportedOperationException e) {
        if (warned.compareAndSet(false, true)) {
          LOG.warn("the validator module cannot parse policies in this build; checking structure only");
        }
        structural(doc);
      }
    }

    private static PolicyDocument allowAll(PolicyDocument doc) {
      byte[] content = ALLOW_ALL.getBytes(StandardCharsets.UTF_8);
      String sha;
      try {
        sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      return new PolicyDocument(doc.scope(), PolicyDocument.Kind.BINAUTHZ_POLICY, "vigil/allow-all-for-validation",
          1, PolicyDocument.Format.YAML, ALLOW_ALL, sha, "ingest", Instant.EPOCH);
    }

    static void structural(PolicyDocument doc) throws InvalidPolicyException {
      JsonNode root;
      try {
        root = (doc.format() == PolicyDocument.Format.JSON ? Json.mapper() : YAML).readTree(doc.content());
      } catch (Exception e) {
        throw new InvalidPolicyException(doc.key(), List.of(new Problem("", "not readable "
            + doc.format() + ": " + firstLine(e.getMessage()))));
      }
      List<Problem> problems = new ArrayList<>();
      if (root == null || !root.isObject()) {
        problems.add(new Problem("", "expected a mapping at the top"));
      } else {
        switch (doc.kind()) {
          case BINAUTHZ_POLICY:
            if (!root.has("defaultAdmissionRule")) {
              problems.add(new Problem("defaultAdmissionRule", "required"));
            } else {
              rule("defaultAdmissionRule", root.get("defaultAdmissionRule"), problems);
            }
            for (String rules : List.of("clusterAdmissionRules", "kubernetesNamespaceAdmissionRules",
                "kubernetesServiceAccountAdmissionRules", "istioServiceIdentityAdmissionRules")) {
              JsonNode map = root.get(rules);
              if (map != null && map.isObject()) {
                map.fields().forEachRemaining(e -> rule(rules + "." + e.getKey(), e.getValue(), problems));
              } else if (map != null && !map.isNull()) {
                problems.add(new Problem(rules, "expected a mapping"));
              }
            }
            break;
          case PLATFORM_POLICY:
            if (!root.path("gkePolicy").isObject()) {
              problems.add(new Problem("gkePolicy", "required mapping"));
            }
            break;
          case ATTESTOR:
            if (!root.path("name").isTextual()) {
              problems.add(new Problem("name", "required"));
            }
            break;
          default:
            problems.add(new Problem("kind", "unknown kind"));
        }
      }
      if (!problems.isEmpty()) {
        throw new InvalidPolicyException(doc.key(), problems);
      }
    }

    private static void rule(String path, JsonNode rule, List<Problem> problems) {
      if (!rule.isObject()) {
        problems.add(new Problem(path, "expected a mapping"));
        return;
      }
      String eval = rule.path("evaluationMode").asText("");
      String enf = rule.path("enforcementMode").asText("");
      if (!EVALUATION.contains(eval)) {
        problems.add(new Problem(path + ".evaluationMode", "must be one of " + EVALUATION + ", not '" + eval + "'"));
      }
      if (!ENFORCEMENT.contains(enf)) {
        problems.add(new Problem(path + ".enforcementMode", "must be one of " + ENFORCEMENT + ", not '" + enf + "'"));
      }
      if (eval.equals("REQUIRE_ATTESTATION") && rule.path("requireAttestationsBy").size() == 0) {
        problems.add(new Problem(path + ".requireAttestationsBy", "required with REQUIRE_ATTESTATION"));
      }
    }

    private static String firstLine(String s) {
      return s == null ? "" : s.lines().findFirst().orElse("");
    }
  }
}
