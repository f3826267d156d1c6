package dev.vigil.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny run of the bounded-heap benchmark, so the harness keeps working; the real run is by hand.
 */
class ReportBenchmarkIT {

  @Test
  void harnessFillsTheTopicsAndReportsThemInASmallHeap(@TempDir Path dir) throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      ReportBenchmark.Result r = ReportBenchmark.run(kafka.bootstrapServers(), 4_000, "64m", dir);

      assertEquals(0, r.childExit(), r.childOutput());
      assertTrue(r.childOutput().contains("records read         4,000 in"), r.childOutput());
      assertTrue(Files.size(dir.resolve("report.html")) > 1000);
    }
  }
}
