package dev.vigil.ingest.kafka;

import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.ingest.metrics.IngestMetrics.PublishFailure;
import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.PodPartitioning;
import dev.vigil.schemas.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes to Kafka with an idempotent producer and {@code acks=all}: a record counts as published
 * only when every in-sync replica has it. Every record carries CloudEvents headers.
 */
public final class KafkaRecordPublisher implements RecordPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRecordPublisher.class);

  private final KafkaProducer<String, byte[]> producer;
  private final String ceSource;
  private final Duration ackTimeout;
  private final IngestMetrics metrics;

  /**
   * @param clientProperties extra Kafka client settings ({@code security.protocol}, {@code ssl.*});
   *     acks, idempotence and the partitioner cannot be overridden
   * @param ceSource the CloudEvents {@code source} of every record, e.g. {@code /vigil/ingest/prod}
   * @param ackTimeout how long {@link #publishAll} waits for Kafka before giving up
   */
  public KafkaRecordPublisher(
      String bootstrapServers,
      Map<String, ?> clientProperties,
      String ceSource,
      Duration ackTimeout,
      IngestMetrics metrics) {
    this(
        bootstrapServers,
        clientProperties,
        PodPartitioning.WORKLOAD,
        ceSource,
        ackTimeout,
        metrics);
  }

  /**
   * As above, with the partition of a pod's events and admissions ({@code kafka.pod-partitioning},
   * which streams must share; ADR 0160).
   */
  public KafkaRecordPublisher(
      String bootstrapServers,
      Map<String, ?> clientProperties,
      PodPartitioning podPartitioning,
      String ceSource,
      Duration ackTimeout,
      IngestMetrics metrics) {
    this.ceSource = Objects.requireNonNull(ceSource, "ceSource");
    this.ackTimeout = Objects.requireNonNull(ackTimeout, "ackTimeout");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
    // send() blocks while it has no metadata for the topic; never longer than we wait for acks.
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.max(1, ackTimeout.toMillis()));
    p.putAll(clientProperties);
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "vigil-ingest");
    p.remove(ProducerConfig.PARTITIONER_CLASS_CONFIG); // the layout streams reads is not a choice
    p.putAll(podPartitioning.producerProperties());
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  @Override
  public void publishAll(List<? extends Outgoing<?>> records) throws PublishException {
    if (records.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + ackTimeout.toNanos();
    List<CompletableFuture<Void>> acks = new ArrayList<>(records.size());
    Map<String, Integer> perTopic = new LinkedHashMap<>();
    String firstTopic = records.get(0).topic().name();
    try {
      for (Outgoing<?> r : records) {
        acks.add(publishAsync(r));
        perTopic.merge(r.topic().name(), 1, Integer::sum);
      }
      CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0]))
          .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      metrics.publishFailed(firstTopic, PublishFailure.TIMEOUT);
      throw new PublishException(
          PublishFailure.TIMEOUT,
          "Kafka did not acknowledge " + records.size() + " records within " + ackTimeout,
          e);
    } catch (ExecutionException e) {
      metrics.publishFailed(firstTopic, PublishFailure.ERROR);
      throw new PublishException(
          PublishFailure.ERROR, "Kafka refused a record: " + e.getCause(), e.getCause());
    } catch (KafkaException e) {
      metrics.publishFailed(firstTopic, PublishFailure.ERROR);
      throw new PublishException(PublishFailure.ERROR, "cannot send to Kafka: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      metrics.publishFailed(firstTopic, PublishFailure.INTERRUPTED);
      throw new PublishException(
          PublishFailure.INTERRUPTED, "interrupted while waiting for Kafka", e);
    }
    perTopic.forEach(metrics::recordsPublished);
    for (Outgoing<?> r : records) {
      if (r.value() instanceof dev.vigil.schemas.AdmissionEvent a) {
        metrics.admission(a);
      } else if (r.value() instanceof DeadLetter d) {
        LOG.warn(d.logLine(null)); // one line per dead letter, once Kafka has it; never the payload
      }
    }
  }

  @Override
  public CompletableFuture<Void> publishAsync(Outgoing<?> record) {
    CompletableFuture<Void> ack = new CompletableFuture<>();
    try {
      producer.send(
          toRecord(record),
          (meta, error) -> {
            if (error == null) {
              ack.complete(null);
            } else {
              ack.completeExceptionally(error);
            }
          });
    } catch (KafkaException e) {
      ack.completeExceptionally(e);
    }
    return ack;
  }

  private <V> ProducerRecord<String, byte[]> toRecord(Outgoing<V> r) {
    Topic<V> topic = r.topic();
    byte[] value =
        r.value() == null
            ? null
            : topic.valueSerde().serializer().serialize(topic.name(), r.value());
    var headers = CloudEvents.headers(topic, r.ceId(), ceSource, r.time());
    if (r.origin() != null) {
      headers.add(
          Outgoing.ORIGIN_HEADER, r.origin().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return new ProducerRecord<>(topic.name(), null, r.key(), value, headers);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
