package dev.vigil.schemas.settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file in a Kafka Streams application's state directory ({@code <state.dir>/<application.id>})
 * from its start until it closed cleanly (ADR 0120). When it is still there at the next start, the
 * last run was killed or crashed: under exactly-once its local state has no checkpoint, so Kafka
 * Streams would find each task "corrupted" as it is assigned and close it dirty, which aborts the
 * transaction the thread shares with the tasks already running there. The state is wiped instead
 * and every task restores from its changelog. Both of Vigil's exactly-once applications use it: the
 * streams core (and its policy gate) and the PolicyReport writer.
 */
public final class RunningMarker {

  private static final Logger LOG = LoggerFactory.getLogger(RunningMarker.class);

  /** The marker's file name. */
  public static final String FILE = "vigil-running";

  private RunningMarker() {}

  /**
   * Before an application starts: runs {@code wipe} (its {@code KafkaStreams#cleanUp}) if the last
   * run on this state directory did not close cleanly, then marks the directory in use.
   *
   * @param streamsProperties the application's Kafka Streams properties ({@code state.dir} and
   *     {@code application.id})
   */
  public static void markInUse(Properties streamsProperties, Runnable wipe) {
    Path dir = directory(streamsProperties);
    Path marker = dir.resolve(FILE);
    try {
      if (Files.exists(marker)) {
        LOG.warn(
            "{} did not close cleanly last time: wiping its local state in {}; its tasks restore"
                + " from their changelogs",
            streamsProperties.getProperty("application.id"),
            dir);
        try {
          wipe.run();
        } catch (RuntimeException e) {
          // Still locked (another instance on this directory): Kafka Streams finds the tasks
          // corrupted and restores them as before.
          LOG.warn("cannot wipe the local state in {}", dir, e);
        }
      }
      Files.createDirectories(dir);
      Files.writeString(marker, "");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot mark the state directory " + dir + " as in use", e);
    }
  }

  /** After the application closed cleanly: the next start may reuse its local state. */
  public static void unmark(Properties streamsProperties) {
    try {
      Files.deleteIfExists(directory(streamsProperties).resolve(FILE));
    } catch (IOException e) {
      LOG.warn("cannot unmark the state directory: the next start restores from changelogs", e);
    }
  }

  private static Path directory(Properties p) {
    return Path.of(p.getProperty("state.dir"), p.getProperty("application.id"));
  }
}
