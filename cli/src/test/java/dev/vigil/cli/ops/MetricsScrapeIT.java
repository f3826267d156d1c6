package dev.vigil.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.cli.run.KafkaAccess;
import dev.vigil.cli.run.StreamsRuntime;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a scrape of a running streams instance holds, through the embedded broker. */
class MetricsScrapeIT {

  @Test
  void kafkaClientMetricsAreTheOnesOperatorsUseWithoutAProcessUuid(@TempDir Path dir)
      throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      KafkaAccess access = KafkaAccess.of(kafka.bootstrapServers());
      access.createTopicsNow();
      PrometheusMeterRegistry registry = OpsServer.newRegistry();
      try (StreamsRuntime streams =
          StreamsRuntime.start(access, dir.resolve("state"), Map.of(), registry)) {
        streams.awaitRunning(Duration.ofSeconds(90));
        Thread.sleep(5_000); // the consumers fetch: their per-partition and lag metrics appear
        String scrape = registry.scrape();
        TreeSet<String> families = new TreeSet<>();
        for (String line : scrape.split("\n")) {
          if (line.startsWith("# TYPE ")) {
            families.add(line.split(" ")[2]);
          }
        }
        Files.writeString(
            Path.of("target/metrics-scrape-families.txt"), String.join("\n", families) + "\n");
        long kafkaFamilies = families.stream().filter(f -> f.startsWith("kafka_")).count();
        System.out.println(
            "families "
                + families.size()
                + ", kafka "
                + kafkaFamilies
                + ", lines "
                + scrape.split("\n").length);
        Matcher uuid =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                .matcher(scrape);
        List<String> withUuid = new ArrayList<>();
        while (uuid.find() && withUuid.size() < 5) {
          int start = scrape.lastIndexOf('\n', uuid.start()) + 1;
          withUuid.add(scrape.substring(start, scrape.indexOf('\n', uuid.end())));
        }
        assertEquals(
            List.of(),
            withUuid,
            "series named after the process' UUID (a new series on every restart)");
        assertTrue(families.size() <= 80, families.size() + " families: " + families);
        for (String used :
            List.of(
                "kafka_consumer_fetch_manager_records_lag_max",
                "kafka_stream_thread_process_latency_avg",
                "kafka_stream_thread_process_latency_max",
                "kafka_stream_alive_stream_threads")) {
          assertTrue(
              families.contains(used),
              used + " (alerts and dashboard read it) is missing: " + families);
        }
        // Vigil's own series exist before the first event (at 0), in both exposition formats.
        String openMetrics =
            registry.scrape("application/openmetrics-text; version=1.0.0; charset=utf-8");
        for (String body : List.of(scrape, openMetrics)) {
          assertTrue(
              body.matches(
                  "(?s).*\nvigil_component_info\\{component=\"streams\",version=\"[^\"]+\"} 1(\\.0)?\n.*"),
              "component info: " + body.lines().filter(l -> l.contains("component")).toList());
          assertTrue(
              body.contains(
                  "vigil_dead_letters_total{reason=\"unreadable\",source=\"vigil.pod-events\"} 0"),
              body.lines().filter(l -> l.startsWith("vigil_dead")).toList().toString());
          assertTrue(body.contains("\nvigil_policies_rejected_total 0"), "policies rejected at 0");
          assertTrue(
              body.contains("\nvigil_followups_suspected_bypass_total 0"),
              "suspected bypasses at 0");
          assertTrue(
              body.contains("\nvigil_followups_acknowledgements_expired_total 0"),
              "expired acks at 0");
        }
        assertTrue(
            KafkaMeterFilter.KEPT.containsAll(
                families.stream().filter(f -> f.startsWith("kafka_")).toList()));
      }
    }
  }
}
