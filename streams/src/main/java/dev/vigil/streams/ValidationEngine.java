package dev.vigil.streams;

import dev.vigil.schemas.PolicyDocument;
import dev.vigil.validator.Evaluator;
import dev.vigil.validator.InvalidPolicyException;
import dev.vigil.validator.PolicySet;
import java.util.List;
import java.util.Objects;

/**
 * The validator as the topology uses it: how policy documents become a {@link PolicySet} and the
 * {@link Evaluator} that judges pods. Production uses {@link #standard()}.
 */
public record ValidationEngine(Parser parser, Evaluator evaluator) {

  /** Turns the documents in force into a policy set, or says why they cannot be used. */
  @FunctionalInterface
  public interface Parser {
    PolicySet parse(
        PolicyDocument policy, PolicyDocument platformPolicy, List<PolicyDocument> attestors)
        throws InvalidPolicyException;
  }

  public ValidationEngine {
    Objects.requireNonNull(parser, "parser");
    Objects.requireNonNull(evaluator, "evaluator");
  }

  /** The real validator: {@link PolicySet#parse} and {@link Evaluator#create()}. */
  public static ValidationEngine standard() {
    return new ValidationEngine(PolicySet::parse, Evaluator.create());
  }
}
