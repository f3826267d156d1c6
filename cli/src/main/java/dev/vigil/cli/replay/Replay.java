package dev.vigil.cli.replay;

import dev.vigil.cli.run.KafkaAccess;
import dev.vigil.cli.run.StreamsRuntime;
import dev.vigil.ingest.feeds.PolicyFilePublisher;
import dev.vigil.ingest.feeds.PolicyValidator;
import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.streams.StreamsSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One replay: an embedded broker in a temporary directory, ingest's publishers and the real streams
 * topology, fed in phases (policies, attestations and metadata before the topology starts; then
 * pods and audit events; then the policy update and late attestations), each phase run until the
 * pipeline is idle. Returns what the violations and follow-ups topics hold.
 */
public final class Replay {

  /** The streams application id of a replay (its consumer group). */
  static final String APPLICATION_ID = "vigil-replay";

  /** How long an admission waits for its pod; a phase lasts at least this long after its input. */
  static final Duration CORRELATION_SKEW = Duration.ofSeconds(2);

  /** Timing of a replay; {@link #DEFAULTS} suits tests and small inputs. */
  public record Timing(Duration quiet, Duration phaseTimeout, Duration startTimeout) {
    public static final Timing DEFAULTS =
        new Timing(Duration.ofMillis(2000), Duration.ofSeconds(120), Duration.ofSeconds(120));
  }

  /** What the replay produced, in topic order; dead letters are reported apart. */
  public record Result(
      List<FollowUp> followUps,
      List<ViolationTransition> violations,
      List<DeadLetter> deadLetters) {}

  private Replay() {}

  /** Runs the replay. @throws ReplayInputException for a policy (update) that ingest rejects */
  public static Result run(
      ReplayRequest request, ReplayInputs inputs, Timing timing, PrintWriter err) throws Exception {
    dev.vigil.cli.DevTools.requireEmbeddedKafka("vigil replay");
    Deque<AutoCloseable> open = new ArrayDeque<>();
    Path work = Files.createTempDirectory("vigil-replay-");
    Path data = request.keepData() != null ? request.keepData() : work.resolve("kafka");
    long t0 = System.nanoTime();
    try {
      EmbeddedKafka broker = EmbeddedKafka.start(data);
      open.push(broker);
      createTopicsKeepingEverything(broker.bootstrapServers());
      KafkaAccess kafka = KafkaAccess.of(broker.bootstrapServers());
      kafka.createTopicsNow();
      KafkaRecordPublisher publisher =
          new KafkaRecordPublisher(
              broker.bootstrapServers(),
              Map.of(),
              "/vigil/replay",
              Duration.ofSeconds(30),
              IngestMetrics.NOOP);
      open.push(publisher);

      // Phase 0: what the global stores hold before the first pod is judged.
      PolicyDocument policy =
          publishPolicy(
              request.policy(),
              PolicyDocument.Kind.BINAUTHZ_POLICY,
              request.policy().getFileName().toString(),
              publisher,
              null);
      if (request.platformPolicy() != null) {
        publishPolicy(
            request.platformPolicy(),
            PolicyDocument.Kind.PLATFORM_POLICY,
            request.platformPolicy().getFileName().toString(),
            publisher,
            null);
      }
      for (Path attestor : request.attestors()) {
        publishPolicy(
            attestor,
            PolicyDocument.Kind.ATTESTOR,
            attestor.getFileName().toString(),
            publisher,
            null);
      }
      publishAll(publisher, inputs.attestations);
      publishAll(publisher, inputs.imageMetadata);

      Map<String, String> overrides = new LinkedHashMap<>();
      overrides.put(StreamsSettings.APPLICATION_ID.key(), APPLICATION_ID);
      overrides.put(StreamsSettings.CORRELATION_SKEW.key(), CORRELATION_SKEW.toString());
      overrides.put(StreamsSettings.FOLLOWUP_FLUSH_INTERVAL.key(), "PT0.5S");
      overrides.put(StreamsSettings.CHANGE_POLL_INTERVAL.key(), "PT0.25S");
      StreamsRuntime streams =
          StreamsRuntime.start(
              kafka, work.resolve("streams-state"), overrides, new SimpleMeterRegistry());
      open.push(streams);
      streams.awaitRunning(timing.startTimeout());
      long t1 = System.nanoTime();

      try (IdleWatch idle = new IdleWatch(broker.bootstrapServers(), APPLICATION_ID)) {
        // Phase 1: pods, then audit events, each in file order.
        publishAll(publisher, inputs.pods);
        publishAll(publisher, inputs.audit);
        awaitIdle(idle, timing, !inputs.audit.isEmpty());
        long t2 = System.nanoTime();
        err.printf(
            "vigil replay: broker and topology running after %d ms; %d pod events and %d admissions"
                + " processed after %d ms more%n",
            ms(t1 - t0), inputs.pods.size(), inputs.audit.size(), ms(t2 - t1));

        // Phase 2: the policy update (version 2 of the same policy) and late attestations.
        if (request.policyUpdate() != null || !inputs.laterAttestations.isEmpty()) {
          if (request.policyUpdate() != null) {
            publishPolicy(
                request.policyUpdate(),
                PolicyDocument.Kind.BINAUTHZ_POLICY,
                request.policy().getFileName().toString(),
                publisher,
                policy);
          }
          publishAll(publisher, inputs.laterAttestations);
          awaitIdle(idle, timing, false);
          err.printf(
              "vigil replay: update processed after %d ms more%n", ms(System.nanoTime() - t2));
        }
      }
      return collect(broker.bootstrapServers());
    } finally {
      while (!open.isEmpty()) {
        try {
          open.pop().close();
        } catch (Exception e) {
          err.println("vigil replay: while stopping: " + e.getMessage());
        }
      }
      deleteTree(work);
    }
  }

  /**
   * Vigil's topics as the catalogue declares them, but without time-based retention: replay inputs
   * carry their own (often past) times, which the catalogue's retention would delete from the kept
   * data before {@code vigil report --data-dir} reads it.
   */
  private static void createTopicsKeepingEverything(String bootstrapServers) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      List<NewTopic> topics = new ArrayList<>();
      for (Topic<?> t : Topics.ALL) {
        Map<String, String> configs = new HashMap<>(t.configs());
        if (!"compact".equals(configs.get("cleanup.policy"))) {
          configs.put("retention.ms", "-1");
        }
        topics.add(new NewTopic(t.name(), t.partitions(), (short) 1).configs(configs));
      }
      admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
      // Inputs are published at once: wait until the broker serves every new partition
      // (TopicAdmin).
      new TopicAdmin(admin, (short) 1)
          .awaitServed(topics.stream().map(NewTopic::name).toList(), TopicAdmin.READY_TIMEOUT);
    }
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  private static void awaitIdle(IdleWatch idle, Replay.Timing timing, boolean admissions)
      throws Exception {
    // An admission whose pod never comes is opened after the correlation skew: give it that long.
    long notBefore =
        System.nanoTime() + (admissions ? CORRELATION_SKEW.plusMillis(500).toNanos() : 0);
    idle.await(timing.quiet(), notBefore, timing.phaseTimeout(), Duration.ofMillis(200));
  }

  private static PolicyDocument publishPolicy(
      Path file,
      PolicyDocument.Kind kind,
      String name,
      KafkaRecordPublisher publisher,
      PolicyDocument previous)
      throws Exception {
    PolicyFilePublisher p =
        new PolicyFilePublisher(
            file,
            kind,
            "*",
            name,
            PolicyValidator.standard(),
            publisher,
            IngestMetrics.NOOP,
            Clock.systemUTC(),
            previous);
    PolicyFilePublisher.Outcome outcome = p.check();
    if (outcome instanceof PolicyFilePublisher.Published published) {
      return published.document();
    }
    if (outcome instanceof PolicyFilePublisher.Rejected rejected) {
      var problems = rejected.reason().problems();
      throw new ReplayInputException(
          file,
          problems.isEmpty() ? null : problems.get(0).path(),
          problems.isEmpty() ? rejected.reason().getMessage() : problems.get(0).message());
    }
    if (outcome instanceof PolicyFilePublisher.Unchanged) {
      throw new ReplayInputException(file, null, "the same content as the policy it updates");
    }
    throw new IllegalStateException(
        file + " was not published: " + ((PolicyFilePublisher.Failed) outcome).reason());
  }

  private static void publishAll(KafkaRecordPublisher publisher, List<Outgoing<?>> records)
      throws Exception {
    for (int i = 0; i < records.size(); i += 500) {
      publisher.publishAll(records.subList(i, Math.min(records.size(), i + 500)));
    }
  }

  // ---- reading back -------------------------------------------------------------------------

  private static Result collect(String bootstrapServers) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "vigil-replay-reader");
    List<FollowUp> followUps = new ArrayList<>();
    List<ViolationTransition> violations = new ArrayList<>();
    List<DeadLetter> deadLetters = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (String topic : IdleWatch.outputs()) {
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(15))) {
          parts.add(new TopicPartition(topic, info.partition()));
        }
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(15));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read the output topics back within 30 s");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.topic().equals(Topics.FOLLOWUPS.name())) {
            followUps.add(Json.read(r.value(), FollowUp.class));
          } else if (r.topic().equals(Topics.VIOLATIONS.name())) {
            violations.add(Json.read(r.value(), ViolationTransition.class));
          } else {
            deadLetters.add(Json.read(r.value(), DeadLetter.class));
          }
        }
      }
    }
    return new Result(followUps, violations, deadLetters);
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      // A temporary directory left behind is not worth failing the replay for.
    }
  }
}
