package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FactsCacheTest {

  final FactsCache cache = new FactsCache();
  final AtomicInteger loads = new AtomicInteger();

  FactsCache.Entry load(String digest) {
    return new FactsCache.Entry(List.of(), null, digest + "#" + loads.incrementAndGet());
  }

  @Test
  void aDigestIsLoadedOnceUntilItsFactsChange() {
    FactsCache.Entry first = cache.get("sha256:a", this::load);
    assertSame(first, cache.get("sha256:a", this::load));
    assertEquals(1, loads.get());

    cache.invalidate("sha256:b");
    assertSame(
        first, cache.get("sha256:a", this::load), "another digest's change keeps this entry");

    cache.invalidate("sha256:a");
    assertNotEquals(first.fingerprint(), cache.get("sha256:a", this::load).fingerprint());
    assertEquals(2, loads.get());
  }

  @Test
  void aLoadThatOverlapsAChangeIsUsedOnceButNotKept() {
    // The global thread writes the store and invalidates while a stream thread is loading: what
    // that thread read may be older than the store, so it must not stay in the cache.
    FactsCache.Entry raced =
        cache.get(
            "sha256:a",
            d -> {
              FactsCache.Entry e = load(d);
              cache.invalidate("sha256:a");
              return e;
            });
    assertEquals(0, cache.size());
    FactsCache.Entry next = cache.get("sha256:a", this::load);
    assertNotEquals(raced.fingerprint(), next.fingerprint());
    assertSame(next, cache.get("sha256:a", this::load));
  }

  @Test
  void theBoundEvictsSomeDigestsAndKeepsTheOftenUsedOnes() {
    FactsCache small = new FactsCache(100);
    for (int i = 0; i < 80; i++) {
      small.get("sha256:warm-" + i, this::load);
    }
    FactsCache.Entry hot = small.get("sha256:hot", this::load);
    for (int i = 0; i < 20; i++) {
      small.get("sha256:hot", this::load);
    }
    for (int i = 0; i < 1_000; i++) {
      small.get("sha256:cold-" + i, this::load); // a scan of digests read once
    }
    assertTrue(small.size() <= 100, "bounded: " + small.size());
    assertTrue(
        small.size() >= 90, "evicts some, not all (it was emptied at the bound): " + small.size());
    int before = loads.get();
    assertSame(hot, small.get("sha256:hot", this::load), "the often-used digest stayed");
    assertEquals(before, loads.get());
  }
}
