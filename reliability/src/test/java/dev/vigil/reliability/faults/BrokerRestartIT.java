package dev.vigil.reliability.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.audit.AuditWebhookHandler;
import dev.vigil.ingest.audit.Deduplicator;
import dev.vigil.ingest.http.HttpResponse;
import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.PublishException;
import dev.vigil.ingest.metrics.MicrometerIngestMetrics;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.streams.StreamsSettings;
import dev.vigil.streams.VigilStreamsApp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, fault "restart the broker while ingest and streams run": ingest keeps publishing pod
 * events (the pod watcher's path: {@link KafkaRecordPublisher}) and audit batches (the webhook's
 * path: {@link AuditWebhookHandler}), the streams application keeps judging pods; the broker is
 * stopped and started again on the same data and ports. Nothing acknowledged is lost (every pod
 * event acknowledged gets a verdict, every audit event answered 200 is in Kafka), neither part is
 * restarted, and the ingest metrics show the outage.
 */
class BrokerRestartIT {

  @Test
  void nothingAcknowledgedIsLostAndBothRecoverWithoutARestart(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("kafka");
    EmbeddedKafka kafka = EmbeddedKafka.start(data);
    String bootstrap = kafka.bootstrapServers();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).create(Topics.ALL);
    }
    SimpleMeterRegistry ingestRegistry = new SimpleMeterRegistry();
    MicrometerIngestMetrics metrics = new MicrometerIngestMetrics(ingestRegistry);
    Set<String> ackedPods = ConcurrentHashMap.newKeySet();
    Set<String> ackedAudit = ConcurrentHashMap.newKeySet();
    Map<Integer, AtomicInteger> auditStatus = new ConcurrentHashMap<>();
    AtomicInteger podFailures = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    int podsAfterRestart;
    try (KafkaRecordPublisher publisher =
            new KafkaRecordPublisher(
                bootstrap, Map.of(), "/vigil/reliability", Duration.ofSeconds(2), metrics);
        VigilStreamsApp streams =
            VigilStreamsApp.start(
                StreamsSettings.defaults(bootstrap, dir.resolve("state"))
                    .withApplicationId("vigil-broker-restart"),
                new SimpleMeterRegistry())) {
      PolicyDocument v1 = World.policy(1, "ALWAYS_ALLOW");
      // The first publish fetches metadata, which can take longer than the 2 s bounded wait.
      assertTrue(
          World.await(
              () -> {
                try {
                  publisher.publishAll(
                      List.of(new Outgoing<>(Topics.POLICIES, v1.key(), v1, "policy-1", World.T0)));
                  return true;
                } catch (PublishException e) {
                  return false;
                }
              },
              Duration.ofSeconds(60)),
          "policy not acknowledged");
      streams.awaitRunning(Duration.ofSeconds(90));
      AuditWebhookHandler audit =
          new AuditWebhookHandler(
              publisher, new Deduplicator(100_000), metrics, Clock.systemUTC(), 16L * 1024 * 1024);

      Thread ingest =
          new Thread(
              () -> {
                for (int i = 0; !stop.get(); i++) {
                  PodEvent e =
                      World.pod(
                          PodEvent.Type.ADDED,
                          "payments",
                          "api-" + i,
                          1000 + i,
                          World.API + "@" + World.digest('a'));
                  try {
                    publisher.publishAll(
                        List.of(
                            new Outgoing<>(
                                Topics.POD_EVENTS, e.key(), e, e.eventId(), e.observedAt())));
                    ackedPods.add(e.name());
                  } catch (PublishException ex) {
                    podFailures.incrementAndGet();
                  }
                  List<String> ids = List.of("restart-" + i + "-a", "restart-" + i + "-b");
                  HttpResponse r = audit.handle(World.CLUSTER, World.auditBatch(ids));
                  auditStatus
                      .computeIfAbsent(r.status(), s -> new AtomicInteger())
                      .incrementAndGet();
                  if (r.status() == 200) {
                    ackedAudit.addAll(ids);
                  }
                  pace();
                }
              },
              "ingest");
      ingest.start();
      try {
        // Given ingest and streams are working,
        assertTrue(
            World.await(() -> ackedPods.size() >= 20, Duration.ofSeconds(60)),
            "no pod acknowledged");
        long t0 = System.nanoTime();
        // when the broker stops,
        kafka.close();
        // then ingest stops acknowledging (the publisher's bounded wait, the webhook's 503),
        assertTrue(
            World.await(
                () -> podFailures.get() >= 2 && auditStatus.containsKey(503),
                Duration.ofSeconds(60)),
            "no failure seen during the outage");
        int ackedDuringOutageCheck = ackedPods.size();
        // and when it comes back on the same data and ports,
        kafka = World.restart(data);
        // both carry on by themselves.
        assertTrue(
            World.await(
                () -> ackedPods.size() >= ackedDuringOutageCheck + 20, Duration.ofSeconds(120)),
            "ingest did not recover");
        podsAfterRestart = ackedPods.size() - ackedDuringOutageCheck;
        System.out.printf(
            "broker restart: stopped at +0 s, ingest acknowledging again by +%d s%n",
            (System.nanoTime() - t0) / 1_000_000_000L);
      } finally {
        stop.set(true);
        ingest.join(120_000);
      }

      // Every acknowledged pod event gets a verdict, every acknowledged audit event is in Kafka.
      try (World.Outputs reader =
          new World.Outputs(
              kafka.bootstrapServers(), List.of(Topics.VERDICTS, Topics.ADMISSION_EVENTS))) {
        long t1 = System.nanoTime();
        boolean complete =
            World.await(
                () -> {
                  reader.poll(Duration.ofMillis(500));
                  Set<String> judged =
                      reader.values(Topics.VERDICTS, Verdict.class).stream()
                          .map(Verdict::podName)
                          .collect(Collectors.toSet());
                  Set<String> admitted =
                      reader.values(Topics.ADMISSION_EVENTS, AdmissionEvent.class).stream()
                          .map(AdmissionEvent::auditId)
                          .collect(Collectors.toSet());
                  return judged.containsAll(ackedPods) && admitted.containsAll(ackedAudit);
                },
                Duration.ofSeconds(180));
        System.out.printf(
            "broker restart: outputs complete %d s after ingest stopped%n",
            (System.nanoTime() - t1) / 1_000_000_000L);
        Set<String> judged =
            reader.values(Topics.VERDICTS, Verdict.class).stream()
                .map(Verdict::podName)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> missingVerdicts = new TreeSet<>(ackedPods);
        missingVerdicts.removeAll(judged);
        Set<String> admitted =
            reader.values(Topics.ADMISSION_EVENTS, AdmissionEvent.class).stream()
                .map(AdmissionEvent::auditId)
                .collect(Collectors.toSet());
        Set<String> missingAudit = new TreeSet<>(ackedAudit);
        missingAudit.removeAll(admitted);
        System.out.printf(
            "broker restart: pod events acknowledged %d (after restart %d), failed %d; verdicts for %d"
                + " pods; audit events acknowledged %d, in Kafka %d; webhook statuses %s; streams %s%n",
            ackedPods.size(),
            podsAfterRestart,
            podFailures.get(),
            judged.size(),
            ackedAudit.size(),
            admitted.size(),
            auditStatus,
            streams.state());
        assertEquals(Set.of(), missingVerdicts, "acknowledged pod events without a verdict");
        assertEquals(Set.of(), missingAudit, "audit events answered 200 but not in Kafka");
        assertTrue(complete);
      }
      assertTrue(streams.state().isRunningOrRebalancing(), "streams state " + streams.state());
      double failures =
          ingestRegistry.find("vigil_ingest_publish_failures").counters().stream()
              .mapToDouble(Counter::count)
              .sum();
      assertTrue(failures >= 2, "the outage shows in vigil_ingest_publish_failures: " + failures);
    } finally {
      kafka.close();
    }
  }

  /** Paces the producer loop (about 50 pod events and 100 audit events a second at most). */
  private static void pace() {
    java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
  }
}
