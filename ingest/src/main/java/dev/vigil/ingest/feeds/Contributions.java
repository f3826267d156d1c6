package dev.vigil.ingest.feeds;

import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.schemas.Topic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * What each origin (a file, a Grafeas project) contributed to one compacted topic, and the records
 * that keep the topic equal to the union of the current contributions: the new records, and a
 * tombstone for every key no origin contributes any more. A key that two origins contribute stays
 * while either has it; when the origin whose value was published last drops it, the other's value
 * is published instead.
 *
 * <p>Not thread-safe; a feed calls it from its one scanning thread. {@link #plan} computes without
 * changing anything; {@link Plan#commit} applies the plan once Kafka acknowledged its records, so a
 * failed publication is simply planned again at the next scan.
 */
public final class Contributions {

  private final Topic<?> topic;

  /** origin → key → the record last published for it, or null when known only from the topic. */
  private Map<String, Map<String, Outgoing<?>>> byOrigin = new HashMap<>();

  /** key → the origin whose record was published last. */
  private Map<String, String> owner = new HashMap<>();

  public Contributions(Topic<?> topic) {
    this.topic = Objects.requireNonNull(topic, "topic");
  }

  /**
   * Starts from what the topic holds: {@code keyOrigins} maps each live key to the origin header of
   * its latest record ({@link TopicIndex}); the values stay unknown until the origin is read again.
   */
  public void restore(Map<String, String> keyOrigins) {
    keyOrigins.forEach(
        (key, origin) -> {
          byOrigin.computeIfAbsent(origin, o -> new HashMap<>()).put(key, null);
          owner.put(key, origin);
        });
  }

  /** The origins that contribute at least one key. */
  public Set<String> origins() {
    return Collections.unmodifiableSet(byOrigin.keySet());
  }

  /** The keys {@code origin} contributes. */
  public Set<String> keys(String origin) {
    return Collections.unmodifiableSet(byOrigin.getOrDefault(origin, Map.of()).keySet());
  }

  /**
   * The records and tombstones that replace the contributions of the origins in {@code updates}.
   */
  public Plan plan(Map<String, List<? extends Outgoing<?>>> updates, Instant now) {
    return plan(updates, now, false);
  }

  /**
   * The records that add to what {@code origin} contributes, revoking nothing: for a view of the
   * source that may be incomplete (some entries could not be read).
   */
  public Plan planAdditions(String origin, List<? extends Outgoing<?>> records, Instant now) {
    return plan(Map.of(origin, records), now, true);
  }

  private Plan plan(
      Map<String, List<? extends Outgoing<?>>> updates, Instant now, boolean additive) {
    Map<String, Map<String, Outgoing<?>>> nextBy = new HashMap<>(byOrigin);
    Map<String, String> nextOwner = new HashMap<>(owner);
    List<Outgoing<?>> out = new ArrayList<>();
    int published = 0;
    for (Map.Entry<String, List<? extends Outgoing<?>>> u : updates.entrySet()) {
      Map<String, Outgoing<?>> kept =
          additive ? byOrigin.getOrDefault(u.getKey(), Map.of()) : Map.of();
      Map<String, Outgoing<?>> records = new LinkedHashMap<>();
      for (Outgoing<?> r : u.getValue()) {
        if (r.topic() != topic) {
          throw new IllegalArgumentException(
              r.topic().name() + " record given to the index of " + topic.name());
        }
        records.put(r.key(), r.from(u.getKey()));
      }
      Map<String, Outgoing<?>> next = new HashMap<>(kept);
      next.putAll(records);
      if (next.isEmpty()) {
        nextBy.remove(u.getKey());
      } else {
        nextBy.put(u.getKey(), next);
      }
      for (Outgoing<?> r : records.values()) {
        out.add(r);
        nextOwner.put(r.key(), u.getKey());
        published++;
      }
    }
    int revoked = 0;
    Map<String, List<String>> others = null;
    for (Map.Entry<String, String> e : new ArrayList<>(nextOwner.entrySet())) {
      String key = e.getKey();
      if (nextBy.getOrDefault(e.getValue(), Map.of()).containsKey(key)) {
        continue;
      }
      if (others == null) {
        others = originsByKey(nextBy);
      }
      List<String> still = others.getOrDefault(key, List.of());
      if (still.isEmpty()) {
        out.add(new Outgoing<>(topic, key, null, UUID.randomUUID().toString(), now, e.getValue()));
        nextOwner.remove(key);
        revoked++;
        continue;
      }
      // Another origin still has the key: its value goes back on the topic (when it is known).
      String heir = still.get(0);
      Outgoing<?> value = nextBy.get(heir).get(key);
      if (value != null) {
        out.add(value);
        published++;
      }
      nextOwner.put(key, heir);
    }
    return new Plan(out, published, revoked, nextBy, nextOwner);
  }

  private static Map<String, List<String>> originsByKey(Map<String, Map<String, Outgoing<?>>> by) {
    Map<String, List<String>> m = new HashMap<>();
    by.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                e.getValue()
                    .keySet()
                    .forEach(k -> m.computeIfAbsent(k, x -> new ArrayList<>()).add(e.getKey())));
    return m;
  }

  /** The records to publish; {@link #commit} once Kafka acknowledged them. */
  public final class Plan {
    private final List<Outgoing<?>> records;
    private final int published;
    private final int revoked;
    private final Map<String, Map<String, Outgoing<?>>> nextBy;
    private final Map<String, String> nextOwner;

    private Plan(
        List<Outgoing<?>> records,
        int published,
        int revoked,
        Map<String, Map<String, Outgoing<?>>> nextBy,
        Map<String, String> nextOwner) {
      this.records = List.copyOf(records);
      this.published = published;
      this.revoked = revoked;
      this.nextBy = nextBy;
      this.nextOwner = nextOwner;
    }

    /** Values and tombstones, in the order to publish them. */
    public List<Outgoing<?>> records() {
      return records;
    }

    /** How many values the plan publishes. */
    public int published() {
      return published;
    }

    /** How many tombstones the plan publishes. */
    public int revoked() {
      return revoked;
    }

    public void commit() {
      byOrigin = nextBy;
      owner = nextOwner;
    }
  }
}
