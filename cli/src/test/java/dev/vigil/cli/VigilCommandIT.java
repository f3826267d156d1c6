package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.Topics;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VigilCommandIT {

  @Test
  void helpListsTheSubCommands() {
    VigilRun run = vigil("--help");

    assertEquals(0, run.code());
    assertTrue(run.out().contains("topics"), run.out());
    assertTrue(run.out().contains("broker"), run.out());
  }

  @Test
  void unknownSubCommandIsAUsageError() {
    VigilRun run = vigil("frobnicate");

    assertEquals(2, run.code());
    assertTrue(run.err().contains("frobnicate"), run.err());
  }

  @Test
  void topicsCreateIsIdempotentAndListShowsThemAll(@TempDir Path dir) {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir)) {
      VigilRun missing = vigil("topics", "list", "--bootstrap-servers", kafka.bootstrapServers());
      assertEquals(3, missing.code(), "list exits 3 while topics are missing");

      VigilRun first = vigil("topics", "create", "--bootstrap-servers", kafka.bootstrapServers());
      VigilRun second = vigil("topics", "create", "--bootstrap-servers", kafka.bootstrapServers());
      VigilRun list = vigil("topics", "list", "--bootstrap-servers", kafka.bootstrapServers());

      assertEquals(0, first.code(), first.err());
      assertEquals(
          Topics.ALL.size(),
          first.out().lines().filter(l -> l.contains(" created ")).count(),
          first.out());
      assertEquals(0, second.code(), second.err());
      assertEquals(
          Topics.ALL.size(),
          second.out().lines().filter(l -> l.contains("already exists")).count());
      assertEquals(0, list.code(), list.out());
      assertTrue(list.out().contains("vigil.policies"), list.out());
      assertTrue(list.out().lines().noneMatch(l -> l.contains(" NO ")), list.out());
    }
  }
}
