package dev.vigil.ingest.kafka;

import dev.vigil.schemas.Topic;
import java.time.Instant;
import java.util.Objects;

/**
 * One record to publish: its topic, key and value (null for a tombstone), the CloudEvents id and
 * time that go into its headers, and the origin it came from (a file, a Grafeas project), written
 * as the {@value #ORIGIN_HEADER} header so that a restarted feed knows which keys it contributed.
 */
public record Outgoing<V>(
    Topic<V> topic, String key, V value, String ceId, Instant time, String origin) {

  /**
   * The header naming where a fact came from, e.g. {@code file:/etc/vigil/attestations/ci.json}.
   */
  public static final String ORIGIN_HEADER = "vigil_origin";

  public Outgoing {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(ceId, "ceId");
    Objects.requireNonNull(time, "time");
  }

  /** A record with no origin header. */
  public Outgoing(Topic<V> topic, String key, V value, String ceId, Instant time) {
    this(topic, key, value, ceId, time, null);
  }

  /** This record from {@code origin}. */
  public Outgoing<V> from(String origin) {
    return new Outgoing<>(topic, key, value, ceId, time, origin);
  }
}
