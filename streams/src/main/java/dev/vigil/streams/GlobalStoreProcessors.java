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
   * Accepts a policy document only if the documents then in force still parse; otherwise keeps the
   * last good one and records the rejection (task 0 of the validation processor dead-letters it).
   */
  static final class PolicyGate implements Processor<String, byte[], Void, Void> {
    private final ValidationEngine.Parser parser;
    private final ChangeFeed feed;
    private KeyValueStore<String, PolicyRecord> store;

    PolicyGate(ValidationEngine.Parser parser, ChangeFeed feed) {
      this.parser = parser;
      this.feed = feed;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(StoreNames.POLICIES);
    }

    @Override
    public void process(org.apache.kafka.streams.processor.api.Record<String, byte[]> record) {
      if (record.value() == null) {
        // A tombstone withdraws the document.
        if (record.key() != null) {
          store.delete(record.key());
          feed.policiesChanged();
        }
        return;
      }
      // Read here rather than by the source's serde: the global thread cannot dead-letter, and an
      // unreadable policy must be reported like an unusable one (task 0 dead-letters both).
      PolicyDocument doc;
      try {
        doc = Json.read(record.value(), PolicyDocument.class);
      } catch (UnreadableMessageException e) {
        String key = record.key() == null ? "(no key)" : record.key();
        LOG.warn("unreadable policy document {}: {}", key, e.getMessage());
        byte[] payload = record.value().length > DeadLetter.MAX_PAYLOAD_BYTES
            ? Arrays.copyOf(record.value(), DeadLetter.MAX_PAYLOAD_BYTES) : record.value();
        store.put(PolicyRecord.REJECTED_PREFIX + key + "@unreadable#" + record.timestamp(),
            new PolicyRecord(null, e.getMessage(), key, Base64.getEncoder().encodeToString(payload)));
        return;
      }
      PolicyBook book = PolicyBook.of(accepted(store));
      PolicyDocument current = book.get(doc.key());
      if (current != null && current.sha256().equals(doc.sha256()) && current.version() == doc.version()) {
        return; // the same revision again
      }
      String problem = null;
      if (current != null && doc.version() <= current.version()) {
        problem = doc.key() + ": version " + doc.version() + " is not newer than the accepted version "
            + current.version();
      } else {
        problem = validate(book.with(doc), doc);
      }
      if (problem == null) {
        store.put(doc.key(), PolicyRecord.accepted(doc));
        feed.policiesChanged();
      } else {
        LOG.warn("rejected policy document {} version {}: {}", doc.key(), doc.version(), problem);
        store.put(PolicyRecord.rejectedKey(doc), PolicyRecord.rejected(doc, problem));
      }
    }

    private String validate(PolicyBook candidate, PolicyDocument doc) {
      List<String> scopes = doc.scope().equals(PolicyBook.ANY_CLUSTER)
          ? new ArrayList<>(candidate.scopes()) : List.of(doc.scope());
      for (String scope : scopes) {
        PolicyBook.Effective e = candidate.effective(scope);
        if (e.policy() == null) {
          continue; // nothing to check against until a policy for this scope arrives
        }
        try {
          parser.parse(e.policy(), e.platformPolicy(), e.attestors());
        } catch (InvalidPolicyException ex) {
          return ex.getMessage();
        } catch (RuntimeException ex) {
          return ex.getClass().getSimpleName() + ": " + ex.getMessage();
        }
      }
      return null;
    }
  }

  /** Every accepted document in the store. */
  static List<PolicyDocument> accepted(KeyValueStore<String, PolicyRecord> store) {
    List<PolicyDocument> out = new ArrayList<>();
    try (KeyValueIterator<String, PolicyRecord> it = store.all()) {
      while (it.hasNext()) {
        PolicyRecord r = it.next().value;
        if (r != null && r.accepted()) {
          out.add(r.document());
        }
      }
    }
    return out;
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
      dev.vigil.schemas.DeadLetter d = DeadLetterHandlers.deadLetter(topic, meta.map(m -> m.partition()).orElse(null),
          meta.map(m -> m.offset()).orElse(null),
          record.key() == null ? null : record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
          record.value(), e, java.time.Instant.now());
      DeadLetterHandlers.log(d, "unreadable", e);
      feed.rejected(d);
      return null;
    }
  }
}
