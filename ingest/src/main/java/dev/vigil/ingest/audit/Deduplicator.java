package dev.vigil.ingest.audit;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the last {@code capacity} event ids published (for audit events {@code
 * cluster|auditID|stage}), so that redeliveries by the API server's webhook backend are dropped.
 * Ids are remembered only after Kafka acknowledged them: an id whose batch failed is not a
 * duplicate when the API server retries it.
 */
public final class Deduplicator {

  private final Map<String, Boolean> seen;

  public Deduplicator(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.seen =
        new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > capacity;
          }
        };
  }

  /** Whether {@code id} was published recently. */
  public synchronized boolean seen(String id) {
    return seen.get(id) != null;
  }

  /** Records ids as published. */
  public synchronized void remember(Collection<String> ids) {
    for (String id : ids) {
      seen.put(id, Boolean.TRUE);
    }
  }
}
