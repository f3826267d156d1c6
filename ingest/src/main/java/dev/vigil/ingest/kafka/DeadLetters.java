package dev.vigil.ingest.kafka;

import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;

/** Builds dead-letter records for inputs ingest could not read. */
public final class DeadLetters {

  private DeadLetters() {}

  /**
   * A dead letter for {@code payload}, keyed {@code component/source}, keeping at most {@link
   * DeadLetter#MAX_PAYLOAD_BYTES} of it.
   */
  public static Outgoing<DeadLetter> of(
      String component, String source, byte[] payload, String errorType, String error, Instant at) {
    byte[] kept =
        payload.length <= DeadLetter.MAX_PAYLOAD_BYTES
            ? payload
            : Arrays.copyOf(payload, DeadLetter.MAX_PAYLOAD_BYTES);
    String key = component + "/" + source;
    DeadLetter letter =
        new DeadLetter(
            component,
            source,
            null,
            null,
            key,
            Base64.getEncoder().encodeToString(kept),
            payload.length,
            errorType,
            error,
            at);
    return new Outgoing<>(Topics.DEAD_LETTER, key, letter, UUID.randomUUID().toString(), at);
  }

  /** The same for text input. */
  public static Outgoing<DeadLetter> of(
      String component, String source, String payload, String errorType, String error, Instant at) {
    return of(component, source, payload.getBytes(StandardCharsets.UTF_8), errorType, error, at);
  }
}
