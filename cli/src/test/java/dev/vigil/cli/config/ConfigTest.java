package dev.vigil.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.settings.Parsers;
import dev.vigil.schemas.settings.Setting;
import dev.vigil.schemas.settings.SettingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {

  static final Setting<String> SERVERS =
      new Setting<>(
          "kafka.bootstrap-servers",
          "--bootstrap-servers",
          "VIGIL_BOOTSTRAP_SERVERS",
          Parsers::string,
          null,
          "Kafka");
  static final Setting<Duration> INTERVAL =
      new Setting<>(
          "streams.reevaluation-interval",
          "--reevaluation-interval",
          "VIGIL_REEVALUATION_INTERVAL",
          Parsers::duration,
          "1h",
          "interval");
  static final List<Setting<?>> ALL = List.of(SERVERS, INTERVAL);

  @TempDir Path dir;

  Path file(String yaml) throws Exception {
    Path f = dir.resolve("vigil.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void flagBeatsFileBeatsEnvironmentBeatsDefault() throws Exception {
    Path f = file("kafka:\n  bootstrap-servers: file:9092\n");
    Map<String, String> env =
        Map.of("VIGIL_BOOTSTRAP_SERVERS", "env:9092", "VIGIL_REEVALUATION_INTERVAL", "5m");

    assertEquals(
        "flag:9092",
        Config.resolve(ALL, Map.of(SERVERS.key(), "flag:9092"), f, env).require(SERVERS));
    assertEquals("file:9092", Config.resolve(ALL, Map.of(), f, env).require(SERVERS));
    assertEquals("env:9092", Config.resolve(ALL, Map.of(), null, env).require(SERVERS));
    assertEquals(Duration.ofMinutes(5), Config.resolve(ALL, Map.of(), f, env).require(INTERVAL));
    assertEquals(
        Duration.ofHours(1), Config.resolve(ALL, Map.of(), null, Map.of()).require(INTERVAL));
    assertTrue(Config.resolve(ALL, Map.of(), null, Map.of()).get(SERVERS).isEmpty());
  }

  @Test
  void badValueNamesTheKeyAndWhereItCameFrom() throws Exception {
    ConfigException fromEnv =
        assertThrows(
            ConfigException.class,
            () ->
                Config.resolve(ALL, Map.of(), null, Map.of("VIGIL_REEVALUATION_INTERVAL", "soon")));
    ConfigException fromFile =
        assertThrows(
            ConfigException.class,
            () ->
                Config.resolve(
                    ALL, Map.of(), file("streams:\n  reevaluation-interval: -5m\n"), Map.of()));

    assertTrue(
        fromEnv.getMessage().startsWith("VIGIL_REEVALUATION_INTERVAL: 'soon' is not a duration"),
        fromEnv.getMessage());
    assertTrue(
        fromFile.getMessage().contains("streams.reevaluation-interval in "), fromFile.getMessage());
  }

  @Test
  void unknownKeyInTheFileIsRefused() throws Exception {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                Config.resolve(
                    ALL, Map.of(), file("kafka:\n  bootstrap-server: typo:9092\n"), Map.of()));

    assertTrue(e.getMessage().contains("kafka.bootstrap-server"), e.getMessage());
  }

  @Test
  void keysOfAnotherCommandInASharedFileAreLeftToItButTyposAreStillRefused() throws Exception {
    Setting<Boolean> watch =
        new Setting<>("kube.watch", "--watch", "VIGIL_KUBE_WATCH", Parsers.BOOL, "true", "w");
    Path shared = file("kafka:\n  bootstrap-servers: file:9092\nkube:\n  watch: false\n");

    Config streams = Config.resolve(ALL, List.of(watch), Map.of(), shared, Map.of());
    ConfigException typo =
        assertThrows(
            ConfigException.class,
            () ->
                Config.resolve(
                    ALL, List.of(watch), Map.of(), file("kube:\n  wach: false\n"), Map.of()));

    assertEquals("file:9092", streams.require(SERVERS));
    assertEquals(List.of("kube.watch"), streams.foreignKeys());
    assertTrue(typo.getMessage().contains("unknown settings [kube.wach]"), typo.getMessage());
  }

  @Test
  void missingRequiredValueSaysHowToGiveIt() {
    SettingException e =
        assertThrows(
            SettingException.class,
            () -> Config.resolve(ALL, Map.of(), null, Map.of()).require(SERVERS));

    assertTrue(
        e.getMessage().contains("--bootstrap-servers")
            && e.getMessage().contains("VIGIL_BOOTSTRAP_SERVERS"));
  }

  @Test
  void parsersAcceptTheDocumentedForms() {
    assertEquals(Duration.ofSeconds(90), Parsers.duration("90s"));
    assertEquals(Duration.ofHours(1), Parsers.duration("PT1H"));
    assertEquals(4L * 1024 * 1024, Parsers.bytes("4MiB"));
    assertEquals(8443, Parsers.address("0.0.0.0:8443").getPort());
    assertThrows(IllegalArgumentException.class, () -> Parsers.address("host:99999"));
    assertEquals(List.of("a", "b"), Parsers.list("a, b,"));
  }
}
