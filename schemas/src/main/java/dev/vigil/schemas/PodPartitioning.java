package dev.vigil.schemas;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

/**
 * Which partition of {@code vigil.pod-events} and {@code vigil.admission-events} a pod's records go
 * to (ADR 0160). The key stays {@code cluster/namespace/name}; only the partition is chosen.
 *
 * <ul>
 *   <li>{@link #WORKLOAD} (the default): by the pod's workload, read from its name as Kubernetes
 *       generates it: {@code <replicaset>-<5 characters>} (ReplicaSets, Jobs, DaemonSets) or {@code
 *       <statefulset>-<ordinal>}. The pods of one ReplicaSet share a template, so one task judges
 *       it once instead of each of the partitions its pods would otherwise be spread over.
 *   <li>{@link #POD}: by the whole key, Kafka's default partitioner, as builds before ADR 0160
 *       placed them.
 * </ul>
 *
 * Every producer of those two topics and Kafka Streams must use the same one: an admission and its
 * pod meet only on one partition, and a task keeps the pods of its partition.
 */
public enum PodPartitioning {
  WORKLOAD,
  POD;

  /** The characters of the suffix Kubernetes appends to {@code generateName}. */
  private static final String GENERATED_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  /** {@code workload} or {@code pod}, as written in a config file. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code workload} or {@code pod}. */
  public static PodPartitioning parse(String s) {
    for (PodPartitioning p : values()) {
      if (p.wireName().equals(s.trim().toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new IllegalArgumentException("expected workload or pod, got '" + s + "'");
  }

  /**
   * Whether records of {@code topic} are placed by this rule (the topics keyed by pod it feeds).
   */
  public static boolean governs(String topic) {
    return Topics.POD_EVENTS.name().equals(topic) || Topics.ADMISSION_EVENTS.name().equals(topic);
  }

  /** The partition of the pod {@code podKey} ({@code cluster/namespace/name}) among {@code n}. */
  public int partition(String podKey, int n) {
    String k = this == WORKLOAD ? workloadKey(podKey) : podKey;
    return BuiltInPartitioner.partitionForKey(k.getBytes(StandardCharsets.UTF_8), n);
  }

  /**
   * {@code cluster/namespace/<workload>} for a pod key whose name Kubernetes generated, the key
   * itself otherwise: {@code c/ns/web-7d9f8c6b5-x2k9p} and {@code c/ns/web-7d9f8c6b5-q4wz8} give
   * {@code c/ns/web-7d9f8c6b5}, {@code c/ns/db-0} gives {@code c/ns/db}.
   */
  public static String workloadKey(String podKey) {
    int slash = podKey.lastIndexOf('/');
    int dash = podKey.lastIndexOf('-');
    if (dash <= slash + 1 || dash == podKey.length() - 1) {
      return podKey; // no suffix, or nothing before it
    }
    String suffix = podKey.substring(dash + 1);
    return generated(suffix) || ordinal(suffix) ? podKey.substring(0, dash) : podKey;
  }

  /** Five characters of the alphabet Kubernetes generates names from (no vowels, no 0, 1, 3). */
  private static boolean generated(String s) {
    if (s.length() != 5) {
      return false;
    }
    for (int i = 0; i < 5; i++) {
      if (GENERATED_ALPHABET.indexOf(s.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  /** A StatefulSet ordinal: {@code 0}, or up to six digits without a leading zero. */
  private static boolean ordinal(String s) {
    if (s.length() > 6 || s.length() > 1 && s.charAt(0) == '0') {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** The producer settings that place records this way (none for {@link #POD}). */
  public Map<String, Object> producerProperties() {
    return this == WORKLOAD
        ? Map.of(ProducerConfig.PARTITIONER_CLASS_CONFIG, PodPartitioner.class.getName())
        : Map.of();
  }
}
