package dev.vigil.validator;

/** An image reference that does not follow the distribution/reference grammar, with the input. */
public final class InvalidImageReferenceException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String input;

  public InvalidImageReferenceException(String input, String reason) {
    super("invalid image reference \"" + abbreviate(input) + "\": " + reason);
    this.input = input;
  }

  /** The text that failed to parse. */
  public String input() {
    return input;
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}
