package dev.vigil.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.cli.ops.OpsServer;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The liveness probe of {@code vigil streams} watches both of its Kafka Streams applications: when
 * the policy gate stops, no policy edit is accepted or rejected any more while validation goes on
 * under the old policy, and only a restart brings it back.
 */
class PolicyGateHealthIT {

  @Test
  void healthFailsWhenThePolicyGateStopsThoughValidationRuns(@TempDir Path dir) throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      KafkaAccess access = KafkaAccess.of(kafka.bootstrapServers());
      access.createTopicsNow();
      try (StreamsRuntime streams =
          StreamsRuntime.start(access, dir.resolve("state"), Map.of(), OpsServer.newRegistry())) {
        streams.awaitRunning(Duration.ofSeconds(90));
        Map<String, String> running = streams.unhealthy();

        streams.app().policyGate().close(Duration.ofSeconds(30));

        assertEquals(Map.of(), running);
        assertEquals(
            KafkaStreams.State.RUNNING, streams.app().state(), "validation itself still runs");
        Map<String, String> gateStopped = streams.unhealthy();
        assertEquals(1, gateStopped.size(), gateStopped.toString());
        assertTrue(
            gateStopped
                .getOrDefault("policy-gate", "")
                .startsWith(
                    "NOT_RUNNING: Kafka Streams stopped; "
                        + "policy edits are no longer accepted or rejected"),
            gateStopped.toString());
      }
    }
  }
}
