package dev.vigil.cli.config;

/** A configuration value that cannot be used; the message names the key, its source and why. */
public class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
