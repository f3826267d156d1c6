package dev.vigil.cli.replay;

import java.nio.file.Path;

/** An input {@code vigil replay} cannot use: the file, the field, what is wrong (exit 2). */
public final class ReplayInputException extends Exception {
  private static final long serialVersionUID = 1L;

  public ReplayInputException(Path file, String field, String message) {
    super(
        file
            + ": "
            + (field == null || field.isEmpty() ? "" : field + ": ")
            + (message == null ? "unusable" : message.replace('\n', ' ').replace('\r', ' ')));
  }
}
