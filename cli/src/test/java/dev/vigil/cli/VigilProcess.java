package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vigil ARGS} in a JVM of its own, as a container runs it: its own environment (nothing
 * inherited from the test's but PATH and JAVA_HOME), its own home directory, stopped with SIGTERM.
 */
public final class VigilProcess implements AutoCloseable {

  private static final Pattern METRICS = Pattern.compile("metrics: http://([^/\\s]+)/metrics");

  private final Process process;
  private final StringBuffer out = new StringBuffer();
  private final StringBuffer err = new StringBuffer();
  private final List<Thread> pumps = new ArrayList<>();

  private VigilProcess(Process process) {
    this.process = process;
    pumps.add(pump(process.getInputStream(), out));
    pumps.add(pump(process.getErrorStream(), err));
  }

  /**
   * Starts {@code vigil args} with exactly {@code env} (plus PATH) and {@code home} as its home.
   */
  public static VigilProcess start(
      List<String> args, Map<String, String> env, Path home, String... jvmOptions)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of("-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Duser.home=" + home));
    cmd.addAll(List.of(jvmOptions));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Vigil.class.getName()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> e = pb.environment();
    String path = e.get("PATH");
    e.clear();
    e.put("PATH", path == null ? "/usr/bin:/bin" : path);
    e.put("HOME", home.toString());
    e.putAll(env);
    return new VigilProcess(pb.start());
  }

  /**
   * Waits until standard output has a line matching {@code regex}; its first group, or the line.
   */
  public String awaitOut(String regex, Duration timeout) throws InterruptedException {
    Pattern p = Pattern.compile(regex);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = p.matcher(out);
      if (m.find()) {
        return m.groupCount() > 0 ? m.group(1) : m.group();
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    fail(
        "no line matching "
            + regex
            + " (alive "
            + process.isAlive()
            + ")\nout:\n"
            + out
            + "\nerr:\n"
            + err);
    return null;
  }

  /** Polls {@code /readyz} until it answers 200; fails with the last answer and the output. */
  public void awaitReady(Duration timeout) throws Exception {
    String address = awaitOut(METRICS.pattern(), timeout);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline && process.isAlive()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://" + address + "/readyz"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        return;
      }
      last = r.statusCode() + " " + r.body();
      Thread.sleep(250);
    }
    fail(
        "/readyz never 200 (last: "
            + last
            + ", alive "
            + process.isAlive()
            + ")\nout:\n"
            + out
            + "\nerr:\n"
            + err);
  }

  /** Waits for the process to end by itself; its exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      fail("still running after " + timeout + "\nout:\n" + out + "\nerr:\n" + err);
    }
    for (Thread t : pumps) {
      t.join(2000);
    }
    return process.exitValue();
  }

  /** SIGTERM, then waits for the exit; its exit code. */
  public int stop() throws InterruptedException {
    process.destroy();
    return awaitExit(Duration.ofSeconds(60));
  }

  public String out() {
    return out.toString();
  }

  public String err() {
    return err.toString();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private static Thread pump(InputStream in, StringBuffer into) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try {
                for (int n; (n = in.read(buf)) > 0; ) {
                  into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "vigil-process-output");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
