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
 * {@code vigil bench} on tiny sizes, so the harness cannot rot: the fleet's list and watch stream
 * are produced, every measurement is taken and written to the JSON, and the revalidation completes.
 * It asserts that the harness works, never a speed.
 */
class BenchSmokeIT {

  static final List<String> MEASUREMENTS =
      List.of(
          "produce",
          "passthrough",
          "passthroughStateful",
          "vigil",
          "latency",
          "revalidation",
          "footprint",
          "validator");

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
            "--streams-property",
            "producer.linger.ms=5",
            "--streams-setting",
            "streams.freshness-interval=PT0.2S",
            "--broker-property",
            "log.cleaner.dedupe.buffer.size=8388608",
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
    JsonNode produce = byName.get(0);
    assertEquals(1000, produce.get("podEvents").asLong());
    assertEquals(300, produce.get("pods").asLong(), "the list: 300 running pods");
    assertEquals(300, produce.get("eventsListed").asLong());
    double replicas = produce.get("meanReplicas").asDouble();
    assertTrue(replicas >= 1 && replicas <= Fleet.MAX_REPLICAS, produce.toString());
    // then the watch: new pods from ADDED to ready, restarts, deletions
    assertTrue(produce.get("eventsCreated").asLong() > 0, produce.toString());
    assertEquals(
        produce.get("eventsCreated").asLong(), produce.get("eventsReady").asLong(), "all ready");
    assertTrue(produce.get("eventsRestarted").asLong() > 0, produce.toString());
    assertTrue(produce.get("eventsDeleted").asLong() > 0, produce.toString());
    assertTrue(produce.get("statusOnlyEvents").asLong() > 0, produce.toString());
    assertTrue(byName.get(1).get("recordsPerSecond").asDouble() > 0, "passthrough");
    assertTrue(byName.get(2).get("recordsPerSecond").asDouble() > 0, "stateful passthrough");
    // what each wrote per input: the passthrough its output, the stateful one a changelog record
    // too, Vigil more (its state, verdicts and transitions); transaction markers on top
    double pass = byName.get(1).get("recordsWrittenPerInputRecord").asDouble();
    double stateful = byName.get(2).get("recordsWrittenPerInputRecord").asDouble();
    assertTrue(pass >= 1 && pass < 2, "passthrough " + pass);
    assertTrue(stateful >= 2 && stateful < 3, "stateful passthrough " + stateful);
    assertTrue(
        byName.get(3).get("recordsWrittenPerInputRecord").asDouble() > stateful,
        byName.get(3).toString());
    assertTrue(byName.get(3).get("podEventsPerSecond").asDouble() > 0, "vigil");
    assertTrue(byName.get(3).get("ratioToStatefulPassthrough").asDouble() > 0, "ratio");
    assertTrue(byName.get(3).has("ratioToPassthrough"), "ratio");
    assertEquals(1, byName.get(3).get("instances").asInt());
    JsonNode latency = byName.get(4);
    assertEquals(500, latency.get("podEvents").asLong(), "latency events");
    assertTrue(latency.get("podsCreated").asLong() > 0, latency.toString());
    assertEquals(
        latency.get("podsCreated").asLong(),
        latency.get("verdictsSeen").asLong(),
        "every pod created in the latency run got its verdict");
    assertTrue(latency.get("appendToAppendP99Ms").asDouble() >= 0, "latency p99");
    assertTrue(latency.get("achievedRate").asDouble() > 0, "achieved rate");
    // Kafka Streams' own maxima, to tell a stall of the stream thread from one elsewhere
    assertTrue(latency.get("streamThreadCommitMaxMs").asDouble() > 0, latency.toString());
    for (String k :
        List.of(
            "streamThreadPunctuateMaxMs",
            "streamThreadPollMaxMs",
            "streamThreadProcessMaxMs",
            "producerRecordQueueTimeMaxMs",
            "producerRequestLatencyMaxMs")) {
      assertTrue(latency.has(k), k + " in " + latency);
    }
    assertEquals(
        "{producer.linger.ms=5}",
        root.get("parameters").get("streamsProperties").asText(),
        "what Vigil's streams app was given");
    assertEquals(
        "{streams.freshness-interval=PT0.2S}",
        root.get("parameters").get("streamsSettings").asText());
    assertEquals(
        "{log.cleaner.dedupe.buffer.size=8388608}",
        root.get("parameters").get("brokerProperties").asText());
    // the routine scans started every 200 ms, during the window too; each part is timed
    JsonNode punctuation = latency.get("punctuation");
    assertTrue(punctuation.get("scans-start").get("calls").asLong() > 0, punctuation.toString());
    assertTrue(punctuation.get("scans").get("maxMs").asDouble() > 0, punctuation.toString());
    assertTrue(latency.has("slowPodsBySecond"), latency.toString());
    // evicted and rolled-out pods were replaced: still 300 running pods, all judged under v2
    JsonNode revalidation = byName.get(5);
    assertEquals(300, revalidation.get("runningPods").asLong());
    assertEquals(300, revalidation.get("podsWithVerdictUnderNewPolicy").asLong());
    assertTrue(
        revalidation.get("completedBy").asText().startsWith("every running pod"),
        revalidation.toString());
    assertTrue(revalidation.get("secondsUntilAllJudged").asDouble() > 0, revalidation.toString());
    // pods are judged by their own verdict or by a template verdict listing them (issue 13 part 2)
    assertTrue(
        revalidation.has("templateVerdictsUnderNewPolicy")
            && revalidation.has("podsConfirmedByTemplate")
            && revalidation.has("secondsUntilEvaluatedInMemory"),
        revalidation.toString());
    assertTrue(revalidation.get("expectedTransitions").asLong() > 0, "tools pods now violate");
    assertEquals(
        revalidation.get("expectedTransitions").asLong(),
        revalidation.get("expectedTransitionsSeen").asLong(),
        revalidation.toString());
    assertEquals(300, byName.get(6).get("runningPods").asLong());
    assertTrue(byName.get(6).has("bytesOnDiskPerPod") && byName.get(6).has("vigilHeapMiB"));
    assertTrue(byName.get(6).get("heapAfterFullGcMiB").asDouble() > 0);
    assertTrue(byName.get(6).get("stateStoresOnDiskMiB").asDouble() > 0);
    assertTrue(out.toString().contains("revalidation"), out.toString());
    assertTrue(
        root.get("measurements").get(7).has(Results.QUOTED), "the validator figures are quoted");
    assertTrue(
        out.toString().contains("validator      QUOTED FROM DOCS, not measured by this run"),
        out.toString());
  }
}
