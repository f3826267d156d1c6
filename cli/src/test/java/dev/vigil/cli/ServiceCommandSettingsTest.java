package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.cli.config.CommandSettings;
import dev.vigil.cli.config.Config;
import dev.vigil.cli.config.ProcessSettings;
import dev.vigil.cli.config.SettingOptions;
import dev.vigil.ingest.app.IngestSettings;
import dev.vigil.schemas.settings.KafkaSettings;
import dev.vigil.schemas.settings.Setting;
import dev.vigil.streams.StreamsSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The long-running commands take the settings the modules declare: every key reaches the part that
 * reads it through the real command line, and a Kafka client config cannot reset one.
 */
class ServiceCommandSettingsTest {

  @TempDir Path dir;

  /** The configuration {@code vigil COMMAND ARGS...} resolves, without starting anything. */
  static Config resolve(String command, List<Setting<?>> settings, String... args) {
    List<String> line = new ArrayList<>(List.of(command));
    line.addAll(List.of(args));
    CommandLine.ParseResult parsed = Vigil.commandLine().parseArgs(line.toArray(String[]::new));
    return SettingOptions.resolve(parsed.subcommand().commandSpec(), settings, Map.of());
  }

  /**
   * A value of {@code s} other than its default: a duration, a number, a switch, a severity entry
   * or a word of a choice.
   */
  static String otherValue(Setting<?> s) {
    for (String candidate : List.of("7m", "7", "false", "DENY=critical", "all")) {
      try {
        Object v = s.parser().parse(candidate);
        if (s.defaultValue() == null || !v.equals(s.parser().parse(s.defaultValue()))) {
          return candidate;
        }
      } catch (IllegalArgumentException e) {
        // try the next
      }
    }
    throw new AssertionError(
        "no test value for " + s.key() + ": add a candidate that its parser accepts");
  }

  @Test
  void everyStreamsKeyGivenToVigilStreamsChangesTheStreamsSettings() {
    StreamsSettings defaults =
        ServiceCommand.streamsSettings(
            resolve("streams", CommandSettings.streams(), "--bootstrap-servers", "k:9092"),
            "k:9092");

    for (Setting<?> s : StreamsSettings.SETTINGS) {
      Config config =
          resolve(
              "streams",
              CommandSettings.streams(),
              "--bootstrap-servers",
              "k:9092",
              s.flag(),
              otherValue(s));
      StreamsSettings given = ServiceCommand.streamsSettings(config, "k:9092");

      assertNotEquals(
          defaults, given, s.flag() + " did not reach the streams settings of vigil streams");
    }
  }

  @Test
  void vigilRunTakesEveryStreamsAndIngestKeyAndVigilIngestNoStreamsKey() {
    assertTrue(CommandSettings.run().containsAll(StreamsSettings.SETTINGS));
    assertTrue(CommandSettings.run().containsAll(IngestSettings.SETTINGS));
    assertTrue(CommandSettings.ingest().containsAll(IngestSettings.SETTINGS));
    assertTrue(StreamsSettings.SETTINGS.stream().noneMatch(CommandSettings.ingest()::contains));
    assertTrue(IngestSettings.SETTINGS.stream().noneMatch(CommandSettings.streams()::contains));
  }

  @Test
  void everyDeclaredSettingIsInItsModulesList() throws Exception {
    List<String> missing = new ArrayList<>();
    for (Class<?> declaring :
        List.of(
            KafkaSettings.class,
            IngestSettings.class,
            StreamsSettings.class,
            ProcessSettings.class)) {
      for (Field f : declaring.getFields()) {
        if (Modifier.isStatic(f.getModifiers())
            && f.getType() == Setting.class
            && !CommandSettings.run().contains(f.get(null))) {
          missing.add(declaring.getSimpleName() + "." + f.getName());
        }
      }
    }

    assertEquals(
        List.of(), missing, "declared but in no command: add them to their class's SETTINGS list");
  }

  @Test
  void numStreamThreadsInTheKafkaClientConfigStopsStartUpNamingTheSettingToUse() throws Exception {
    Path clientConfig =
        Files.writeString(
            dir.resolve("client.properties"),
            "security.protocol=PLAINTEXT\nnum.stream.threads=4\n");
    StringWriter err = new StringWriter();

    int exit =
        Vigil.execute(
            new PrintWriter(new StringWriter()),
            new PrintWriter(err, true),
            "streams",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--kafka-config",
            clientConfig.toString(),
            "--data-dir",
            dir.resolve("data").toString(),
            "--metrics-listen",
            "127.0.0.1:0");

    assertEquals(2, exit, err.toString());
    assertTrue(err.toString().contains("num.stream.threads=4"), err.toString());
    assertTrue(err.toString().contains("--stream-threads"), err.toString());
  }

  @Test
  void streamThreadsGivenAsASettingReachNumStreamThreads() {
    Config config =
        resolve(
            "streams",
            CommandSettings.streams(),
            "--bootstrap-servers",
            "k:9092",
            "--stream-threads",
            "3");

    assertEquals(
        3,
        ServiceCommand.streamsSettings(config, "k:9092")
            .streamsProperties()
            .get("num.stream.threads"));
  }
}
