package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image Jib writes in the {@code image} profile ({@code ./mvnw -Pimage -pl cli -am
 * verify}; it runs only there, since only that profile builds the tar): its configuration, what its
 * layers hold, and that it runs as uid 10001 from its own root file system (chroot, so the build
 * must run as root, as CI does).
 */
class ImageIT {

  @TempDir static Path dir;
  static JsonNode config;
  static List<String> files = new ArrayList<>();
  static Path rootfs;

  @BeforeAll
  static void unpack() throws Exception {
    Path tar = Path.of(System.getProperty("vigil.image.tar", "target/vigil-image.tar"));
    assertTrue(Files.isRegularFile(tar), tar + " missing: build it with -Pimage");
    Path image = dir.resolve("image");
    Files.createDirectories(image);
    run(List.of("tar", "-xf", tar.toString(), "-C", image.toString()));
    JsonNode manifest = new ObjectMapper().readTree(image.resolve("manifest.json").toFile()).get(0);
    assertEquals(System.getProperty("vigil.image.name"), manifest.at("/RepoTags/0").asText());
    config = new ObjectMapper().readTree(image.resolve(manifest.path("Config").asText()).toFile());
    rootfs = dir.resolve("rootfs");
    Files.createDirectories(rootfs);
    for (JsonNode layer : manifest.path("Layers")) {
      String layerFile = image.resolve(layer.asText()).toString();
      files.addAll(
          run(List.of("tar", "--warning=no-unknown-keyword", "-tzf", layerFile)).lines().toList());
      run(
          List.of(
              "tar", "--warning=no-unknown-keyword", "-xzf", layerFile, "-C", rootfs.toString()));
    }
  }

  @Test
  void runsAsANonRootUserWithVigilAsEntrypoint() {
    assertEquals("10001:10001", config.at("/config/User").asText());
    assertEquals(
        "[\"/opt/java/openjdk/bin/java\",\"-XX:MaxRAMPercentage=75\",\"-cp\",\"@/app/jib-classpath-file\","
            + "\"dev.vigil.cli.Vigil\"]",
        config.at("/config/Entrypoint").toString());
    assertEquals("/var/lib/vigil", config.at("/config/WorkingDir").asText());
    assertTrue(files.contains("etc/passwd"), "user vigil is known");
  }

  @Test
  void carriesTheProductionArtifactOnly() throws IOException {
    List<String> forbidden =
        files.stream()
            .filter(f -> ProductionArtifactIT.FORBIDDEN.stream().anyMatch(f::contains))
            .toList();
    assertEquals(List.of(), forbidden, "development tools in the image");
    assertTrue(
        files.stream().anyMatch(f -> f.startsWith("app/libs/kafka-streams-")),
        "the production libraries are in");
    try (ZipFile jar = new ZipFile(rootfs.resolve("app/classpath/vigil.jar").toFile())) {
      assertTrue(jar.getEntry("dev/vigil/cli/Vigil.class") != null);
      List<String> devClasses =
          jar.stream().map(e -> e.getName()).filter(ProductionArtifactIT::devClass).toList();
      assertEquals(List.of(), devClasses, "bench or demo classes in the image's jar");
    }
  }

  @Test
  void startsFromItsOwnFilesAsUid10001AndRefusesTheDevelopmentTools() throws Exception {
    List<String> entrypoint = new ArrayList<>();
    config.at("/config/Entrypoint").forEach(a -> entrypoint.add(a.asText()));

    ProcessResult version = chroot(entrypoint, "--version");
    assertEquals(0, version.code(), version.output());
    assertTrue(version.output().startsWith("vigil 0.1.0"), version.output());

    ProcessResult demo = chroot(entrypoint, "demo");
    assertEquals(2, demo.code(), demo.output());
    assertTrue(
        demo.output().contains("vigil demo: a development tool this build leaves out"),
        demo.output());

    ProcessResult embedded = chroot(entrypoint, "run", "--embedded");
    assertEquals(2, embedded.code(), embedded.output());
    assertTrue(
        embedded.output().contains("--embedded needs the embedded Kafka broker"),
        embedded.output());
  }

  record ProcessResult(int code, String output) {}

  /** The image's entrypoint with {@code args}, as uid 10001 in the unpacked root file system. */
  private static ProcessResult chroot(List<String> entrypoint, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("chroot", "--userspec=10001:10001", rootfs.toString()));
    cmd.addAll(entrypoint);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile());
    pb.environment().clear();
    // A container has /proc, where the dynamic loader finds the java launcher's own directory;
    // a bare chroot has not, so name the runtime's libraries.
    pb.environment().put("LD_LIBRARY_PATH", "/opt/java/openjdk/lib");
    pb.environment().put("HOME", "/var/lib/vigil");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
    return new ProcessResult(p.exitValue(), out);
  }

  private static String run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
    assertEquals(0, p.exitValue(), cmd + ": " + out);
    return out;
  }
}
