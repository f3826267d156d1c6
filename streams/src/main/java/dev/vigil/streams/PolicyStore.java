package dev.vigil.streams;

import dev.vigil.schemas.Json;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.UnreadableMessageException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The layout of the global policy store ({@value StoreNames#POLICIES}): every accepted policy
 * document as its JSON under its key {@code KIND/scope/name}, and under {@link #REVISION} the
 * revision of the set they form, which the policy keeper updates with each document it writes.
 *
 * <p>The revision is a fingerprint of the set, not a counter: {@code <count>:<sum>}, the number of
 * documents and the sum modulo 2<sup>256</sup> of the SHA-256 of each one's {@code
 * key@version#sha256} (the identity {@link PolicyBook#fingerprint} uses). A sum does not depend on
 * the order the documents came in, and is updated in O(1) per document (subtract the old one, add
 * the new), so the global store rebuilt on restore from the compacted {@code
 * vigil.policies.accepted} (Kafka Streams re-runs the keeper over it) holds the same revision as
 * before for the same set, and a different one for a different set. An empty set has no revision
 * entry. Validation tasks read this one entry on every pod event and re-read the documents only
 * when it differs from the one their cached {@link PolicyBook} was built at (ADR 0125).
 *
 * <p>Reserved keys start with {@code ~}, which no policy key does (its kind comes first).
 */
final class PolicyStore {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyStore.class);

  /** The key of the revision entry. */
  static final String REVISION = "~revision";

  private static final BigInteger MODULUS = BigInteger.ONE.shiftLeft(256);

  private PolicyStore() {}

  /** Whether {@code key} is one of the store's own entries, never a policy document. */
  static boolean reserved(String key) {
    return key.startsWith("~");
  }

  /** The revision of the documents in {@code store}; null when it holds none. One read. */
  static String revision(KeyValueStore<String, byte[]> store) {
    byte[] r = store.get(REVISION);
    return r == null ? null : new String(r, StandardCharsets.UTF_8);
  }

  /** Puts {@code document} under {@code key}, then the revision of the set it now forms. */
  static void put(KeyValueStore<String, byte[]> store, String key, PolicyDocument document) {
    if (reserved(key)) {
      throw new IllegalArgumentException("reserved key " + key + " is not a policy key");
    }
    Revision r = without(store, key);
    store.put(key, Json.write(document));
    write(store, r.plus(key, document));
  }

  /** Removes the document under {@code key}, if any, then writes the revision of what is left. */
  static void delete(KeyValueStore<String, byte[]> store, String key) {
    if (reserved(key) || store.get(key) == null) {
      return;
    }
    Revision r = without(store, key);
    store.delete(key);
    write(store, r);
  }

  /** The revision of the store's documents but the one under {@code key}. */
  private static Revision without(KeyValueStore<String, byte[]> store, String key) {
    byte[] bytes = store.get(key);
    Revision r = Revision.of(revision(store));
    if (bytes == null) {
      return r;
    }
    PolicyDocument before = read(key, bytes);
    if (before != null) {
      return r.minus(key, before);
    }
    // A value that no longer reads (never written by this keeper): count the others afresh.
    Revision[] others = {Revision.NONE};
    forEach(
        store,
        (k, d) -> {
          if (!k.equals(key)) {
            others[0] = others[0].plus(k, d);
          }
        });
    return others[0];
  }

  /** Every document in {@code store} (a value that does not read is left out, and logged). */
  static List<PolicyDocument> documents(KeyValueStore<String, byte[]> store) {
    List<PolicyDocument> out = new ArrayList<>();
    forEach(store, (k, d) -> out.add(d));
    return out;
  }

  private static void forEach(
      KeyValueStore<String, byte[]> store, BiConsumer<String, PolicyDocument> action) {
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        PolicyDocument d = reserved(kv.key) ? null : read(kv.key, kv.value);
        if (d != null) {
          action.accept(kv.key, d);
        }
      }
    }
  }

  /** The revision of a set of documents by key, computed afresh (null for none). */
  static String revisionOf(Iterable<PolicyDocument> documents) {
    Revision r = Revision.NONE;
    for (PolicyDocument d : documents) {
      r = r.plus(d.key(), d);
    }
    return r.text();
  }

  private static void write(KeyValueStore<String, byte[]> store, Revision r) {
    String text = r.text();
    if (text == null) {
      store.delete(REVISION);
    } else {
      store.put(REVISION, text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static PolicyDocument read(String key, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return Json.read(bytes, PolicyDocument.class);
    } catch (UnreadableMessageException e) {
      LOG.warn("policy store: the value of {} does not read, left out: {}", key, e.getMessage());
      return null;
    }
  }

  /** A number of documents and the sum of their digests. */
  private record Revision(long count, BigInteger sum) {
    static final Revision NONE = new Revision(0, BigInteger.ZERO);

    static Revision of(String text) {
      if (text == null) {
        return NONE;
      }
      int colon = text.indexOf(':');
      return new Revision(
          Long.parseLong(text.substring(0, colon)), new BigInteger(text.substring(colon + 1), 16));
    }

    Revision plus(String key, PolicyDocument d) {
      return new Revision(count + 1, sum.add(digest(key, d)).mod(MODULUS));
    }

    Revision minus(String key, PolicyDocument d) {
      return new Revision(count - 1, sum.subtract(digest(key, d)).mod(MODULUS));
    }

    String text() {
      return count == 0 ? null : count + ":" + String.format("%064x", sum);
    }

    private static BigInteger digest(String key, PolicyDocument d) {
      try {
        byte[] h =
            MessageDigest.getInstance("SHA-256")
                .digest(
                    (key + "@" + d.version() + "#" + d.sha256()).getBytes(StandardCharsets.UTF_8));
        return new BigInteger(1, h);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is not available", e);
      }
    }
  }
}
