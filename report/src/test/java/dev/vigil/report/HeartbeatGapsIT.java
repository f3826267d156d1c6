package dev.vigil.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.Heartbeats;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: a component that stops shows as a gap in the report. Heartbeats are written through a
 * real broker by the publisher streams and ingest run, stopped for eight seconds, started again;
 * the report read from the broker shows that stop as a period without heartbeats.
 */
class HeartbeatGapsIT {

  @TempDir Path dir;

  @Test
  void aStoppedPeriodShowsAsAGapInTheReport() throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      Properties p = new Properties();
      p.put("bootstrap.servers", kafka.bootstrapServers());
      try (Admin admin = Admin.create(p)) {
        new TopicAdmin(admin, (short) 1).create(Topics.ALL);
      }
      Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());

      Instant from = Instant.now();
      try (Heartbeats h =
          Heartbeats.start(client, "streams", "test", Duration.ofSeconds(1), () -> true)) {
        Thread.sleep(3_000);
      }
      Instant stopped = Instant.now();
      Thread.sleep(8_000);
      Instant restarted = Instant.now();
      try (Heartbeats h =
          Heartbeats.start(client, "streams", "test", Duration.ofSeconds(1), () -> true)) {
        Thread.sleep(3_000);
      }
      Instant to = Instant.now();

      ReportBuilder builder = new ReportBuilder(ReportSettings.of(from, to), Clock.systemUTC());
      new KafkaReportSource(p, Duration.ofSeconds(30)).readInto(builder, (read, total) -> {});
      Report r = builder.build();

      assertTrue(r.coverage().heartbeatsRead());
      List<Report.Gap> covering =
          r.coverage().gaps().stream()
              .filter(g -> !g.start().isAfter(stopped) && !g.end().isBefore(restarted))
              .toList();
      assertEquals(1, covering.size(), "the stop is one gap: " + r.coverage().gaps());
      Report.Gap gap = covering.get(0);
      assertEquals("streams", gap.component());
      assertTrue(gap.start().isAfter(from), "heartbeats came before the stop: " + gap);
      assertTrue(gap.duration().compareTo(Duration.ofSeconds(8)) >= 0, gap.toString());
      assertTrue(
          Tables.gaps(r).rows().stream().anyMatch(row -> row.get(0).equals("streams")),
          Tables.gaps(r).rows().toString());
    }
  }
}
