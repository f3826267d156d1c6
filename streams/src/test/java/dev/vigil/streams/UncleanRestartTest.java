package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADR 0120: an instance that was killed leaves local state without exactly-once checkpoints; the
 * next start wipes it (every task restores from its changelog) instead of letting Kafka Streams
 * find each task "corrupted" on assignment and close it dirty, aborting the transaction it shares
 * with the tasks already running. A clean close leaves the state for the next start to reuse. Real
 * {@link KafkaStreams} instances of Vigil's topology, on a state directory, never started (no
 * broker needed for what happens before start and at close); BrokerFailoverIT shows it on a real
 * cluster.
 */
class UncleanRestartTest {

  @TempDir Path dir;

  @Test
  void stateLeftByAKilledRunIsWipedAndStateLeftByACleanCloseIsKept() throws Exception {
    StreamsSettings settings =
        StreamsSettings.defaults("127.0.0.1:9", dir.resolve("state"))
            .withApplicationId("vigil-unclean");
    Properties props = settings.streamsProperties();
    Topology topology =
        VigilTopology.validation(
            settings,
            ValidationEngine.standard(),
            new VigilMetrics(new SimpleMeterRegistry(), java.time.Clock.systemUTC()),
            6);
    Path app = dir.resolve("state").resolve("vigil-unclean");
    Path marker = app.resolve(dev.vigil.schemas.settings.RunningMarker.FILE);
    // Given what a killed run leaves: the marker of a run in progress and local state (a task's,
    // and the global stores', which Kafka Streams itself would keep),
    Path task = app.resolve("3_0").resolve("left-by-the-killed-run");
    Path global = app.resolve("global").resolve("left-by-the-killed-run");
    for (Path p : new Path[] {task, global}) {
      Files.createDirectories(p.getParent());
      Files.writeString(p, "written by a run that was killed");
    }
    Files.writeString(marker, "");

    // when the instance is about to start again, that state is gone and the directory is in use;
    KafkaStreams again = new KafkaStreams(topology, props);
    VigilStreamsApp.markInUse(again, props);
    assertFalse(Files.exists(task), "task state of the killed run still there");
    assertFalse(Files.exists(global), "global state of the killed run still there");
    assertTrue(Files.exists(marker), "state directory not marked in use");

    // a clean close takes the mark away,
    Path kept = app.resolve("global").resolve("left-by-the-clean-run");
    Files.createDirectories(kept.getParent());
    Files.writeString(kept, "written before a clean close");
    VigilStreamsApp.closed(again, props);
    assertFalse(Files.exists(marker), "marker after a clean close");

    // and the next start keeps the local state of that clean run.
    KafkaStreams third = new KafkaStreams(topology, props);
    VigilStreamsApp.markInUse(third, props);
    assertTrue(Files.exists(kept), "local state of a cleanly closed run wiped");
    VigilStreamsApp.closed(third, props);
  }
}
