package dev.vigil.validator;

import dev.vigil.schemas.PolicyDocument;
import java.util.List;

/** Wiring of the validator's implementation behind {@link PolicySet} and {@link Evaluator}. */
final class PolicySets {

  private PolicySets() {}

  static PolicySet parse(PolicyDocument policy, PolicyDocument platformPolicy, List<PolicyDocument> attestors)
      throws InvalidPolicyException {
    throw new UnsupportedOperationException("the validator issue implements this");
  }

  static Evaluator evaluator() {
    throw new UnsupportedOperationException("the validator issue implements this");
  }
}
