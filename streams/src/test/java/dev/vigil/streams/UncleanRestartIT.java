package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADR 0120: an instance that was killed leaves local state without exactly-once checkpoints; the
 * next start wipes it (every task restores from its changelog) instead of letting Kafka Streams
 * find each task "corrupted" on assignment and close it dirty, aborting the transaction it shares
 * with the tasks already running. A clean close leaves the state for the next start to reuse.
 */
class UncleanRestartIT {

  @RegisterExtension static final TestBroker broker = new TestBroker();

  @TempDir Path dir;

  @Test
  void stateLeftByAKilledInstanceIsWipedAndStateLeftByACleanCloseIsKept() throws Exception {
    StreamsSettings settings =
        StreamsSettings.defaults(broker.bootstrapServers(), dir.resolve("state"))
            .withApplicationId("vigil-unclean-it");
    Path app = dir.resolve("state").resolve("vigil-unclean-it");
    Path gate = dir.resolve("state").resolve(settings.policyGateApplicationId());
    // Given what a killed run leaves: the marker of a run in progress and a task's local state,
    // (in a task's directory and in the global stores' one, which Kafka Streams itself would keep)
    Path leftover = app.resolve("3_0").resolve("left-by-the-killed-run");
    Path globalLeftover = app.resolve("global").resolve("left-by-the-killed-run");
    for (Path p : new Path[] {leftover, globalLeftover}) {
      Files.createDirectories(p.getParent());
      Files.writeString(p, "written by a run that was killed");
    }
    Files.writeString(app.resolve(VigilStreamsApp.RUNNING_MARKER), "");

    // when the instance starts again, that state is gone and the directories are marked in use;
    try (VigilStreamsApp running = VigilStreamsApp.start(settings, new SimpleMeterRegistry())) {
      running.awaitRunning(Duration.ofSeconds(90));
      assertFalse(Files.exists(leftover), "local task state of the killed run still there");
      assertFalse(Files.exists(globalLeftover), "local global state of the killed run still there");
      assertTrue(Files.exists(app.resolve(VigilStreamsApp.RUNNING_MARKER)));
      assertTrue(Files.exists(gate.resolve(VigilStreamsApp.RUNNING_MARKER)));
    }
    // after a clean close they are not,
    assertFalse(Files.exists(app.resolve(VigilStreamsApp.RUNNING_MARKER)), "marker after close");
    assertFalse(Files.exists(gate.resolve(VigilStreamsApp.RUNNING_MARKER)), "marker after close");

    // and the next start keeps the local state of that clean run.
    Path kept = app.resolve("global").resolve("left-by-the-clean-run");
    Files.createDirectories(kept.getParent());
    Files.writeString(kept, "written before a clean close");
    try (VigilStreamsApp again = VigilStreamsApp.start(settings, new SimpleMeterRegistry())) {
      again.awaitRunning(Duration.ofSeconds(90));
      assertTrue(Files.exists(kept), "local state of a cleanly closed run wiped");
    }
  }
}
