package dev.vigil.ingest.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.TestResources;
import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy publisher against a real broker: a restarted publisher continues from the topic. */
class FeedsIT {

  @Test
  void aRestartedPolicyPublisherContinuesTheVersionsOnTheTopic(@TempDir Path dir) throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        new TopicAdmin(admin, (short) 1).create(List.of(Topics.POLICIES));
      }
      String key = "BINAUTHZ_POLICY/*/projects/acme/policy";
      Duration timeout = Duration.ofSeconds(60);
      Path file = dir.resolve("policy.yaml");
      try (KafkaRecordPublisher publisher =
          new KafkaRecordPublisher(
              kafka.bootstrapServers(),
              Map.of(),
              "/vigil/ingest/test",
              timeout,
              IngestMetrics.NOOP)) {
        assertNull(PolicyTopic.latest(kafka.bootstrapServers(), Map.of(), key, timeout));
        Files.write(file, TestResources.bytes("/binauthz-codelab/allow_all_policy.yaml"));
        publisher(file, publisher, null).check();
        Files.write(file, TestResources.bytes("/binauthz-codelab/deny_all_policy.yaml"));
        publisher(
                file,
                publisher,
                PolicyTopic.latest(kafka.bootstrapServers(), Map.of(), key, timeout))
            .check();

        PolicyDocument latest =
            PolicyTopic.latest(kafka.bootstrapServers(), Map.of(), key, timeout);
        var again = publisher(file, publisher, latest).check();

        assertEquals(2, latest.version());
        assertEquals(Files.readString(file), latest.content());
        assertInstanceOf(PolicyFilePublisher.Unchanged.class, again);
      }
    }
  }

  @Test
  void anUnreadableFileIsDeadLetteredWithOneLogLineThatHoldsNoneOfItsContent(@TempDir Path dir)
      throws Exception {
    List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
    var context =
        (org.apache.logging.log4j.core.LoggerContext)
            org.apache.logging.log4j.LogManager.getContext(false);
    var layout =
        org.apache.logging.log4j.core.layout.PatternLayout.newBuilder()
            .withPattern("%-5level %c{1} - %msg%n%throwable")
            .build();
    var appender =
        new org.apache.logging.log4j.core.appender.AbstractAppender(
            "capture",
            null,
            layout,
            true,
            org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
          @Override
          public void append(org.apache.logging.log4j.core.LogEvent event) {
            lines.addAll(List.of(layout.toSerializable(event).split("\n")));
          }
        };
    appender.start();
    var root = context.getConfiguration().getRootLogger();
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        new TopicAdmin(admin, (short) 1).create(List.of(Topics.ATTESTATIONS, Topics.DEAD_LETTER));
      }
      Path feedDir = Files.createDirectories(dir.resolve("attestations"));
      Files.writeString(feedDir.resolve("bad.json"), "{\"signature\": 'hunter2-secret'");
      try (KafkaRecordPublisher publisher =
          new KafkaRecordPublisher(
              kafka.bootstrapServers(),
              Map.of(),
              "/vigil/ingest/test",
              Duration.ofSeconds(60),
              IngestMetrics.NOOP)) {
        root.addAppender(appender, org.apache.logging.log4j.Level.WARN, null);
        context.updateLoggers();
        try {
          JsonFileFeed.Summary summary =
              JsonFileFeed.attestations(feedDir, publisher, IngestMetrics.NOOP, Clock.systemUTC())
                  .scan();
          assertEquals(1, summary.unreadableFiles());
        } finally {
          root.removeAppender("capture");
          context.updateLoggers();
        }
      }
    }

    assertEquals(1, lines.size(), String.join("\n", lines));
    String line = lines.get(0);
    assertTrue(
        line.startsWith(
            "WARN  KafkaRecordPublisher - dead letter: component=ingest.attestations source=file:"),
        line);
    assertTrue(line.contains("bad.json reason=UnreadableFile"), line);
    assertFalse(line.contains("hunter2"), line);
  }

  @Test
  void aRestartedFeedRebuildsWhatEachFileContributedFromTheTopicAndRevokesADeletedFile(
      @TempDir Path dir) throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        new TopicAdmin(admin, (short) 1).create(List.of(Topics.ATTESTATIONS, Topics.DEAD_LETTER));
      }
      Duration timeout = Duration.ofSeconds(60);
      Path feedDir = Files.createDirectory(dir.resolve("attestations"));
      Files.writeString(feedDir.resolve("kept.json"), FeedsTest.firstOccurrenceOnly());
      Files.write(feedDir.resolve("gone.json"), TestResources.bytes("/feeds/attestations.json"));
      try (KafkaRecordPublisher publisher =
          new KafkaRecordPublisher(
              kafka.bootstrapServers(),
              Map.of(),
              "/vigil/ingest/test",
              timeout,
              IngestMetrics.NOOP)) {
        JsonFileFeed.attestations(feedDir, publisher, IngestMetrics.NOOP, Clock.systemUTC()).scan();
        Map<String, String> before =
            TopicIndex.liveKeys(
                kafka.bootstrapServers(), Map.of(), Topics.ATTESTATIONS.name(), timeout);

        // ingest is down while gone.json is deleted; the restarted feed learns from the topic what
        // it held
        Files.delete(feedDir.resolve("gone.json"));
        JsonFileFeed restarted =
            JsonFileFeed.attestations(feedDir, publisher, IngestMetrics.NOOP, Clock.systemUTC())
                .restore(before);
        restarted.scan();
        restarted.scan();
        Map<String, String> after =
            TopicIndex.liveKeys(
                kafka.bootstrapServers(), Map.of(), Topics.ATTESTATIONS.name(), timeout);

        assertEquals(Set.of(FeedsTest.FIRST, FeedsTest.SECOND), before.keySet());
        assertEquals(
            Map.of(FeedsTest.FIRST, "file:" + feedDir.resolve("kept.json").toAbsolutePath()),
            after);
      }
    }
  }

  @Test
  void aWithdrawnAttestorFileStartsAfreshAfterARestart(@TempDir Path dir) throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        new TopicAdmin(admin, (short) 1).create(List.of(Topics.POLICIES));
      }
      Duration timeout = Duration.ofSeconds(60);
      Path file = dir.resolve("attestors.yaml");
      Files.writeString(file, FeedsTest.attestorYaml());
      String key = "ATTESTOR/*/attestors.yaml";
      try (KafkaRecordPublisher publisher =
          new KafkaRecordPublisher(
              kafka.bootstrapServers(),
              Map.of(),
              "/vigil/ingest/test",
              timeout,
              IngestMetrics.NOOP)) {
        PolicyFilePublisher p =
            new PolicyFilePublisher(
                file,
                PolicyDocument.Kind.ATTESTOR,
                "*",
                "attestors.yaml",
                PolicyValidator.standard(),
                publisher,
                IngestMetrics.NOOP,
                Clock.systemUTC(),
                null);
        p.check();
        PolicyDocument published =
            PolicyTopic.latest(kafka.bootstrapServers(), Map.of(), key, timeout);
        Files.delete(file);
        p.check();
        p.check();

        assertEquals(1, published.version());
        assertNull(PolicyTopic.latest(kafka.bootstrapServers(), Map.of(), key, timeout));
        assertFalse(
            TopicIndex.liveKeys(kafka.bootstrapServers(), Map.of(), Topics.POLICIES.name(), timeout)
                .containsKey(key));
      }
    }
  }

  private static PolicyFilePublisher publisher(
      Path file, KafkaRecordPublisher publisher, PolicyDocument last) {
    return new PolicyFilePublisher(
        file,
        PolicyDocument.Kind.BINAUTHZ_POLICY,
        "*",
        "projects/acme/policy",
        PolicyValidator.standard(),
        publisher,
        IngestMetrics.NOOP,
        Clock.systemUTC(),
        last);
  }
}
