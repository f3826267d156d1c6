package dev.vigil.ingest;

import dev.vigil.schemas.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;

/** Reads a topic from the beginning until what was read satisfies a condition, or a deadline. */
public final class KafkaTopics {

  private KafkaTopics() {}

  /**
   * Every record of {@code topic} read until {@code done} holds for the list read so far, or until
   * {@code timeout} passed (then the list as it stands, for the caller's assertion to explain).
   */
  public static <V> List<ConsumerRecord<String, V>> readUntil(
      String bootstrap,
      Topic<V> topic,
      Predicate<List<ConsumerRecord<String, V>>> done,
      Duration timeout) {
    List<ConsumerRecord<String, V>> got = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed"),
            topic.keySerde().deserializer(),
            topic.valueSerde().deserializer())) {
      List<TopicPartition> parts =
          consumer.partitionsFor(topic.name()).stream()
              .map(p -> new TopicPartition(topic.name(), p.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!done.test(got) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(got::add);
      }
    }
    return got;
  }

  /** Values only. */
  public static <V> List<V> values(List<ConsumerRecord<String, V>> records) {
    return records.stream().map(ConsumerRecord::value).toList();
  }

  /**
   * Publishes one admission event (cluster {@code warm-up}), one pod event (cluster {@code
   * warm-up}) and one dead letter until Kafka acknowledges them, so that tests start once a freshly
   * started broker on a loaded machine has elected its partition leaders. Fails the test after
   * {@code timeout}.
   */
  public static void warmUp(dev.vigil.ingest.kafka.RecordPublisher publisher, Duration timeout) {
    java.time.Instant now = java.time.Instant.now();
    dev.vigil.schemas.AdmissionEvent admission =
        dev.vigil.ingest.translate.AuditEventTranslator.translate(
                "warm-up",
                AuditSamples.real(AuditSamples.KUBE_SYSTEM),
                dev.vigil.ingest.translate.OwnerLookup.NONE)
            .orElseThrow();
    dev.vigil.schemas.PodEvent pod =
        new dev.vigil.schemas.PodEvent(
            "warm-up",
            "warm-up",
            dev.vigil.schemas.PodEvent.Type.ADDED,
            "warm-up",
            "warm-up",
            null,
            null,
            null,
            new dev.vigil.schemas.WorkloadRef(
                dev.vigil.schemas.WorkloadRef.Kind.POD, "warm-up", "warm-up"),
            null,
            null,
            null,
            null,
            now);
    List<dev.vigil.ingest.kafka.Outgoing<?>> records =
        List.of(
            new dev.vigil.ingest.kafka.Outgoing<>(
                dev.vigil.schemas.Topics.ADMISSION_EVENTS,
                admission.key(),
                admission,
                "warm-up-admission",
                now),
            new dev.vigil.ingest.kafka.Outgoing<>(
                dev.vigil.schemas.Topics.POD_EVENTS, pod.key(), pod, "warm-up-pod", now),
            dev.vigil.ingest.kafka.DeadLetters.of(
                "test", "warm-up", new byte[0], "WarmUp", "warm-up", now));
    Awaitility.await("Kafka acknowledges the warm-up records")
        .atMost(timeout)
        .ignoreException(dev.vigil.ingest.kafka.PublishException.class)
        .untilAsserted(() -> publisher.publishAll(records));
  }
}
