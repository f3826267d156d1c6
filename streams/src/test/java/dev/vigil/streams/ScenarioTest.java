package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.ViolationTransition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every scenario folder under {@code src/test/resources/scenarios/}: feeds its input files
 * (one Vigil record per line, one file per topic) through the topology, then the files under {@code
 * later/}, and compares the violation transitions and follow-up changes with {@code
 * expected-violations.jsonl} and {@code expected-followups.jsonl} (the fields listed there, in
 * order). To re-record the expectations after a deliberate change: {@code
 * -Dvigil.update-scenarios=true}, then review the diff.
 */
class ScenarioTest {

  static final Path ROOT = Path.of("src", "test", "resources", "scenarios");
  static final List<Topic<?>> INPUT_ORDER =
      List.of(
          Topics.POLICIES,
          Topics.ATTESTATIONS,
          Topics.IMAGE_METADATA,
          Topics.POD_EVENTS,
          Topics.ADMISSION_EVENTS,
          Topics.FOLLOWUP_ACKS);
  static final List<String> VIOLATION_FIELDS =
      List.of("transition", "namespace", "podName", "previous", "current");
  static final List<String> FOLLOWUP_FIELDS =
      List.of("followUpId", "kind", "state", "podCount", "reevaluation");

  @TempDir Path dir;

  static Stream<String> scenarios() throws IOException {
    try (Stream<Path> s = Files.list(ROOT)) {
      return s
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .sorted()
          .toList()
          .stream();
    }
  }

  /**
   * The file of a topic in a scenario folder: {@code vigil.pod-events} → {@code pod-events.jsonl}.
   */
  static String fileName(Topic<?> t) {
    return t.name().substring("vigil.".length()) + ".jsonl";
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void scenario(String name) throws Exception {
    Path folder = ROOT.resolve(name);
    assertTrue(Files.exists(folder.resolve("README.md")), name + " needs a README.md");
    try (TopologyHarness h = new TopologyHarness(dir)) {
      feed(h, folder);
      settle(h);
      if (Files.isDirectory(folder.resolve("later"))) {
        feed(h, folder.resolve("later"));
        settle(h);
      }
      h.drain();
      if (Boolean.getBoolean("vigil.print-scenarios")) {
        h.allViolations.forEach(
            v ->
                System.out.println(
                    "VIOLATION " + new String(Json.write(v), StandardCharsets.UTF_8)));
        h.allVerdicts.forEach(
            v ->
                System.out.println("VERDICT " + new String(Json.write(v), StandardCharsets.UTF_8)));
        h.allFollowUps.forEach(
            v ->
                System.out.println(
                    "FOLLOWUP " + new String(Json.write(v), StandardCharsets.UTF_8)));
        h.allDeadLetters.forEach(
            v ->
                System.out.println(
                    "DEADLETTER " + new String(Json.write(v), StandardCharsets.UTF_8)));
      }
      check(
          folder.resolve("expected-violations.jsonl"), project(h.allViolations, VIOLATION_FIELDS));
      check(folder.resolve("expected-followups.jsonl"), project(h.allFollowUps, FOLLOWUP_FIELDS));
    }
  }

  private static void feed(TopologyHarness h, Path folder) throws IOException {
    for (Topic<?> t : INPUT_ORDER) {
      Path f = folder.resolve(fileName(t));
      if (Files.exists(f)) {
        feedFile(h, t, f);
      }
    }
  }

  private static <V> void feedFile(TopologyHarness h, Topic<V> topic, Path file)
      throws IOException {
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      V value = Json.read(line.getBytes(StandardCharsets.UTF_8), topic.valueType());
      h.send(topic, key(value), value);
    }
  }

  static String key(Object v) {
    if (v instanceof dev.vigil.schemas.PodEvent p) {
      return p.key();
    } else if (v instanceof dev.vigil.schemas.AdmissionEvent a) {
      return a.key();
    } else if (v instanceof dev.vigil.schemas.PolicyDocument d) {
      return d.key();
    } else if (v instanceof dev.vigil.schemas.Attestation a) {
      return a.key();
    } else if (v instanceof dev.vigil.schemas.ImageMetadata m) {
      return m.imageDigest();
    } else if (v instanceof dev.vigil.schemas.FollowUpAck a) {
      return dev.vigil.schemas.FollowUpId.parse(a.followUpId()).key();
    }
    throw new IllegalArgumentException("no key for " + v);
  }

  /** Lets the pollers and the follow-up flush run. */
  private static void settle(TopologyHarness h) {
    h.advance(Duration.ofSeconds(1)).advance(Duration.ofSeconds(5));
  }

  static List<String> project(List<?> records, List<String> fields) {
    List<String> out = new ArrayList<>();
    for (Object r : records) {
      JsonNode all = Json.mapper().valueToTree(r);
      ObjectNode o = Json.mapper().createObjectNode();
      for (String f : fields) {
        if (all.has(f)) {
          o.set(f, all.get(f));
        }
      }
      if (r instanceof FollowUp f) {
        o.put("owner", f.owner().key());
      }
      if (r instanceof ViolationTransition) {
        // keep it compact: the pod is enough to follow the story
      }
      out.add(o.toString());
    }
    return out;
  }

  private static void check(Path expectedFile, List<String> actual) throws IOException {
    if (Boolean.getBoolean("vigil.update-scenarios")) {
      Files.writeString(
          expectedFile,
          actual.isEmpty() ? "" : String.join("\n", actual) + "\n",
          StandardCharsets.UTF_8);
    }
    List<String> expected =
        Files.exists(expectedFile)
            ? Files.readAllLines(expectedFile, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank())
                .toList()
            : List.of();
    List<JsonNode> e = new ArrayList<>();
    for (String l : expected) {
      e.add(Json.mapper().readTree(l));
    }
    List<JsonNode> a = new ArrayList<>();
    for (String l : actual) {
      a.add(Json.mapper().readTree(l));
    }
    assertEquals(e, a, expectedFile.toString());
  }
}
