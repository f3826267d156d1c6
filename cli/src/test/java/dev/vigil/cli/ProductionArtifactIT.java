package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The production artifact ({@code target/vigil.jar} + {@code target/lib/}, what the image holds)
 * carries no development tool, and says so in one line when one is asked for (ADR 0080); the
 * developer build ({@code ./vigil}) adds {@code vigil-dev.jar} and {@code dev-lib/}.
 */
class ProductionArtifactIT {

  /**
   * Jars of the development tools: the embedded broker and Scala, fabric8's mock server, test kits.
   */
  static final List<String> FORBIDDEN =
      List.of(
          "kafka_2.13",
          "scala-library",
          "scala-reflect",
          "mockwebserver",
          "kubernetes-server-mock",
          "vigil-embedded-kafka",
          "junit");

  static final Path TARGET = Path.of("target");

  @Test
  void libHoldsNoDevelopmentToolAndTheDeveloperBuildHasThemApart() throws IOException {
    List<String> lib = names(TARGET.resolve("lib"));
    assertEquals(
        List.of(), lib.stream().filter(f -> FORBIDDEN.stream().anyMatch(f::contains)).toList());
    assertTrue(lib.stream().anyMatch(f -> f.startsWith("kafka-streams-")), lib.toString());
    List<String> devLib = names(TARGET.resolve("dev-lib"));
    assertTrue(devLib.stream().anyMatch(f -> f.startsWith("kafka_2.13-")), devLib.toString());
    assertTrue(
        devLib.stream().anyMatch(f -> f.startsWith("kubernetes-server-mock-")), devLib.toString());
    try (ZipFile jar = new ZipFile(TARGET.resolve("vigil.jar").toFile());
        ZipFile dev = new ZipFile(TARGET.resolve("vigil-dev.jar").toFile())) {
      assertEquals(
          List.of(),
          jar.stream().map(e -> e.getName()).filter(ProductionArtifactIT::devClass).toList());
      assertTrue(dev.getEntry("dev/vigil/cli/bench/Bench.class") != null);
      assertTrue(dev.getEntry("dev/vigil/cli/DemoCommand.class") != null);
    }
  }

  @Test
  void productionJarRefusesTheDevelopmentToolsInOneLine() throws Exception {
    Run demo = java("-jar", "target/vigil.jar", "demo", "--duration", "5s");
    assertEquals(2, demo.code, demo.out);
    assertEquals(
        "vigil demo: a development tool this build leaves out (the production jar and image carry no "
            + "embedded broker, mock API server or bench); run ./vigil demo from a source checkout",
        demo.out.strip());

    Run embedded =
        java("-jar", "target/vigil.jar", "run", "--embedded", "--metrics-listen", "127.0.0.1:0");
    assertEquals(2, embedded.code, embedded.out);
    assertTrue(embedded.out.contains("--embedded needs the embedded Kafka broker"), embedded.out);

    Run developer =
        java(
            "-cp",
            "target/vigil.jar:target/vigil-dev.jar:target/dev-lib/*",
            Vigil.class.getName(),
            "broker",
            "--help");
    assertEquals(0, developer.code, developer.out);
    assertTrue(developer.out.startsWith("Usage: vigil broker"), developer.out);
  }

  static boolean devClass(String name) {
    return name.startsWith("dev/vigil/cli/bench/")
        || name.startsWith("dev/vigil/cli/demo/")
        || name.startsWith("dev/vigil/cli/world/")
        || name.startsWith("dev/vigil/cli/DemoCommand")
        || name.startsWith("dev/vigil/cli/BenchCommand")
        || name.startsWith("dev/vigil/cli/BrokerCommand");
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  record Run(int code, String out) {}

  private static Run java(String... args) throws Exception {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
    return new Run(p.exitValue(), out);
  }
}
