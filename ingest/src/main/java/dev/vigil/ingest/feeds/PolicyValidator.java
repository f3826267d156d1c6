package dev.vigil.ingest.feeds;

import dev.vigil.schemas.PolicyDocument;
import dev.vigil.validator.InvalidPolicyException;
import dev.vigil.validator.InvalidPolicyException.Problem;
import dev.vigil.validator.PolicySet;
import java.time.Instant;
import java.util.List;

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
   * published separately.
   */
  static PolicyValidator standard() {
    return Standard::validate;
  }

  /** Implementation of {@link #standard()}. */
  final class Standard {

    private static final String ALLOW_ALL =
        "defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n"
            + "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";

    private Standard() {}

    static void validate(PolicyDocument doc) throws InvalidPolicyException {
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
    }

    private static PolicyDocument allowAll(PolicyDocument doc) {
      return PolicyDocument.of(
          doc.scope(),
          PolicyDocument.Kind.BINAUTHZ_POLICY,
          "vigil/allow-all-for-validation",
          1,
          PolicyDocument.Format.YAML,
          ALLOW_ALL,
          "ingest",
          Instant.EPOCH);
    }
  }
}
