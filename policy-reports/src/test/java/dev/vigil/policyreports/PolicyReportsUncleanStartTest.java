package dev.vigil.policyreports;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.settings.RunningMarker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADR 0120 for the PolicyReport writer (exactly-once too): a start after a killed run wipes the
 * local state it left, so no task is closed dirty beside running ones; a clean close keeps it. No
 * broker is needed for what happens at start and close.
 */
class PolicyReportsUncleanStartTest {

  @TempDir Path dir;

  @Test
  void stateLeftByAKilledRunIsWipedAndACleanCloseUnmarks() throws Exception {
    PolicyReportSettings settings = PolicyReportSettings.defaults("127.0.0.1:9", dir);
    Path app = dir.resolve(PolicyReportSettings.DEFAULT_APPLICATION_ID);
    Path marker = app.resolve(RunningMarker.FILE);
    Path task = app.resolve("0_0").resolve("left-by-the-killed-run");
    Files.createDirectories(task.getParent());
    Files.writeString(task, "written by a run that was killed");
    Files.writeString(marker, "");

    PolicyReportsApp reports =
        PolicyReportsApp.start(
            settings, r -> ReportSink.Outcome.APPLIED, new SimpleMeterRegistry(), Map.of());
    try {
      assertFalse(Files.exists(task), "task state of the killed run still there");
      assertTrue(Files.exists(marker), "state directory not marked in use");
    } finally {
      reports.close();
    }
    assertFalse(Files.exists(marker), "marker after a clean close");
  }
}
