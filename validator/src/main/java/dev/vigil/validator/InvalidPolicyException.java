package dev.vigil.validator;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A policy, attestor or platform policy that cannot be used, with every problem found. A policy
 * that fails to parse is never treated as "allow all": the caller keeps the last good one.
 */
public class InvalidPolicyException extends Exception {

  private static final long serialVersionUID = 1L;

  /** One problem: where in the document ({@code defaultAdmissionRule.evaluationMode}) and what. */
  public record Problem(String path, String message) {
    @Override
    public String toString() {
      return path + ": " + message;
    }
  }

  private final String document;
  private final transient List<Problem> problems;

  public InvalidPolicyException(String document, List<Problem> problems) {
    super(
        document
            + ": "
            + problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
    this.document = document;
    this.problems = List.copyOf(problems);
  }

  /** Which document (a file name or a policy key). */
  public String document() {
    return document;
  }

  /** Every problem found, in document order. */
  public List<Problem> problems() {
    return problems;
  }
}
