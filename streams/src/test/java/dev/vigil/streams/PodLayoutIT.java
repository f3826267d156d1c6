package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PodPartitioning;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.settings.StartupException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upgrade that would change where pod events go (ADR 0160): state written while pods were placed
 * by their whole key (builds before ADR 0160, Kafka's default partitioner) refuses to run under
 * {@code kafka.pod-partitioning=workload}, naming the setting; with {@code pod} it runs on.
 */
class PodLayoutIT {

  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final int PODS = 24;

  @TempDir static Path dir;
  @RegisterExtension static final TestBroker broker = new TestBroker();

  @Test
  void stateWrittenUnderTheOtherLayoutStopsStartUpNamingTheSetting() throws Exception {
    StreamsSettings byPod =
        StreamsSettings.fromMap(
                Map.of("kafka.pod-partitioning", "pod"),
                broker.bootstrapServers(),
                dir.resolve("state"))
            .withApplicationId("vigil-layout-it")
            .withChangePollInterval(Duration.ofMillis(500));
    PolicyDocument v1 = Fixtures.enforced(1, "ALWAYS_ALLOW");
    broker.send(Topics.POLICIES, v1.key(), v1);
    // given pods placed as builds before ADR 0160 placed them, and judged
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> old =
            new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        TestBroker.Outputs out = broker.outputs(List.of(Topics.VERDICTS))) {
      try (VigilStreamsApp app = VigilStreamsApp.start(byPod, new SimpleMeterRegistry())) {
        for (int i = 0; i < PODS; i++) {
          PodEvent e =
              added(
                  "payments",
                  "api-7d9f8c6b5-" + PodLayoutCheckTest.SUFFIXES.get(i),
                  100 + i,
                  deployment("payments", "api"),
                  image(API, 'a'));
          old.send(
              new ProducerRecord<>(
                  Topics.POD_EVENTS.name(),
                  e.key().getBytes(StandardCharsets.UTF_8),
                  Json.write(e)));
        }
        old.flush();
        out.await(Topics.VERDICTS, Verdict.class, PODS, v -> v.decision() == Decision.ALLOW);
      }
    }

    // when streams starts with the new default
    StreamsSettings byWorkload =
        StreamsSettings.fromMap(Map.of(), broker.bootstrapServers(), dir.resolve("state"))
            .withApplicationId("vigil-layout-it");
    assertEquals(PodPartitioning.WORKLOAD, byWorkload.podPartitioning());
    var refused =
        assertThrows(
            StartupException.class,
            () -> VigilStreamsApp.start(byWorkload, new SimpleMeterRegistry()).close());

    // then it refuses, naming the setting, the layout to give and a pod that shows it
    String m = refused.getMessage();
    assertTrue(m.contains("vigil-layout-it-pods-store-changelog"), m);
    assertTrue(m.contains("were placed by pod, but kafka.pod-partitioning is workload"), m);
    assertTrue(m.contains("--pod-partitioning pod"), m);
    assertTrue(m.contains("pod " + Fixtures.CLUSTER + "/payments/api-7d9f8c6b5-"), m);

    // and with the layout the state was written under it runs again
    try (VigilStreamsApp app = VigilStreamsApp.start(byPod, new SimpleMeterRegistry())) {
      app.awaitRunning(Duration.ofSeconds(60));
    }
  }
}
