package dev.vigil.streams;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ImageMetadata;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What the global stores hold about each image digest, read and parsed once and then shared by
 * the tasks of one application instance: attestations change rarely, while every evaluation of a
 * pod needs them (before this cache, each evaluation scanned RocksDB and parsed every attestation
 * twice: a quarter of the stream thread's time, see docs/benchmarks.md).
 *
 * <p>The global-store processors call {@link #invalidate} right after they write a digest's
 * attestations or metadata, before they log the change. A load that overlaps an
 * invalidation is returned but not kept, so the cache never holds facts older than the store.
 */
final class FactsCache {

  /** The facts of one digest, and a short hash of them that changes when any of them does. */
  record Entry(List<Attestation> attestations, ImageMetadata metadata, String fingerprint) {
    Entry {
      attestations = List.copyOf(attestations);
    }
  }

  /** More digests than this and the cache starts again from empty (a bound, not a policy). */
  static final int MAX_ENTRIES = 200_000;

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private long invalidations;

  /** The cached entry for {@code digest}, or {@code load}'s (kept unless facts changed meanwhile). */
  Entry get(String digest, Function<String, Entry> load) {
    Entry e = entries.get(digest);
    if (e != null) {
      return e;
    }
    long before;
    synchronized (lock) {
      before = invalidations;
    }
    e = load.apply(digest);
    synchronized (lock) {
      if (invalidations == before) {
        if (entries.size() >= MAX_ENTRIES) {
          entries.clear();
        }
        entries.put(digest, e);
      }
    }
    return e;
  }

  /** The store now holds other facts for {@code digest}. */
  void invalidate(String digest) {
    synchronized (lock) {
      invalidations++;
      entries.remove(digest);
    }
  }

  /** How many digests are cached (for tests). */
  int size() {
    return entries.size();
  }
}
