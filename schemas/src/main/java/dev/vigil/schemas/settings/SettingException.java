package dev.vigil.schemas.settings;

/**
 * A setting whose value cannot be used, or settings that contradict each other; the message names
 * the key (or flag), where the value came from when known, and why. A command prints it in one line
 * and exits 2.
 */
public class SettingException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public SettingException(String message) {
    super(message);
  }
}
