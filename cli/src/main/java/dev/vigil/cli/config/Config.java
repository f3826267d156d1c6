package dev.vigil.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.schemas.settings.Setting;
import dev.vigil.schemas.settings.SettingValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Resolved configuration: each {@link Setting} takes its value from the command line, else the YAML
 * config file, else the environment, else its default. Every value is parsed and checked at
 * start-up; the first problem stops start-up with a message naming the key and where it came from.
 * One file may be shared by several Vigil commands: keys that belong to another command ({@code
 * kube.watch} read by {@code vigil streams}) are set aside and reported by {@link #foreignKeys()};
 * keys no command knows are refused (a typo must not silently fall back to a default).
 */
public final class Config implements SettingValues {

  /** Where a value came from. */
  public enum Source {
    FLAG,
    FILE,
    ENV,
    DEFAULT
  }

  /** A value and its source. */
  public record Value(Object value, Source source, String text) {}

  private static final long MAX_CONFIG_BYTES = 1024 * 1024;

  private final Map<Setting<?>, Value> values;
  private final List<String> foreignKeys;

  private Config(Map<Setting<?>, Value> values, List<String> foreignKeys) {
    this.values = values;
    this.foreignKeys = List.copyOf(foreignKeys);
  }

  /**
   * Resolves {@code settings}.
   *
   * @param flags values given on the command line, by setting key (absent when not given)
   * @param file the YAML config file, or {@code null}
   * @param env the environment
   */
  public static Config resolve(
      List<Setting<?>> settings, Map<String, String> flags, Path file, Map<String, String> env) {
    return resolve(settings, List.of(), flags, file, env);
  }

  /**
   * Resolves {@code settings} from a file that may also hold {@code otherCommandsSettings}: those
   * keys are not read, and listed by {@link #foreignKeys()}.
   */
  public static Config resolve(
      List<Setting<?>> settings,
      List<Setting<?>> otherCommandsSettings,
      Map<String, String> flags,
      Path file,
      Map<String, String> env) {
    Map<String, String> fromFile = file == null ? Map.of() : readFile(file);
    List<String> own = settings.stream().map(Setting::key).toList();
    List<String> others =
        otherCommandsSettings.stream().map(Setting::key).filter(k -> !own.contains(k)).toList();
    List<String> foreign = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String k : fromFile.keySet()) {
      if (others.contains(k)) {
        foreign.add(k);
      } else if (!own.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException(
          file
              + ": unknown settings "
              + unknown
              + " (known: "
              + own
              + (others.isEmpty() ? "" : ", and of other vigil commands: " + others)
              + ")");
    }
    Map<Setting<?>, Value> values = new LinkedHashMap<>();
    for (Setting<?> s : settings) {
      String text;
      Source source;
      if (flags.get(s.key()) != null) {
        text = flags.get(s.key());
        source = Source.FLAG;
      } else if (fromFile.get(s.key()) != null) {
        text = fromFile.get(s.key());
        source = Source.FILE;
      } else if (env.get(s.env()) != null && !env.get(s.env()).isEmpty()) {
        text = env.get(s.env());
        source = Source.ENV;
      } else {
        text = s.defaultValue();
        source = Source.DEFAULT;
      }
      Object parsed = null;
      if (text != null) {
        try {
          parsed = s.parser().parse(text.trim());
        } catch (IllegalArgumentException e) {
          throw new ConfigException(describe(s, source, file) + ": " + e.getMessage());
        }
      }
      values.put(s, new Value(parsed, source, text));
    }
    return new Config(values, foreign);
  }

  /** Keys of the config file that belong to other Vigil commands and were not read. */
  public List<String> foreignKeys() {
    return foreignKeys;
  }

  /** The value of {@code setting}, if it has one. */
  @Override
  @SuppressWarnings("unchecked")
  public <T> Optional<T> get(Setting<T> setting) {
    Value v = values.get(setting);
    if (v == null) {
      throw new IllegalArgumentException("setting " + setting.key() + " was not resolved");
    }
    return Optional.ofNullable((T) v.value());
  }

  /**
   * Where each setting's value came from, for a start-up log line (values of secrets are not in
   * it).
   */
  public Map<String, Source> sources() {
    Map<String, Source> m = new LinkedHashMap<>();
    values.forEach((s, v) -> m.put(s.key(), v.source()));
    return m;
  }

  private static String describe(Setting<?> s, Source source, Path file) {
    switch (source) {
      case FLAG:
        return s.flag();
      case FILE:
        return s.key() + " in " + file;
      case ENV:
        return s.env();
      default:
        return s.key() + " (default)";
    }
  }

  private static Map<String, String> readFile(Path file) {
    try {
      if (Files.size(file) > MAX_CONFIG_BYTES) {
        throw new ConfigException(file + ": larger than " + MAX_CONFIG_BYTES + " bytes");
      }
      JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
      Map<String, String> flat = new LinkedHashMap<>();
      if (root != null && !root.isNull() && !root.isMissingNode()) {
        if (!root.isObject()) {
          throw new ConfigException(file + ": must be a YAML mapping of settings");
        }
        flatten("", root, flat, file);
      }
      return flat;
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      JsonNode v = e.getValue();
      if (v.isObject()) {
        flatten(key, v, out, file);
      } else if (v.isArray()) {
        List<String> items = new ArrayList<>();
        v.forEach(i -> items.add(i.asText()));
        out.put(key, String.join(",", items));
      } else if (!v.isNull()) {
        out.put(key, v.asText());
      }
    }
  }
}
