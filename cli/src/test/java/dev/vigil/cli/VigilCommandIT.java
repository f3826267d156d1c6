package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VigilCommandIT {

  record Run(int code, String out, String err) {}

  static Run vigil(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Vigil.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void helpListsTheSubCommands() {
    Run run = vigil("--help");

    assertEquals(0, run.code());
    assertTrue(run.out().contains("topics"), run.out());
    assertTrue(run.out().contains("broker"), run.out());
  }

  @Test
  void unknownSubCommandIsAUsageError() {
    Run run = vigil("frobnicate");

    assertEquals(2, run.code());
    assertTrue(run.err().contains("frobnicate"), run.err());
  }

  @Test
  void topicsCreateIsIdempotentAndListShowsThemAll(@TempDir Path dir) {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir)) {
      Run missing = vigil("topics", "list", "--bootstrap-servers", kafka.bootstrapServers());
      assertEquals(3, missing.code(), "list exits 3 while topics are missing");

      Run first = vigil("topics", "create", "--bootstrap-servers", kafka.bootstrapServers());
      Run second = vigil("topics", "create", "--bootstrap-servers", kafka.bootstrapServers());
      Run list = vigil("topics", "list", "--bootstrap-servers", kafka.bootstrapServers());

      assertEquals(0, first.code(), first.err());
      assertEquals(Topics.ALL.size(), first.out().lines().filter(l -> l.contains(" created ")).count(), first.out());
      assertEquals(0, second.code(), second.err());
      assertEquals(Topics.ALL.size(), second.out().lines().filter(l -> l.contains("already exists")).count());
      assertEquals(0, list.code(), list.out());
      assertTrue(list.out().contains("vigil.policies"), list.out());
      assertTrue(list.out().lines().noneMatch(l -> l.contains(" NO ")), list.out());
    }
  }
}
