package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
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
    Topology t = VigilTopology.build(s, ValidationEngine.standard(),
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
      Files.writeString(DOC, doc.substring(0, b + BEGIN.length()) + actual + doc.substring(e), StandardCharsets.UTF_8);
      documented = actual;
    }
    assertEquals(documented, actual,
        "the topology changed: if intended, run with -Dvigil.update-topology-doc=true and review docs/streams-topology.md");
  }

  @Test
  void everyInternalResourceIsNamedExplicitly() {
    String d = describe();
    assertTrue(!d.contains("KSTREAM-") && !d.contains("KTABLE-"), "generated names in:\n" + d);
  }

  @Test
  void theConfigurationTableListsEveryKeyWithItsDefault() throws Exception {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    for (StreamsSettings.Key k : StreamsSettings.keys()) {
      assertTrue(doc.contains("| `" + k.key() + "` | `" + k.defaultValue() + "` |"),
          k.key() + " with default " + k.defaultValue() + " is missing from " + DOC);
    }
  }

  @Test
  void settingsFailNamingTheKey() {
    var ex = assertThrows(StreamsSettings.InvalidSettingException.class,
        () -> StreamsSettings.fromMap(Map.of("vigil.streams.change-poll-interval", "soon")));
    assertTrue(ex.getMessage().startsWith("vigil.streams.change-poll-interval=soon"), ex.getMessage());
    assertEquals("exactly_once_v2", StreamsSettings.fromMap(Map.of()).streamsProperties().get("processing.guarantee"));
    assertEquals(true, StreamsSettings.fromMap(Map.of()).streamsProperties()
        .get("ensure.explicit.internal.resource.naming"));
  }

  @Test
  void internalTopicsAreReplicatedAsConfigured() {
    var byBroker = StreamsSettings.fromMap(Map.of()).streamsProperties();
    assertEquals(-1, byBroker.get("replication.factor"));
    assertEquals(null, byBroker.get("topic.min.insync.replicas"));
    var three = StreamsSettings.fromMap(Map.of("vigil.streams.replication-factor", "3")).streamsProperties();
    assertEquals(3, three.get("replication.factor"));
    assertEquals("2", three.get("topic.min.insync.replicas"));
    var ex = assertThrows(StreamsSettings.InvalidSettingException.class,
        () -> StreamsSettings.fromMap(Map.of("vigil.streams.replication-factor", "0")));
    assertTrue(ex.getMessage().startsWith("vigil.streams.replication-factor=0"), ex.getMessage());
  }
}
