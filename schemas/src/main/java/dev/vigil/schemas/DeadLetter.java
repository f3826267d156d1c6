package dev.vigil.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * An input that could not be read or processed, with the error. Topic {@code vigil.dead-letter},
 * key the original key (or {@code component/source} when there was none).
 *
 * @param payloadBase64 the original bytes, base64, cut to at most {@link #MAX_PAYLOAD_BYTES}
 * @param payloadBytes the original payload's full size
 */
public record DeadLetter(
    String component,
    String source,
    Integer partition,
    Long offset,
    String key,
    String payloadBase64,
    int payloadBytes,
    String errorType,
    String error,
    Instant at) {

  /** Dead letters keep at most this many bytes of the original payload. */
  public static final int MAX_PAYLOAD_BYTES = 64 * 1024;

  public DeadLetter {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(errorType, "errorType");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(at, "at");
  }
}
