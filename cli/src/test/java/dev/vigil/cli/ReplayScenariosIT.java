package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs {@code vigil replay} on every folder under {@code streams/src/test/resources/scenarios-k8s/}
 * and compares its output with the folder's {@code expected.jsonl}, line by line. To re-record
 * after a deliberate change: {@code -Dvigil.update-scenarios=true}, then review the diff.
 */
class ReplayScenariosIT {

  static final Path ROOT = Path.of("..", "streams", "src", "test", "resources", "scenarios-k8s");
  static final String CLUSTER = "us-central1-a.prod";

  static Stream<String> scenarios() throws IOException {
    try (Stream<Path> s = Files.list(ROOT)) {
      return s
          .filter(p -> Files.isRegularFile(p.resolve("policy.yaml")))
          .map(p -> p.getFileName().toString())
          .sorted()
          .toList()
          .stream();
    }
  }

  /** The replay arguments for the files a scenario folder holds. */
  static List<String> arguments(Path folder) {
    List<String> args = new ArrayList<>(List.of("replay", "--cluster", CLUSTER));
    String[][] files = {
      {"--policy", "policy.yaml"},
      {"--platform-policy", "platform-policy.yaml"},
      {"--attestors", "attestors.yaml"},
      {"--attestations", "attestations.json"},
      {"--image-metadata", "image-metadata.json"},
      {"--pods", "pods.jsonl"},
      {"--pods", "pods.json"},
      {"--audit", "audit.jsonl"},
      {"--policy-update", "policy-update.yaml"},
      {"--attestations-update", "attestations-update.json"}
    };
    for (String[] f : files) {
      if (Files.exists(folder.resolve(f[1]))) {
        args.add(f[0]);
        args.add(folder.resolve(f[1]).toString());
      }
    }
    return args;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void scenario(String name) throws Exception {
    Path folder = ROOT.resolve(name);
    assertTrue(Files.exists(folder.resolve("README.md")), name + " needs a README.md");

    VigilRun run = vigil(arguments(folder));

    assertEquals(0, run.code(), run.err());
    List<String> actual = run.out().lines().filter(l -> !l.isBlank()).toList();
    Path expectedFile = folder.resolve("expected.jsonl");
    if (Boolean.getBoolean("vigil.update-scenarios")) {
      Files.writeString(
          expectedFile,
          actual.isEmpty() ? "" : String.join("\n", actual) + "\n",
          StandardCharsets.UTF_8);
    }
    List<JsonNode> expected = new ArrayList<>();
    for (String l : Files.readAllLines(expectedFile, StandardCharsets.UTF_8)) {
      if (!l.isBlank()) {
        expected.add(Json.mapper().readTree(l));
      }
    }
    List<JsonNode> got = new ArrayList<>();
    for (String l : actual) {
      JsonNode n = Json.mapper().readTree(l);
      assertTrue(n.hasNonNull("topic"), "every line names its topic: " + l);
      got.add(n);
    }
    assertEquals(expected, got, name + "\n" + run.out());
  }
}
