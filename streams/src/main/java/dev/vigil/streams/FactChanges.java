package dev.vigil.streams;

import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The log of changes a global fact store keeps beside its facts, keyed by the offset of the record
 * that made each change: {@code ~c/<partition>/<offset>} holds the image digest whose facts
 * changed, {@code ~r/<partition>/<offset>} the dead letter of a record that was not taken. The
 * global-store processor writes both in the same store as the fact itself (and Kafka Streams
 * re-creates them on restore, with the same offsets); each validation task reads the entries after
 * its own cursors, which it keeps in its changelogged progress store. So a task revived or moved to
 * another instance carries on from the cursor it committed with its pods, and nothing that decides
 * what to re-judge lives in memory (ADR 0011).
 *
 * <p>Keys start with {@code ~}, after every {@code sha256:} fact key. Each partition keeps its
 * newest {@link #KEEP} entries of each kind; {@code ~f/<partition>} records the newest offset
 * pruned, so a task whose cursor is older knows it missed some and compares every pod instead.
 */
final class FactChanges {

  /** Entries kept per partition and kind. */
  static final int KEEP = 100_000;

  /** Prune every this many entries written. */
  private static final int PRUNE_EVERY = 1_000;

  static final String CHANGE = "~c/";
  static final String REJECTED = "~r/";
  private static final String PARTITION = "~p/";
  private static final String PRUNED = "~f/";

  private FactChanges() {}

  /** One entry: where the record came from and what it says. */
  record Entry(int partition, long offset, byte[] value) {
    String digest() {
      return new String(value, StandardCharsets.UTF_8);
    }

    DeadLetter deadLetter() {
      return Json.read(value, DeadLetter.class);
    }
  }

  static String key(String kind, int partition, long offset) {
    return String.format("%s%05d/%020d", kind, partition, offset);
  }

  /**
   * Records that the record at {@code partition}/{@code offset} changed the facts of {@code
   * digest}.
   */
  static void changed(
      KeyValueStore<String, byte[]> store, int partition, long offset, String digest) {
    append(store, CHANGE, partition, offset, digest.getBytes(StandardCharsets.UTF_8));
  }

  /** Records that the record at {@code partition}/{@code offset} was not taken. */
  static void rejected(
      KeyValueStore<String, byte[]> store, int partition, long offset, DeadLetter d) {
    append(store, REJECTED, partition, offset, Json.write(d));
  }

  private static void append(
      KeyValueStore<String, byte[]> store, String kind, int partition, long offset, byte[] value) {
    store.put(PARTITION + String.format("%05d", partition), new byte[0]);
    store.put(key(kind, partition, offset), value);
    if (offset % PRUNE_EVERY == 0) {
      prune(store, kind, partition);
    }
  }

  private static void prune(KeyValueStore<String, byte[]> store, String kind, int partition) {
    String prefix = String.format("%s%05d/", kind, partition);
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.reverseRange(prefix, prefix + "~")) {
      int seen = 0;
      while (it.hasNext()) {
        String k = it.next().key;
        if (++seen > KEEP) {
          keys.add(k);
        }
      }
    }
    if (!keys.isEmpty()) {
      store.put(
          PRUNED + kind + String.format("%05d", partition),
          String.valueOf(offsetOf(keys.get(0))).getBytes(StandardCharsets.UTF_8));
      keys.forEach(store::delete);
    }
  }

  /** The partitions that have entries. */
  static List<Integer> partitions(KeyValueStore<String, byte[]> store) {
    List<Integer> out = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it =
        store.prefixScan(PARTITION, new StringSerializer())) {
      while (it.hasNext()) {
        out.add(Integer.parseInt(it.next().key.substring(PARTITION.length())));
      }
    }
    return out;
  }

  /** The newest offset pruned from {@code partition}'s entries of {@code kind}, or -1. */
  static long pruned(KeyValueStore<String, byte[]> store, String kind, int partition) {
    byte[] v = store.get(PRUNED + kind + String.format("%05d", partition));
    return v == null ? -1 : Long.parseLong(new String(v, StandardCharsets.UTF_8));
  }

  /**
   * Hands the entries of {@code kind} in {@code partition} after offset {@code after} to {@code
   * each}, oldest first, at most {@code max}; returns the offset of the last one handed (or {@code
   * after}).
   */
  static long after(
      KeyValueStore<String, byte[]> store,
      String kind,
      int partition,
      long after,
      int max,
      BiConsumer<Long, Entry> each) {
    String from = key(kind, partition, after + 1);
    String to = String.format("%s%05d/~", kind, partition);
    long last = after;
    int n = 0;
    try (KeyValueIterator<String, byte[]> it = store.range(from, to)) {
      while (it.hasNext() && n < max) {
        var kv = it.next();
        last = offsetOf(kv.key);
        each.accept(last, new Entry(partition, last, kv.value));
        n++;
      }
    }
    return last;
  }

  /** The offset of the newest entry of {@code kind} in {@code partition}, or -1. */
  static long newest(KeyValueStore<String, byte[]> store, String kind, int partition) {
    String prefix = String.format("%s%05d/", kind, partition);
    try (KeyValueIterator<String, byte[]> it = store.reverseRange(prefix, prefix + "~")) {
      return it.hasNext() ? offsetOf(it.next().key) : -1;
    }
  }

  private static long offsetOf(String key) {
    return Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
  }
}
