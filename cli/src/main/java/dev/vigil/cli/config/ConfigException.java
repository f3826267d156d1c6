package dev.vigil.cli.config;

import dev.vigil.schemas.settings.SettingException;

/**
 * A configuration value that cannot be used, found while resolving flags, file and environment; the
 * message names the key, its source and why.
 */
public class ConfigException extends SettingException {

  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
