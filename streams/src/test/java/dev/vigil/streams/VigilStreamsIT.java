package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.Heartbeat;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.WorkloadRef;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of the application (same application id, their own state directories) against a
 * real broker, exactly-once: a new policy version re-evaluates the pods held by both. The tests
 * share the broker and its policy topic, so they run in name order (the policy-change test first).
 */
@TestMethodOrder(MethodOrderer.MethodName.class)
class VigilStreamsIT {

  static final Duration WAIT = Duration.ofSeconds(90);
  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final int PODS = 12;

  @TempDir static Path dir;
  @RegisterExtension static final TestBroker broker = new TestBroker();

  static <V> void send(Topic<V> topic, String key, V value) throws Exception {
    broker.send(topic, key, value);
  }

  @Test
  void aPolicyChangeReevaluatesPodsHeldByBothInstances() throws Exception {
    StreamsSettings base =
        StreamsSettings.defaults(broker.bootstrapServers(), dir.resolve("state-a"))
            .withApplicationId("vigil-it")
            .withChangePollInterval(Duration.ofMillis(500));
    SimpleMeterRegistry regA = new SimpleMeterRegistry();
    SimpleMeterRegistry regB = new SimpleMeterRegistry();
    try (VigilStreamsApp a = VigilStreamsApp.start(base, regA);
        VigilStreamsApp b = VigilStreamsApp.start(base.withStateDir(dir.resolve("state-b")), regB);
        TestBroker.Outputs out =
            broker.outputs(
                List.of(
                    Topics.VERDICTS,
                    Topics.VIOLATIONS,
                    Topics.FOLLOWUPS,
                    Topics.DEAD_LETTER,
                    Topics.HEARTBEATS))) {
      // given both instances run and each holds some of the pod partitions
      await(
          "both instances hold validation tasks",
          () -> holdsValidationTasks(a) && holdsValidationTasks(b));

      // unreadable records on the global topics must not stop the global thread
      for (Topic<?> t : List.of(Topics.POLICIES, Topics.ATTESTATIONS, Topics.IMAGE_METADATA)) {
        broker.sendRaw(t.name(), "junk", "{not json");
      }
      PolicyDocument v1 = Fixtures.enforced(1, "ALWAYS_ALLOW");
      send(Topics.POLICIES, v1.key(), v1);
      for (int i = 0; i < PODS; i++) {
        PodEvent e =
            added(
                "payments",
                // one pod of each of 12 ReplicaSets: placed by workload (ADR 0160), they spread
                // over the partitions, so both instances hold some
                "api" + i + "-7d9f8c6b5-x2k9p",
                100 + i,
                deployment("payments", "api" + i),
                image(API, 'a'));
        send(Topics.POD_EVENTS, e.key(), e);
      }
      out.await(Topics.VERDICTS, Verdict.class, PODS, v -> v.decision() == Decision.ALLOW);

      // when a new policy version arrives, with no new pod event
      PolicyDocument v2 = Fixtures.enforced(2, "ALWAYS_DENY");
      send(Topics.POLICIES, v2.key(), v2);

      // then every pod is judged again, by whichever instance holds it
      List<Verdict> rejudged =
          out.await(
              Topics.VERDICTS,
              Verdict.class,
              PODS,
              v -> v.trigger() == Verdict.Trigger.POLICY_CHANGE && v.decision() == Decision.DENY);
      assertEquals(PODS, rejudged.stream().map(Verdict::podName).distinct().count());
      // (a pod event that overtook policy version 1 into an instance's global store was UNKNOWN
      // for a moment: its UNKNOWN violation opened and resolved before; only DENY counts here)
      List<ViolationTransition> opened =
          out.await(
              Topics.VIOLATIONS,
              ViolationTransition.class,
              PODS,
              t ->
                  t.transition() == ViolationTransition.Transition.OPENED
                      && t.current() == Decision.DENY);
      assertEquals(PODS, opened.size(), opened.toString());
      assertEquals(PODS, opened.stream().map(ViolationTransition::podName).distinct().count());
      double byA = count(regA, "policy_change");
      double byB = count(regB, "policy_change");
      assertTrue(byA > 0 && byB > 0, "both instances re-evaluated: a=" + byA + " b=" + byB);
      // Metrics are not transactional: an aborted and retried transaction counts twice.
      assertTrue(byA + byB >= PODS, "a=" + byA + " b=" + byB);

      // and a record that cannot be read goes to the dead-letter topic, and processing goes on
      broker.sendRaw(Topics.POD_EVENTS.name(), "us-central1-a.prod/payments/bad", "{not json");
      List<DeadLetter> dl =
          out.await(
              Topics.DEAD_LETTER,
              DeadLetter.class,
              1,
              d -> d.source().equals(Topics.POD_EVENTS.name()));
      assertEquals("us-central1-a.prod/payments/bad", dl.get(0).key());
      assertEquals("UnreadableMessageException", dl.get(0).errorType());
      for (Topic<?> t : List.of(Topics.POLICIES, Topics.ATTESTATIONS, Topics.IMAGE_METADATA)) {
        // read by the global thread of both instances, written once by the task of partition 0
        assertEquals(
            "junk",
            out.await(Topics.DEAD_LETTER, DeadLetter.class, 1, d -> d.source().equals(t.name()))
                .get(0)
                .key(),
            t.name());
      }
      assertTrue(a.state().isRunningOrRebalancing() && b.state().isRunningOrRebalancing());

      // and each running instance writes heartbeats, which the report's gaps are made of (ADR 0092)
      Heartbeat beat =
          out.await(Topics.HEARTBEATS, Heartbeat.class, 2, h -> h.component().equals("streams"))
              .get(0);
      assertEquals(30, beat.intervalSeconds());
      assertTrue(beat.instance().endsWith("/" + ProcessHandle.current().pid()), beat.instance());
    }
  }

  @Test
  void anAcknowledgementThatExpiresReopensItsFollowUpAfterARestart() throws Exception {
    StreamsSettings settings =
        StreamsSettings.defaults(broker.bootstrapServers(), dir.resolve("state-ack"))
            .withApplicationId("vigil-it-ack")
            .withChangePollInterval(Duration.ofMillis(500));
    WorkloadRef owner = deployment("billing", "ledger");
    Predicate<FollowUp> ledger = f -> f.owner().equals(owner);
    FollowUp escalated;
    try (VigilStreamsApp app = VigilStreamsApp.start(settings, new SimpleMeterRegistry());
        TestBroker.Outputs out = broker.outputs(List.of(Topics.FOLLOWUPS))) {
      PolicyDocument deny = Fixtures.enforced(7, "ALWAYS_DENY");
      send(Topics.POLICIES, deny.key(), deny);
      AdmissionEvent a =
          Fixtures.failedOpen("ack-1", "billing", "ledger-1", owner, image(API, 'c'));
      send(Topics.ADMISSION_EVENTS, a.key(), a);
      PodEvent p = added("billing", "ledger-1", 500, owner, image(API, 'c'));
      send(Topics.POD_EVENTS, p.key(), p);
      escalated =
          out.await(
                  Topics.FOLLOWUPS,
                  FollowUp.class,
                  1,
                  ledger.and(f -> f.state() == FollowUp.State.ESCALATED))
              .get(0);

      // acknowledged for a few seconds, with a ticket
      Instant until = Instant.now().plusSeconds(8);
      send(
          Topics.FOLLOWUP_ACKS,
          escalated.key(),
          new FollowUpAck(
              escalated.followUpId(),
              FollowUpAck.Action.ACKNOWLEDGE,
              "alice",
              "maintenance",
              Instant.now(),
              until,
              "OPS-9"));
      FollowUp acked =
          out.await(
                  Topics.FOLLOWUPS,
                  FollowUp.class,
                  1,
                  ledger.and(f -> f.state() == FollowUp.State.ACKNOWLEDGED))
              .get(0);
      assertEquals(until, acked.acknowledgedUntil());
    }
    // the instance stops before the expiry; the one started after it finds the expiry in its stores
    try (VigilStreamsApp app = VigilStreamsApp.start(settings, new SimpleMeterRegistry());
        TestBroker.Outputs out = broker.outputs(List.of(Topics.FOLLOWUPS))) {
      FollowUp reopened =
          out.await(
                  Topics.FOLLOWUPS,
                  FollowUp.class,
                  1,
                  ledger.and(f -> f.cause().contains("expired")))
              .get(0);
      assertEquals(FollowUp.State.ESCALATED, reopened.state());
      assertEquals(escalated.followUpId(), reopened.followUpId());
      assertEquals("OPS-9", reopened.ticket());
      assertTrue(reopened.cause().contains("back to ESCALATED"), reopened.cause());
    }
  }

  @Test
  void thePolicyRevisionIsDerivedAgainWhenTheGlobalStoreIsRestoredAfterARestart() throws Exception {
    StreamsSettings settings =
        StreamsSettings.defaults(broker.bootstrapServers(), dir.resolve("state-revision"))
            .withApplicationId("vigil-it-revision")
            .withChangePollInterval(Duration.ofMillis(500));
    PolicyDocument staging = Fixtures.enforcedFor("us-east1-b.staging", 1, "ALWAYS_DENY");
    PolicyDocument batch1 = Fixtures.enforcedFor("europe-west1-c.batch", 1, "ALWAYS_DENY");
    PolicyDocument batch2 = Fixtures.enforcedFor("europe-west1-c.batch", 2, "ALWAYS_ALLOW");
    PolicyDocument attestor = new Fixtures.Signer().attestor(1);
    String before;
    try (VigilStreamsApp app = VigilStreamsApp.start(settings, new SimpleMeterRegistry())) {
      app.awaitRunning(WAIT); // interactive queries need it
      for (PolicyDocument d : List.of(staging, batch1, attestor, batch2)) {
        send(Topics.POLICIES, d.key(), d);
      }
      send(Topics.POLICIES, staging.key(), null); // withdrawn: a tombstone on both topics
      // The keeper writes a document, then the revision: a reader in between (these interactive
      // queries, or a task) sees the new documents under the previous revision for a moment, and
      // reloads when the revision moves.
      await(
          "the global store holds batch@2 and the attestor, not staging, under their revision",
          () ->
              documents(app).contains(batch2)
                  && documents(app).contains(attestor)
                  && documents(app).stream().noneMatch(d -> d.key().equals(staging.key()))
                  && Objects.equals(PolicyStore.revisionOf(documents(app)), revision(app)));
      before = revision(app);
    }
    // the in-memory global store is rebuilt from vigil.policies.accepted, through the keeper
    try (VigilStreamsApp app = VigilStreamsApp.start(settings, new SimpleMeterRegistry())) {
      app.awaitRunning(WAIT);
      assertEquals(before, revision(app), "the same set, the same revision");
      assertEquals(PolicyStore.revisionOf(documents(app)), revision(app));
      assertTrue(documents(app).contains(batch2) && documents(app).contains(attestor));
    }
  }

  static ReadOnlyKeyValueStore<String, byte[]> policyStore(VigilStreamsApp app) {
    return app.kafkaStreams()
        .store(
            StoreQueryParameters.fromNameAndType(
                StoreNames.POLICIES, QueryableStoreTypes.<String, byte[]>keyValueStore()));
  }

  static String revision(VigilStreamsApp app) {
    byte[] r = policyStore(app).get(PolicyStore.REVISION);
    return r == null ? null : new String(r, StandardCharsets.UTF_8);
  }

  static List<PolicyDocument> documents(VigilStreamsApp app) {
    List<PolicyDocument> out = new ArrayList<>();
    try (var it = policyStore(app).all()) {
      it.forEachRemaining(
          kv -> {
            if (!PolicyStore.reserved(kv.key)) {
              out.add(Json.read(kv.value, PolicyDocument.class));
            }
          });
    }
    return out;
  }

  static boolean holdsValidationTasks(VigilStreamsApp app) {
    return app.kafkaStreams().metadataForLocalThreads().stream()
        .flatMap(t -> t.activeTasks().stream())
        .map(t -> t.taskId())
        .anyMatch(VigilStreamsIT::isValidationTask);
  }

  // Sub-topology 3 is continuous validation (see docs/streams-topology.md).
  static boolean isValidationTask(TaskId id) {
    return id.subtopology() == 3;
  }

  static double count(SimpleMeterRegistry r, String trigger) {
    var c = r.find("vigil.evaluations").tag("trigger", trigger).counter();
    return c == null ? 0 : c.count();
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(100);
    }
  }
}
