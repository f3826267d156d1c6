package dev.vigil.ingest;

import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.PublishException;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics.PublishFailure;
import dev.vigil.schemas.Topic;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A publisher for tests without Kafka: keeps what it was given, or fails when told to. */
public final class RecordingPublisher implements RecordPublisher {

  public final List<Outgoing<?>> records = new CopyOnWriteArrayList<>();
  public volatile boolean failing;

  @Override
  public void publishAll(List<? extends Outgoing<?>> batch) throws PublishException {
    if (failing) {
      throw new PublishException(PublishFailure.TIMEOUT, "test: Kafka is down", null);
    }
    records.addAll(batch);
  }

  @Override
  public CompletableFuture<Void> publishAsync(Outgoing<?> record) {
    if (failing) {
      return CompletableFuture.failedFuture(new IllegalStateException("test: Kafka is down"));
    }
    records.add(record);
    return CompletableFuture.completedFuture(null);
  }

  /** The values published to {@code topic}. */
  @SuppressWarnings("unchecked")
  public <V> List<V> values(Topic<V> topic) {
    return records.stream().filter(r -> r.topic() == topic).map(r -> (V) r.value()).toList();
  }

  /** The tombstones published, as key → origin header, in order. */
  public java.util.Map<String, String> tombstones() {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    records.stream().filter(r -> r.value() == null).forEach(r -> m.put(r.key(), r.origin()));
    return m;
  }

  @Override
  public void close() {}
}
