package dev.vigil.ingest.audit;

import static dev.vigil.ingest.AuditSamples.KUBE_SYSTEM;
import static dev.vigil.ingest.AuditSamples.eventList;
import static dev.vigil.ingest.AuditSamples.variant;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.ingest.KafkaTopics;
import dev.vigil.ingest.ReceiverFixture;
import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away while the API server keeps posting batches, then comes back with the same
 * data: every batch that was answered 200 is in Kafka. Uses the embedded broker directly, because
 * it restarts it on the same data directory and ports.
 */
class ReceiverBrokerOutageIT {

  static final int EVENTS_PER_BATCH = 5;

  @Test
  void everyBatchAnswered200IsInKafkaAfterTheBrokerComesBack(@TempDir Path dir) throws Exception {
    EmbeddedKafka kafka = EmbeddedKafka.start(dir);
    String bootstrap = kafka.bootstrapServers();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).create(List.of(Topics.ADMISSION_EVENTS, Topics.DEAD_LETTER));
    }
    Map<Integer, Integer> status = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    try (KafkaRecordPublisher publisher =
            new KafkaRecordPublisher(
                bootstrap,
                Map.of(),
                "/vigil/ingest/test",
                Duration.ofSeconds(2),
                IngestMetrics.NOOP);
        ReceiverFixture receiver =
            new ReceiverFixture(publisher, IngestMetrics.NOOP, Set.of("c1"), null)) {
      Thread poster =
          new Thread(
              () -> {
                for (int i = 0; i < 2000 && !stop.get(); i++) {
                  try {
                    status.put(i, receiver.post("/audit/c1", batch(i)).statusCode());
                  } catch (RuntimeException e) {
                    status.put(
                        i, -1); // connection trouble: the API server would retry; not acknowledged
                  }
                }
              },
              "api-server");
      poster.start();
      try {
        // Given batches are being acknowledged,
        await("a 200 before the outage")
            .atMost(Duration.ofSeconds(60))
            .until(() -> count(status, 200) >= 3);
        // when the broker stops,
        kafka.close();
        int before = status.size();
        // then the receiver answers 503 rather than 200,
        await("a 503 during the outage")
            .atMost(Duration.ofSeconds(60))
            .until(() -> count(status, 503) >= 2);
        // and when it comes back on the same data and ports,
        kafka = restart(dir);
        int restartedAt = status.size();
        // batches are acknowledged again.
        await("a 200 after the broker came back")
            .atMost(Duration.ofSeconds(90))
            .until(
                () ->
                    status.entrySet().stream()
                        .anyMatch(e -> e.getKey() > restartedAt && e.getValue() == 200));
        assertTrue(before < restartedAt);
      } finally {
        stop.set(true);
        poster.join(120_000);
      }

      Set<String> acknowledged =
          status.entrySet().stream()
              .filter(e -> e.getValue() == 200)
              .flatMap(e -> ids(e.getKey()).stream())
              .collect(Collectors.toSet());
      List<AdmissionEvent> inKafka =
          KafkaTopics.values(
              KafkaTopics.readUntil(
                  kafka.bootstrapServers(),
                  Topics.ADMISSION_EVENTS,
                  got ->
                      got.stream()
                          .map(r -> r.value().auditId())
                          .collect(Collectors.toSet())
                          .containsAll(acknowledged),
                  Duration.ofSeconds(60)));
      Set<String> present =
          inKafka.stream().map(AdmissionEvent::auditId).collect(Collectors.toSet());
      Set<String> missing = new java.util.TreeSet<>(acknowledged);
      missing.removeAll(present);
      assertEquals(Set.of(), missing, "acknowledged but not in Kafka");
      assertTrue(count(status, 503) >= 2);
    } finally {
      kafka.close();
    }
  }

  private static long count(Map<Integer, Integer> status, int code) {
    return status.values().stream().filter(s -> s == code).count();
  }

  private static List<String> ids(int batch) {
    List<String> ids = new ArrayList<>();
    for (int j = 0; j < EVENTS_PER_BATCH; j++) {
      ids.add("outage-" + batch + "-" + j);
    }
    return ids;
  }

  private static byte[] batch(int i) {
    ObjectNode[] events =
        ids(i).stream().map(id -> variant(KUBE_SYSTEM, id, e -> {})).toArray(ObjectNode[]::new);
    return eventList(events);
  }

  /** Starts the broker again with the settings, ports included, that it wrote at first start. */
  private static EmbeddedKafka restart(Path dir) throws Exception {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(dir.resolve("server.properties"))) {
      p.load(r);
    }
    String listeners = p.getProperty("listeners");
    int port =
        Integer.parseInt(listeners.replaceAll(".*PLAINTEXT://127\\.0\\.0\\.1:(\\d+).*", "$1"));
    return EmbeddedKafka.start(
        dir,
        port,
        Map.of(
            "listeners",
            listeners,
            "controller.quorum.bootstrap.servers",
            p.getProperty("controller.quorum.bootstrap.servers")));
  }
}
