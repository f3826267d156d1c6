package dev.vigil.validator;

import dev.vigil.schemas.PolicyDocument;
import java.util.List;

/**
 * The policies in force, parsed and validated once: a Binary Authorization policy, optionally a
 * continuous-validation platform policy, and the attestors they name. Immutable and thread-safe;
 * build a new one when a document changes.
 *
 * <p>Callers (ingest, streams, cli) rely on the signatures of {@link #parse} and {@link #versions};
 * {@link PolicySets} implements them.
 */
public interface PolicySet {

  /**
   * Parses the documents in force.
   *
   * @param policy the Binary Authorization policy (required)
   * @param platformPolicy a continuous-validation platform policy, or {@code null}
   * @param attestors attestor documents, possibly empty
   * @throws InvalidPolicyException listing every problem, when any document cannot be used
   */
  static PolicySet parse(
      PolicyDocument policy, PolicyDocument platformPolicy, List<PolicyDocument> attestors)
      throws InvalidPolicyException {
    return PolicySets.parse(policy, platformPolicy, attestors);
  }

  /**
   * As {@link #parse(PolicyDocument, PolicyDocument, List)}, with rule precedence and system images
   * chosen.
   */
  static PolicySet parse(
      PolicyDocument policy,
      PolicyDocument platformPolicy,
      List<PolicyDocument> attestors,
      PolicyOptions options)
      throws InvalidPolicyException {
    return PolicySets.parse(policy, platformPolicy, attestors, options);
  }

  /** {@code KIND/scope/name@version} of every document used, for verdicts and violations. */
  List<String> versions();

  /**
   * Lint findings: legal but probably unintended ({@code **} patterns without a directory boundary,
   * attestors the policy names but nobody supplied, ...). Never a reason to reject.
   */
  default List<InvalidPolicyException.Problem> warnings() {
    return List.of();
  }
}
