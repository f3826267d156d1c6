package dev.vigil.streams;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.ImageMetadata;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.UnreadableMessageException;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The processors that keep the global stores: every instance reads the whole policy, attestation
 * and image-metadata topics, so every task can judge any pod. Kafka Streams re-runs them on restore
 * ({@code addGlobalStore}), so the change log beside the facts ({@link FactChanges}) is rebuilt
 * with the same offsets.
 */
final class GlobalStoreProcessors {

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(GlobalStoreProcessors.class);

  private GlobalStoreProcessors() {}

  /**
   * Keeps the global policy store: a copy of {@code vigil.policies.accepted}, which only the policy
   * gate writes (a tombstone withdraws a document), and the revision of the set in force beside it
   * ({@link PolicyStore}), updated with each document. Kafka Streams re-runs it over the compacted
   * topic on restore, so the revision is derived again, with the same value for the same set.
   */
  static final class PolicyKeeper implements Processor<String, PolicyDocument, Void, Void> {
    private KeyValueStore<String, byte[]> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(StoreNames.POLICIES);
    }

    @Override
    public void process(
        org.apache.kafka.streams.processor.api.Record<String, PolicyDocument> record) {
      if (record.key() == null) {
        return;
      }
      if (PolicyStore.reserved(record.key())) {
        LOG.warn(
            "{}: record with the reserved key {} ignored (the policy gate never writes one)",
            StoreNames.POLICIES,
            record.key());
        return;
      }
      if (record.value() == null) {
        PolicyStore.delete(store, record.key());
      } else {
        PolicyStore.put(store, record.key(), record.value());
      }
    }
  }

  /**
   * Keeps one kind of image fact (attestations, metadata) by the key its value implies, as the
   * record's bytes; a tombstone removes the fact. Beside each change it logs the digest concerned
   * ({@link FactChanges}), which the validation tasks read after their own cursors. A record that
   * cannot be read, or whose key is not the one its value implies, is not kept: it is logged as
   * rejected, and the task of pod partition 0 dead-letters it (the global thread has no producer).
   */
  static final class FactKeeper<T> implements Processor<String, byte[], Void, Void> {
    private final String storeName;
    private final Class<T> type;
    private final Function<T, String> storeKey;
    private final Function<String, String> digestOfKey;
    private final FactsCache cache;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, byte[]> store;

    private FactKeeper(
        String storeName,
        Class<T> type,
        Function<T, String> storeKey,
        Function<String, String> digestOfKey,
        FactsCache cache) {
      this.storeName = storeName;
      this.type = type;
      this.storeKey = storeKey;
      this.digestOfKey = digestOfKey;
      this.cache = cache;
    }

    /** Attestations by {@code imageDigest/occurrence}. */
    static FactKeeper<Attestation> attestations(FactsCache cache) {
      return new FactKeeper<>(
          StoreNames.ATTESTATIONS,
          Attestation.class,
          Attestation::key,
          key -> key.indexOf('/') < 0 ? key : key.substring(0, key.indexOf('/')),
          cache);
    }

    /** Image metadata by digest. */
    static FactKeeper<ImageMetadata> metadata(FactsCache cache) {
      return new FactKeeper<>(
          StoreNames.IMAGE_METADATA,
          ImageMetadata.class,
          ImageMetadata::imageDigest,
          key -> key,
          cache);
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
      store = context.getStateStore(storeName);
    }

    @Override
    public void process(org.apache.kafka.streams.processor.api.Record<String, byte[]> record) {
      var meta = context.recordMetadata();
      int partition = meta.map(m -> m.partition()).orElse(0);
      long offset = meta.map(m -> m.offset()).orElse(-1L);
      if (record.value() == null) {
        if (record.key() != null && !record.key().startsWith("~")) {
          store.delete(record.key());
          changed(partition, offset, digestOfKey.apply(record.key()));
        }
        return;
      }
      T fact;
      try {
        fact = Json.read(record.value(), type);
      } catch (UnreadableMessageException e) {
        reject(record, partition, offset, e);
        return;
      }
      String key = storeKey.apply(fact);
      if (!key.equals(record.key())) {
        reject(
            record,
            partition,
            offset,
            new KeyMismatchException(
                "record key "
                    + record.key()
                    + " is not the key its value implies ("
                    + key
                    + "); the record is not used"));
        return;
      }
      store.put(key, record.value());
      changed(partition, offset, digestOfKey.apply(key));
    }

    private void changed(int partition, long offset, String digest) {
      cache.invalidate(digest);
      FactChanges.changed(store, partition, offset, digest);
    }

    private void reject(
        org.apache.kafka.streams.processor.api.Record<String, byte[]> record,
        int partition,
        long offset,
        Exception e) {
      String topic = context.recordMetadata().map(m -> m.topic()).orElse(null);
      DeadLetter d =
          DeadLetterHandlers.deadLetter(
              topic,
              partition,
              offset,
              record.key() == null
                  ? null
                  : record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
              record.value(),
              e,
              java.time.Instant.ofEpochMilli(record.timestamp()));
      DeadLetterHandlers.log(
          d, e instanceof KeyMismatchException ? "key_mismatch" : "unreadable", e);
      FactChanges.rejected(store, partition, offset, d);
    }
  }

  /**
   * A fact whose record key is not the key its value implies (it would be stored under another).
   */
  static final class KeyMismatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KeyMismatchException(String message) {
      super(message);
    }
  }
}
