package dev.vigil.schemas.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ADR 0120: local state is wiped only after a run that did not close cleanly. */
class RunningMarkerTest {

  @TempDir Path dir;

  @Test
  void onlyAStartAfterARunThatDidNotCloseWipes() throws Exception {
    Properties props = new Properties();
    props.setProperty("state.dir", dir.toString());
    props.setProperty("application.id", "vigil-x");
    Path marker = dir.resolve("vigil-x").resolve(RunningMarker.FILE);
    AtomicInteger wipes = new AtomicInteger();

    RunningMarker.markInUse(props, wipes::incrementAndGet);
    assertEquals(0, wipes.get(), "a first start wiped");
    assertTrue(Files.exists(marker), "not marked in use");

    RunningMarker.unmark(props);
    assertFalse(Files.exists(marker), "still marked after a clean close");
    RunningMarker.markInUse(props, wipes::incrementAndGet);
    assertEquals(0, wipes.get(), "a start after a clean close wiped");

    // No unmark: the run was killed.
    RunningMarker.markInUse(props, wipes::incrementAndGet);
    assertEquals(1, wipes.get(), "a start after a killed run did not wipe");
    assertTrue(Files.exists(marker));
  }

  @Test
  void aWipeThatFailsStillLetsTheApplicationStart() throws Exception {
    Properties props = new Properties();
    props.setProperty("state.dir", dir.toString());
    props.setProperty("application.id", "vigil-y");
    Path marker = dir.resolve("vigil-y").resolve(RunningMarker.FILE);
    Files.createDirectories(marker.getParent());
    Files.writeString(marker, "");

    RunningMarker.markInUse(
        props,
        () -> {
          throw new IllegalStateException("state directory locked by another instance");
        });
    assertTrue(Files.exists(marker), "a failed wipe left the directory unmarked");
  }
}
