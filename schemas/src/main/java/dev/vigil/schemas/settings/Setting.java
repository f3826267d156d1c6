package dev.vigil.schemas.settings;

import java.util.Objects;

/**
 * One configuration key, declared once by the module that reads it: its YAML path, command-line
 * flag, environment variable, default, parser and documentation. The CLI derives its options and
 * the README's configuration table is checked against these declarations.
 *
 * @param key dotted path in the YAML config file, e.g. {@code kafka.bootstrap-servers}
 * @param defaultValue the default as it would be written, or {@code null} when there is none
 */
public record Setting<T>(
    String key, String flag, String env, Parser<T> parser, String defaultValue, String doc) {

  /** Turns the text of a value into a typed value, or throws with a reason. */
  @FunctionalInterface
  public interface Parser<T> {
    T parse(String text) throws IllegalArgumentException;
  }

  public Setting {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(flag, "flag");
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(parser, "parser");
    Objects.requireNonNull(doc, "doc");
  }
}
