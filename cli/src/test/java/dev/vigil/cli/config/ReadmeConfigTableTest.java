package dev.vigil.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.settings.Setting;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration table is the declared settings, row for row: flag, variable, file key,
 * default, meaning, and which commands read each key (a shared config file's other keys are left to
 * them). To write the table from the declarations after adding or changing a setting: run this test
 * with {@code -Dvigil.update-config-table=true} and review the diff.
 */
class ReadmeConfigTableTest {

  static final Path README = Path.of("..", "README.md");
  static final String HEADER =
      "| flag | environment | file key | default | meaning | read by |\n|---|---|---|---|---|---|\n";

  /** The table's rows as the declarations say they must be. */
  static List<String> declaredRows() {
    List<String> rows = new ArrayList<>();
    for (Setting<?> s : CommandSettings.run()) {
      List<String> readBy = new ArrayList<>(List.of("run"));
      if (CommandSettings.ingest().contains(s)) {
        readBy.add("ingest");
      }
      if (CommandSettings.streams().contains(s)) {
        readBy.add("streams");
      }
      String def = s.defaultValue() == null ? "—" : "`" + s.defaultValue() + "`";
      rows.add(
          "| `"
              + s.flag()
              + "` | `"
              + s.env()
              + "` | `"
              + s.key()
              + "` | "
              + def
              + " | "
              + s.doc()
              + " | "
              + String.join(", ", readBy)
              + " |");
    }
    return rows;
  }

  @Test
  void readmeTableIsTheDeclaredSettings() throws Exception {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    int start = readme.indexOf(HEADER);
    assertTrue(
        start >= 0, "README.md must hold the configuration table, starting with:\n" + HEADER);
    int rowsStart = start + HEADER.length();
    int rowsEnd = readme.indexOf("\n\n", rowsStart);
    List<String> documented = List.of(readme.substring(rowsStart, rowsEnd).split("\n"));
    List<String> declared = declaredRows();

    if (Boolean.getBoolean("vigil.update-config-table") && !declared.equals(documented)) {
      Files.writeString(
          README,
          readme.substring(0, rowsStart) + String.join("\n", declared) + readme.substring(rowsEnd),
          StandardCharsets.UTF_8);
      return;
    }
    assertEquals(
        String.join("\n", declared),
        String.join("\n", documented),
        "README.md's configuration table differs from the declared settings (KafkaSettings, IngestSettings, "
            + "StreamsSettings, ProcessSettings); run ReadmeConfigTableTest with -Dvigil.update-config-table=true");
  }

  @Test
  void everyDeclaredKeyFlagAndVariableIsUnique() {
    List<Setting<?>> all = CommandSettings.run();

    assertEquals(
        all.size(),
        all.stream().map(Setting::key).distinct().count(),
        "a file key is declared twice");
    assertEquals(
        all.size(), all.stream().map(Setting::flag).distinct().count(), "a flag is declared twice");
    assertEquals(
        all.size(),
        all.stream().map(Setting::env).distinct().count(),
        "a variable is declared twice");
  }
}
