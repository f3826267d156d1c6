package dev.vigil.schemas.settings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Resolved values of declared {@link Setting}s, already parsed and checked. The CLI resolves them
 * from flags, a config file and the environment; {@link #parse} builds them from text by key
 * (tests, and commands that fix some values themselves). A module reads its typed settings from
 * here and never sees flags or environment variables.
 */
public interface SettingValues {

  /**
   * The value of {@code setting}, empty when it has neither a value nor a default.
   *
   * @throws IllegalArgumentException when {@code setting} was not among the resolved settings
   */
  <T> Optional<T> get(Setting<T> setting);

  /** The value of {@code setting}; it must have one. */
  default <T> T require(Setting<T> setting) {
    return get(setting)
        .orElseThrow(
            () ->
                new SettingException(
                    setting.key()
                        + " is required: give "
                        + setting.flag()
                        + ", set "
                        + setting.env()
                        + ", or write it in the config file"));
  }

  /**
   * Parses {@code declared} from {@code textByKey} (missing keys take their defaults); a value that
   * does not parse fails naming the key: {@code streams.threads=x: 'x' is not ...}. Keys that are
   * not declared are refused.
   */
  static SettingValues parse(List<? extends Setting<?>> declared, Map<String, String> textByKey) {
    Map<String, Setting<?>> byKey = new LinkedHashMap<>();
    declared.forEach(s -> byKey.put(s.key(), s));
    for (String k : textByKey.keySet()) {
      if (!byKey.containsKey(k)) {
        throw new SettingException("unknown setting " + k + " (known: " + byKey.keySet() + ")");
      }
    }
    Map<Setting<?>, Object> values = new LinkedHashMap<>();
    for (Setting<?> s : declared) {
      String text = textByKey.get(s.key());
      if (text == null) {
        text = s.defaultValue();
      }
      if (text != null) {
        try {
          values.put(s, s.parser().parse(text.trim()));
        } catch (IllegalArgumentException e) {
          throw new SettingException(s.key() + "=" + text + ": " + e.getMessage());
        }
      } else {
        values.put(s, null);
      }
    }
    return new SettingValues() {
      @Override
      @SuppressWarnings("unchecked")
      public <T> Optional<T> get(Setting<T> setting) {
        if (!values.containsKey(setting)) {
          throw new IllegalArgumentException("setting " + setting.key() + " was not resolved");
        }
        return Optional.ofNullable((T) values.get(setting));
      }
    };
  }
}
