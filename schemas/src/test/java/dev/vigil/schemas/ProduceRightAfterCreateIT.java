package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idempotent producer that writes to topics right after {@link TopicAdmin#create} returns loses
 * nothing. Before {@code create} waited for the partitions to be served, a first batch could reach
 * the broker before it had applied the new partition (NOT_LEADER_OR_FOLLOWER) while a later batch
 * got in; the broker (Kafka before 4.5, KAFKA-15591) then took the later batch as the producer's
 * first, and every retry of the earlier one failed with OUT_OF_ORDER_SEQUENCE_NUMBER until its
 * delivery timeout: silent loss despite acks=all and idempotence.
 */
class ProduceRightAfterCreateIT {

  static final int ROUNDS = Integer.getInteger("vigil.create-produce.rounds", 3);
  static final int RECORDS = 600;

  @Test
  void everyRecordSentRightAfterCreateIsAcknowledged(@TempDir Path dir) throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir);
        Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      Properties pp = new Properties();
      pp.put("bootstrap.servers", kafka.bootstrapServers());
      pp.put("acks", "all");
      pp.put("enable.idempotence", "true");
      // Many small batches in flight, as when a backlog is published at once; a stuck batch
      // surfaces as an error after 20 s instead of 120 s.
      pp.put("linger.ms", "0");
      pp.put("batch.size", "2048");
      pp.put("request.timeout.ms", "10000");
      pp.put("delivery.timeout.ms", "20000");
      Map<String, Integer> failedByError = new TreeMap<>();
      int failed = 0;
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
        for (int round = 0; round < ROUNDS; round++) {
          Topic<String> topic =
              new Topic<>(
                  "vigil.test.fresh-" + round,
                  "n",
                  String.class,
                  "none.json",
                  "dev.vigil.test",
                  6,
                  Topic.Cleanup.DELETE,
                  Duration.ofHours(1));
          new TopicAdmin(admin, (short) 1).create(List.of(topic));
          List<Future<RecordMetadata>> sent = new ArrayList<>();
          for (int i = 0; i < RECORDS; i++) {
            sent.add(
                producer.send(new ProducerRecord<>(topic.name(), "k" + i, "v".repeat(100) + i)));
          }
          producer.flush();
          for (Future<RecordMetadata> f : sent) {
            try {
              f.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
              failed++;
              failedByError.merge(e.getCause().getClass().getSimpleName(), 1, Integer::sum);
            }
          }
        }
      }
      System.out.printf(
          "create then produce: %d rounds of %d records to a new 6-partition topic; failed %d %s%n",
          ROUNDS, RECORDS, failed, failedByError);
      assertEquals(0, failed, "records not acknowledged: " + failedByError);
    }
  }
}
