package dev.vigil.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * A sign of life of one running component instance, sent every {@code intervalSeconds} while it
 * works. Topic {@code vigil.heartbeats}, key {@code component/instance}. The report reads them to
 * show the periods when Vigil was down.
 *
 * @param component {@code streams} or {@code ingest}
 * @param instance which process: the host name and process id
 * @param version the tool's version, or {@code null}
 * @param startedAt when the instance started
 * @param at when this heartbeat was sent
 * @param intervalSeconds how often the instance sends one
 */
public record Heartbeat(
    String component,
    String instance,
    String version,
    Instant startedAt,
    Instant at,
    long intervalSeconds) {

  public Heartbeat {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(at, "at");
    if (intervalSeconds <= 0) {
      throw new IllegalArgumentException("intervalSeconds must be positive: " + intervalSeconds);
    }
  }

  /** The record's key: {@code component/instance}. */
  public String key() {
    return component + "/" + instance;
  }
}
