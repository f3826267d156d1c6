package dev.vigil.cli.config;

import dev.vigil.schemas.settings.Parsers;
import dev.vigil.schemas.settings.Setting;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Turns {@link Setting} declarations into picocli options, and the parsed flags back into values.
 */
public final class SettingOptions {

  /** The option naming the YAML config file. */
  public static final String CONFIG_FLAG = "--config";

  private SettingOptions() {}

  /** Adds one option per setting, plus {@code --config FILE}. */
  public static void addTo(CommandSpec spec, List<Setting<?>> settings) {
    spec.addOption(
        OptionSpec.builder(CONFIG_FLAG)
            .paramLabel("FILE")
            .type(Path.class)
            .description(
                "YAML config file (flags win over it; it wins over VIGIL_* environment variables).")
            .build());
    for (Setting<?> s : settings) {
      String def = s.defaultValue() == null ? "" : " (default: " + s.defaultValue() + ")";
      OptionSpec.Builder option =
          OptionSpec.builder(s.flag())
              .paramLabel(label(s))
              .type(String.class)
              .description(s.doc() + def + "; env " + s.env() + ", file key " + s.key() + ".");
      if (s.parser() == Parsers.BOOL) {
        option.arity("0..1").fallbackValue("true").paramLabel("true|false");
      }
      spec.addOption(option.build());
    }
  }

  /**
   * Resolves the settings from the parsed command line, the config file and the environment. The
   * file may also hold settings of the other Vigil commands (one file for a whole deployment):
   * those are left to them.
   */
  public static Config resolve(
      CommandSpec spec, List<Setting<?>> settings, Map<String, String> env) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (Setting<?> s : settings) {
      OptionSpec o = spec.findOption(s.flag());
      if (o != null && o.getValue() != null) {
        flags.put(s.key(), o.getValue());
      }
    }
    Path file = spec.findOption(CONFIG_FLAG).getValue();
    return Config.resolve(settings, CommandSettings.run(), flags, file, env);
  }

  private static String label(Setting<?> s) {
    String flag = s.flag().substring(2);
    return flag.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
  }
}
