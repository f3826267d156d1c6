package dev.vigil.streams;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.UnreadableMessageException;
import java.util.Arrays;
import java.util.Base64;
import dev.vigil.schemas.ImageMetadata;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.validator.InvalidPolicyException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processors that keep the global stores: every instance reads the whole policy, attestation
 * and image-metadata topics, so every task can judge any pod. Kafka Streams re-runs them on
 * restore ({@code addGlobalStore}), so the rejection of a bad policy is rebuilt the same way.
 */
final class GlobalStoreProcessors {

  private static final Logger LOG = LoggerFactory.getLogger(GlobalStoreProcessors.class);

  private GlobalStoreProcessors() {}

  /**
   * Keeps the global policy store: a copy of {@code vigil.policies.accepted}, which only the policy
   * gate writes (a tombstone withdraws a document).
   */
  static final class PolicyKeeper implements Processor<String, PolicyDocument, Void, Void> {
    private final ChangeFeed feed;
    private KeyValueStore<String, PolicyDocument> store;

    PolicyKeeper(ChangeFeed feed) {
      this.feed = feed;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(StoreNames.POLICIES);
    }

    @Override
    public void process(org.apache.kafka.streams.processor.api.Record<String, PolicyDocument> record) {
      if (record.key() == null) {
        return;
      }
      if (record.value() == null) {
        store.delete(record.key());
      } else {
        store.put(record.key(), record.value());
      }
      feed.policiesChanged();
    }
  }

  /**
   * Keeps one kind of image fact (attestations, metadata) by its store key, and tells the
   * instance's tasks which image digest changed; a tombstone removes the fact. The value is read
   * here rather than by the source's serde, so that an unreadable one can be dead-lettered.
   */
  static final class FactKeeper<T> implements Processor<String, byte[], Void, Void> {
    private final String storeName;
    private final Class<T> type;
    private final Function<T, String> storeKey;
    private final Function<String, String> digestOfKey;
    private final BiConsumer<ChangeFeed, String> changed;
    private final ChangeFeed feed;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, T> store;

    private FactKeeper(String storeName, Class<T> type, Function<T, String> storeKey,
        Function<String, String> digestOfKey,
        BiConsumer<ChangeFeed, String> changed, ChangeFeed feed) {
      this.storeName = storeName;
      this.type = type;
      this.storeKey = storeKey;
      this.digestOfKey = digestOfKey;
      this.changed = changed;
      this.feed = feed;
    }

    /** Attestations by {@code imageDigest/occurrence}. */
    static FactKeeper<Attestation> attestations(ChangeFeed feed) {
      return new FactKeeper<>(StoreNames.ATTESTATIONS, Attestation.class, Attestation::key,
          key -> key.indexOf('/') < 0 ? key : key.substring(0, key.indexOf('/')),
          ChangeFeed::attestationChanged, feed);
    }

    /** Image metadata by digest. */
    static FactKeeper<ImageMetadata> metadata(ChangeFeed feed) {
      return new FactKeeper<>(StoreNames.IMAGE_METADATA, ImageMetadata.class, ImageMetadata::imageDigest,
          key -> key, ChangeFeed::metadataChanged, feed);
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
      store = context.getStateStore(storeName);
    }

    @Override
    public void process(org.apache.kafka.streams.processor.api.Record<String, byte[]> record) {
      if (record.value() == null) {
        if (record.key() != null) {
          store.delete(record.key());
          changed.accept(feed, digestOfKey.apply(record.key()));
        }
        return;
      }
      T fact = readOrReject(record, type, context, feed);
      if (fact != null) {
        String key = storeKey.apply(fact);
        store.put(key, fact);
        changed.accept(feed, digestOfKey.apply(key));
      }
    }
  }

  /**
   * Reads a global record here rather than by the source's serde, so that an unreadable one is
   * handed to the task that can dead-letter it ({@link ChangeFeed#rejected}); null if unreadable.
   */
  static <T> T readOrReject(org.apache.kafka.streams.processor.api.Record<String, byte[]> record,
      Class<T> type, ProcessorContext<Void, Void> context, ChangeFeed feed) {
    try {
      return Json.read(record.value(), type);
    } catch (UnreadableMessageException e) {
      var meta = context.recordMetadata();
      String topic = meta.map(m -> m.topic()).orElse(null);
      LOG.warn("unreadable record from {}-{}@{}: {}", topic, meta.map(m -> m.partition()).orElse(null),
          meta.map(m -> m.offset()).orElse(null), e.getMessage());
      feed.rejected(DeadLetterHandlers.deadLetter(topic, meta.map(m -> m.partition()).orElse(null),
          meta.map(m -> m.offset()).orElse(null),
          record.key() == null ? null : record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
          record.value(), e, java.time.Instant.now()));
      return null;
    }
  }
}
