package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.apache.kafka.streams.Topology;
import org.junit.jupiter.api.Test;

/**
 * Pins {@code topology.describe()} to the copy in {@code docs/streams-topology.md}, so a change of
 * processor, store or internal topic names (which would orphan state and internal topics on
 * upgrade) is always a deliberate one. To accept a change: run with {@code
 * -Dvigil.update-topology-doc=true} and review the diff.
 */
class TopologyDescriptionTest {

  static final Path DOC = Path.of("..", "docs", "streams-topology.md");
  static final String BEGIN = "<!-- topology:begin -->\n```text\n";
  static final String END = "```\n<!-- topology:end -->";

  static String describe() {
    StreamsSettings s = StreamsSettings.defaults("127.0.0.1:9", Path.of("target", "unused"));
    Topology t =
        VigilTopology.build(
            s,
            ValidationEngine.standard(),
            new VigilMetrics(new SimpleMeterRegistry(), Clock.systemUTC()));
    return t.describe().toString();
  }

  @Test
  void theTopologyIsTheOneDocumented() throws Exception {
    String actual = describe();
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    int b = doc.indexOf(BEGIN);
    int e = doc.indexOf(END);
    assertTrue(b >= 0 && e > b, DOC + " must hold the description between the topology markers");
    String documented = doc.substring(b + BEGIN.length(), e);
    if (Boolean.getBoolean("vigil.update-topology-doc") && !documented.equals(actual)) {
      Files.writeString(
          DOC,
          doc.substring(0, b + BEGIN.length()) + actual + doc.substring(e),
          StandardCharsets.UTF_8);
      documented = actual;
    }
    assertEquals(
        documented,
        actual,
        "the topology changed: if intended, run with -Dvigil.update-topology-doc=true and review docs/streams-topology.md");
  }

  @Test
  void everyInternalResourceIsNamedExplicitly() {
    String d = describe();
    assertTrue(!d.contains("KSTREAM-") && !d.contains("KTABLE-"), "generated names in:\n" + d);
  }
}
