package dev.vigil.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium (Debian's {@code chromium} package) for rendering the HTML report in tests. A
 * missing browser fails the test: CI must {@code apt-get install -y chromium}.
 */
final class Chromium {

  private static final long TIMEOUT_SECONDS = 90;

  private Chromium() {}

  /** The chromium executable, or a test failure saying how to install it. */
  static String executable() {
    for (String name : List.of("chromium", "chromium-browser")) {
      for (String dir :
          System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
        if (Files.isExecutable(Path.of(dir, name))) {
          return Path.of(dir, name).toString();
        }
      }
    }
    return fail(
        "headless Chromium is needed to render the HTML report and was not found on PATH: "
            + "install Debian's package with `apt-get install -y chromium`");
  }

  /** Takes a 1280x2000 screenshot of {@code html} into {@code png}. */
  static void screenshot(Path html, Path png, Path scratch)
      throws IOException, InterruptedException {
    run(
        scratch,
        "--screenshot=" + png.toAbsolutePath(),
        "--window-size=1280,2000",
        html.toUri().toString());
  }

  /** The DOM of {@code html} after Chromium has parsed it. */
  static String dumpDom(Path html, Path scratch) throws IOException, InterruptedException {
    return run(scratch, "--dump-dom", html.toUri().toString());
  }

  /**
   * Prints {@code html} to {@code pdf} as Chromium's print dialog would, without header and footer.
   */
  static void printToPdf(Path html, Path pdf, Path scratch)
      throws IOException, InterruptedException {
    run(
        scratch,
        "--print-to-pdf=" + pdf.toAbsolutePath(),
        "--no-pdf-header-footer",
        html.toUri().toString());
  }

  /** The DOM of {@code html} after its scripts ran in a window {@code width} pixels wide. */
  static String dumpDom(Path html, int width, Path scratch)
      throws IOException, InterruptedException {
    return run(
        scratch,
        "--window-size=" + width + ",1600",
        "--virtual-time-budget=5000",
        "--dump-dom",
        html.toUri().toString());
  }

  private static String run(Path scratch, String... args) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(scratch, "chromium-profile");
    Path output = Files.createTempFile(scratch, "chromium", ".out");
    List<String> command =
        new ArrayList<>(
            List.of(
                executable(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile.toAbsolutePath()));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(output.toFile())
            .redirectError(scratch.resolve("chromium-" + System.nanoTime() + ".err").toFile())
            .start();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + command);
    }
    assertEquals(0, p.exitValue(), "chromium failed: " + command);
    return Files.readString(output, StandardCharsets.UTF_8);
  }
}
