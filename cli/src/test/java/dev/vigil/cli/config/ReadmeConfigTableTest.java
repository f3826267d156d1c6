package dev.vigil.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration table says what the code declares: every setting, flag, variable,
 * default, and which commands read it (a shared config file's other keys are left to them).
 */
class ReadmeConfigTableTest {

  @Test
  void readmeTableMatchesTheDeclaredSettings() throws Exception {
    List<String> readme = Files.readAllLines(Path.of("../README.md")).stream()
        .filter(l -> l.startsWith("| `--"))
        .map(l -> {
          String[] cells = l.split("\\|");
          return String.join(" ", cells[1].trim(), cells[2].trim(), cells[3].trim(), cells[4].trim(),
              cells[6].trim());
        })
        .toList();
    List<String> declared = new ArrayList<>();
    for (Setting<?> s : RunSettings.run()) {
      String def = s.defaultValue() == null ? "—" : "`" + s.defaultValue() + "`";
      List<String> readBy = new ArrayList<>(List.of("run"));
      if (RunSettings.ingest().contains(s)) {
        readBy.add("ingest");
      }
      if (RunSettings.streams().contains(s)) {
        readBy.add("streams");
      }
      declared.add(String.join(" ", "`" + s.flag() + "`", "`" + s.env() + "`", "`" + s.key() + "`", def,
          String.join(", ", readBy)));
    }

    assertEquals(declared, readme);
  }
}
