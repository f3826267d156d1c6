package dev.vigil.streams;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ImageMetadata;
import java.util.List;
import java.util.function.Function;

/**
 * What the global stores hold about each image digest, read and parsed once and then shared by the
 * tasks of one application instance: attestations change rarely, while every evaluation of a pod
 * needs them (before this cache, each evaluation scanned RocksDB and parsed every attestation
 * twice: a quarter of the stream thread's time, see docs/benchmarks.md).
 *
 * <p>The global-store processors call {@link #invalidate} right after they write a digest's
 * attestations or metadata, before they log the change. A load that overlaps an invalidation is
 * returned but not kept, so the cache never holds facts older than the store.
 *
 * <p>A pure cache: what it holds is always in the global stores too, and a digest it does not hold
 * is read from them again. It is bounded by size ({@link #MAX_ENTRIES} digests) with Caffeine's
 * eviction, which keeps the digests pods use often when a scan reads many others once (before, it
 * was emptied at the bound, and every pod's facts were read and parsed again).
 */
final class FactsCache {

  /** The facts of one digest, and a short hash of them that changes when any of them does. */
  record Entry(List<Attestation> attestations, ImageMetadata metadata, String fingerprint) {
    Entry {
      attestations = List.copyOf(attestations);
    }
  }

  /** At most this many digests are kept (a bound on memory, not a policy). */
  static final int MAX_ENTRIES = 200_000;

  private final Cache<String, Entry> entries;
  private final Object lock = new Object();
  private long invalidations;

  FactsCache() {
    this(MAX_ENTRIES);
  }

  /** A cache of at most {@code maxEntries} digests. */
  FactsCache(long maxEntries) {
    // Evictions run on the calling thread: no pool threads for the instance's cache.
    entries = Caffeine.newBuilder().maximumSize(maxEntries).executor(Runnable::run).build();
  }

  /**
   * The cached entry for {@code digest}, or {@code load}'s (kept unless facts changed meanwhile).
   */
  Entry get(String digest, Function<String, Entry> load) {
    Entry e = entries.getIfPresent(digest);
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
        entries.put(digest, e);
      }
    }
    return e;
  }

  /** The store now holds other facts for {@code digest}. */
  void invalidate(String digest) {
    synchronized (lock) {
      invalidations++;
      entries.invalidate(digest);
    }
  }

  /** How many digests are cached (for tests). */
  long size() {
    entries.cleanUp();
    return entries.estimatedSize();
  }
}
