package dev.vigil.cli.bench;

import dev.vigil.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;

/**
 * What {@code vigil bench} and {@code vigil bench ingest} share: the data directory (a temporary
 * one unless given), the broker (embedded in this JVM unless given), the replication factor of the
 * topics, printing and writing the results, and cleaning up: {@link #close()} stops the embedded
 * broker and deletes a temporary directory unless asked to keep it.
 */
final class BenchRun implements AutoCloseable {

  private final Path dir;
  private final boolean deleteDir;
  private final String bootstrapServers;
  private EmbeddedKafka kafka;

  private BenchRun(Path dir, boolean deleteDir, String bootstrapServers) {
    this.dir = dir;
    this.deleteDir = deleteDir;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Makes the data directory ({@code dataDir}, or a temporary one named after {@code name}), notes
   * the broker in {@code results} and starts the embedded one when {@code bootstrapServers} is
   * {@code null}.
   */
  static BenchRun open(
      String name,
      Path dataDir,
      boolean keepData,
      String bootstrapServers,
      Results results,
      Consumer<String> log)
      throws Exception {
    return open(name, dataDir, keepData, bootstrapServers, Map.of(), results, log);
  }

  /** As above, the embedded broker with {@code brokerProperties} over its defaults. */
  static BenchRun open(
      String name,
      Path dataDir,
      boolean keepData,
      String bootstrapServers,
      Map<String, String> brokerProperties,
      Results results,
      Consumer<String> log)
      throws Exception {
    Path dir =
        dataDir != null
            ? Files.createDirectories(dataDir)
            : Files.createTempDirectory("vigil-" + name + "-");
    results.parameter(
        "broker", bootstrapServers == null ? "embedded (same JVM)" : bootstrapServers);
    BenchRun run = new BenchRun(dir, dataDir == null && !keepData, bootstrapServers);
    if (bootstrapServers == null) {
      try {
        log.accept("starting the embedded broker in " + dir.resolve("kafka"));
        run.kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, brokerProperties);
      } catch (Exception e) {
        run.close();
        throw e;
      }
    }
    return run;
  }

  Path dir() {
    return dir;
  }

  /** The embedded broker, or {@code null} when the run uses a given one. */
  EmbeddedKafka kafka() {
    return kafka;
  }

  String bootstrapServers() {
    return kafka != null ? kafka.bootstrapServers() : bootstrapServers;
  }

  /** 1 on the embedded broker, else as many brokers as there are, at most 3. */
  short replicationFactor(Admin admin) throws InterruptedException, ExecutionException {
    return (short) (kafka != null ? 1 : Math.min(3, admin.describeCluster().nodes().get().size()));
  }

  /** Prints the table, writes the JSON to {@code output} when given; returns the exit code 0. */
  static int finish(Results results, Path output, PrintWriter out, Consumer<String> log)
      throws IOException {
    results.print(out);
    if (output != null) {
      results.write(output);
      log.accept("wrote " + output.toAbsolutePath());
    }
    return 0;
  }

  @Override
  public void close() {
    if (kafka != null) {
      kafka.close();
      kafka = null;
    }
    if (deleteDir) {
      deleteTree(dir);
    }
  }

  static void deleteTree(Path p) {
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // best effort
    }
  }
}
