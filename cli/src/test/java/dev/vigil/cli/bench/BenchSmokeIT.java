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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil bench} on tiny sizes, so the harness cannot rot: every measurement is taken and
 * written to the JSON. It asserts that the harness works, never a speed.
 */
class BenchSmokeIT {

  static final List<String> MEASUREMENTS =
      List.of(
          "produce", "passthrough", "vigil", "latency", "revalidation", "footprint", "validator");

  @Test
  void benchOnTinySizesWritesEveryMeasurement(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("bench.json");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code =
        Vigil.execute(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "bench",
            "--pods",
            "300",
            "--events",
            "1000",
            "--rate",
            "500",
            "--latency-seconds",
            "1",
            "--data-dir",
            dir.resolve("data").toString(),
            "--output",
            json.toString());

    assertEquals(0, code, out + "\n" + err);
    JsonNode root = new ObjectMapper().readTree(Files.readString(json));
    JsonNode machine = root.get("machine");
    assertTrue(machine.get("cores").asInt() > 0, machine.toString());
    assertTrue(
        machine.has("memoryMiB") && machine.has("jvm") && machine.has("loadAverageAtStart"),
        machine.toString());
    List<String> names = new ArrayList<>();
    for (JsonNode m : root.get("measurements")) {
      names.add(m.get("measurement").asText());
      assertTrue(m.has("machine"), m.toString());
      // Measured figures carry this run's load; quoted ones say where they come from instead.
      assertTrue(m.has("loadAverage") != m.has(Results.QUOTED), m.toString());
    }
    assertEquals(MEASUREMENTS, names);
    JsonNode byName = root.get("measurements");
    assertTrue(byName.get(1).get("recordsPerSecond").asDouble() > 0, "passthrough");
    assertTrue(byName.get(2).get("podEventsPerSecond").asDouble() > 0, "vigil");
    assertTrue(byName.get(2).has("ratioToPassthrough"), "ratio");
    assertEquals(500, byName.get(3).get("podEvents").asLong(), "latency events");
    assertEquals(
        500, byName.get(3).get("verdictsSeen").asLong(), "every latency pod got its verdict");
    assertTrue(byName.get(3).get("appendToAppendP99Ms").asDouble() >= 0, "latency p99");
    // 300 pods from the throughput run and 500 from the latency run are all re-evaluated
    assertEquals(800, byName.get(4).get("runningPods").asLong());
    assertEquals(800, byName.get(4).get("reevaluatedVerdicts").asLong());
    assertTrue(byName.get(4).get("violationsOpened").asLong() > 0, "tools pods now violate");
    assertTrue(byName.get(5).get("heapAfterFullGcMiB").asDouble() > 0);
    assertTrue(byName.get(5).get("stateStoresOnDiskMiB").asDouble() > 0);
    assertTrue(out.toString().contains("revalidation"), out.toString());
    assertTrue(
        root.get("measurements").get(6).has(Results.QUOTED), "the validator figures are quoted");
    assertTrue(
        out.toString().contains("validator      QUOTED FROM DOCS, not measured by this run"),
        out.toString());
  }
}
