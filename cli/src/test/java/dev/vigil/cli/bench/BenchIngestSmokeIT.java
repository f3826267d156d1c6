package dev.vigil.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.cli.Vigil;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil bench ingest} on tiny sizes, so the harness cannot rot: both endpoints are posted
 * to, pod admissions reach Kafka, and the figures are written. It asserts that the harness works,
 * never a speed.
 */
class BenchIngestSmokeIT {

  @Test
  void benchIngestOnTinySizesWritesItsFigures(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("bench-ingest.json");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code =
        Vigil.execute(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "bench",
            "ingest",
            "--seconds",
            "2",
            "--rounds",
            "1",
            "--clients",
            "2",
            "--batch",
            "40",
            "--bodies",
            "20",
            "--watch-pods",
            "50",
            "--data-dir",
            dir.resolve("data").toString(),
            "--output",
            json.toString());

    assertEquals(0, code, out + "\n" + err);
    JsonNode m = new ObjectMapper().readTree(Files.readString(json)).get("measurements").get(0);
    assertEquals("ingest", m.get("measurement").asText());
    for (String key :
        new String[] {
          "eventsPerSecond",
          "discardLimitEventsPerSecond",
          "ratioToDiscard",
          "batchP99Ms",
          "cpuMsPerBatch",
          "discardCpuMsPerBatch",
          "cpuRatioToDiscard",
          "warmupSeconds"
        }) {
      assertTrue(m.get(key).asDouble() > 0, key + " in " + m);
    }
    // The warm-up ran at least two turns of both endpoints (2 s each here).
    assertTrue(m.get("warmupSeconds").asDouble() >= 8, m.toString());
    assertTrue(m.get("jitCpuSecondsInPhases").asDouble() >= 0, m.toString());
    // A tenth of each batch is a pod create at ResponseComplete, and each of them reaches Kafka
    // (20 bodies x 500 cluster ids: no batch repeats within 2 s, so none is de-duplicated).
    assertEquals(
        m.get("batches").asLong() * 4, m.get("podAdmissionsPublished").asLong(), m.toString());
    assertTrue(out.toString().contains("discardLimitEventsPerSecond"), out.toString());
    // The watcher listed the 50 pods of the paged mock API server and saw the changes its watch
    // delivered (each pod event reached Kafka), and its heap was measured.
    JsonNode w = new ObjectMapper().readTree(Files.readString(json)).get("measurements").get(1);
    assertEquals("watch", w.get("measurement").asText());
    assertEquals(50, w.get("pods").asInt());
    assertEquals(50 + WatchBench.CHANGES, w.get("podEventsPublished").asInt(), w.toString());
    assertTrue(w.has("heapMiB") && w.get("heapMiB").isNumber(), w.toString());
  }
}
