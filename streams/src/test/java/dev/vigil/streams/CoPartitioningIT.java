package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The application refuses to run on topics keyed by pod whose partition counts differ. */
class CoPartitioningIT {

  @TempDir Path dir;

  @Test
  void refusesToStartNamingTheTopicsWhosePartitionCountsDiffer() throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"));
        Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(Topics.POD_EVENTS.name(), 6, (short) 1),
                  new NewTopic(Topics.ADMISSION_EVENTS.name(), 3, (short) 1),
                  new NewTopic(Topics.FOLLOWUP_ACKS.name(), 6, (short) 1)))
          .all()
          .get(60, TimeUnit.SECONDS);
      StreamsSettings settings =
          StreamsSettings.defaults(kafka.bootstrapServers(), dir.resolve("state"))
              .withApplicationId("vigil-copartitioning-it");

      var ex =
          assertThrows(
              CoPartitioning.MismatchException.class,
              () -> VigilStreamsApp.start(settings, new SimpleMeterRegistry()).close());

      assertTrue(ex.getMessage().contains("vigil.admission-events has 3"), ex.getMessage());
      assertTrue(ex.getMessage().contains("vigil.pod-events has 6"), ex.getMessage());
      assertTrue(ex.getMessage().contains("vigil.followup-acks has 6"), ex.getMessage());
    }
  }

  @Test
  void topicsThatAgreeGiveTheirCountForTheInternalTopics() {
    assertEquals(
        12,
        CoPartitioning.check(
            Map.of(
                Topics.POD_EVENTS.name(),
                12,
                Topics.ADMISSION_EVENTS.name(),
                12,
                Topics.FOLLOWUP_ACKS.name(),
                12),
            Topics.POD_PARTITIONS));
    assertEquals(Topics.POD_PARTITIONS, CoPartitioning.check(Map.of(), Topics.POD_PARTITIONS));
    var ex =
        assertThrows(
            CoPartitioning.MismatchException.class,
            () ->
                CoPartitioning.check(
                    Map.of(Topics.POD_EVENTS.name(), 12, Topics.FOLLOWUP_ACKS.name(), 6), 6));
    assertTrue(
        ex.getMessage().contains("vigil.followup-acks has 6, vigil.pod-events has 12"),
        ex.getMessage());
  }
}
