package dev.vigil.ingest.kafka;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Where ingest's records go: Kafka in production ({@link KafkaRecordPublisher}). */
public interface RecordPublisher extends AutoCloseable {

  /**
   * Publishes every record and returns once all are acknowledged.
   *
   * @throws PublishException when any record was not acknowledged within the bounded wait; some
   *     records of the batch may have been written (callers retry the whole batch, and consumers
   *     de-duplicate on the CloudEvents id)
   */
  void publishAll(List<? extends Outgoing<?>> records) throws PublishException;

  /** Publishes one record without waiting; the future completes when Kafka acknowledged it. */
  CompletableFuture<Void> publishAsync(Outgoing<?> record);

  @Override
  void close();
}
