package dev.vigil.ingest.kafka;

import dev.vigil.schemas.Topic;
import java.time.Instant;
import java.util.Objects;

/**
 * One record to publish: its topic, key and value, and the CloudEvents id and time that go into
 * its headers.
 */
public record Outgoing<V>(Topic<V> topic, String key, V value, String ceId, Instant time) {

  public Outgoing {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(ceId, "ceId");
    Objects.requireNonNull(time, "time");
  }
}
