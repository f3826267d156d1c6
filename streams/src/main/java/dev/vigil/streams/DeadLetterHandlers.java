package dev.vigil.streams;

import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams exception handlers that turn a record that cannot be read, or whose processing
 * failed, into a {@link DeadLetter} on {@code vigil.dead-letter} and carry on. Streams creates them
 * by class name; the application passes its {@link VigilMetrics} under {@link
 * VigilMetrics#CONFIG_KEY}.
 */
public final class DeadLetterHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandlers.class);

  /** The component name in dead letters written by the streams application. */
  public static final String COMPONENT = "streams";

  private DeadLetterHandlers() {}

  /** A dead letter for the raw record {@code key}/{@code value} read from {@code source}. */
  static DeadLetter deadLetter(
      String source,
      Integer partition,
      Long offset,
      byte[] key,
      byte[] value,
      Exception error,
      Instant at) {
    byte[] payload = value == null ? new byte[0] : value;
    byte[] kept =
        payload.length > DeadLetter.MAX_PAYLOAD_BYTES
            ? Arrays.copyOf(payload, DeadLetter.MAX_PAYLOAD_BYTES)
            : payload;
    String message = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
    return new DeadLetter(
        COMPONENT,
        source == null ? "unknown" : source,
        partition,
        offset,
        key == null ? null : new String(key, StandardCharsets.UTF_8),
        Base64.getEncoder().encodeToString(kept),
        payload.length,
        error.getClass().getSimpleName(),
        message,
        at);
  }

  /** The dead letter as a record for the dead-letter topic, keyed by the original key. */
  static ProducerRecord<byte[], byte[]> toRecord(DeadLetter d) {
    return new ProducerRecord<>(
        Topics.DEAD_LETTER.name(),
        null,
        null,
        key(d).getBytes(StandardCharsets.UTF_8),
        Json.write(d),
        headers(d));
  }

  /** The record key of a dead letter: the original key, else where it came from. */
  static String key(DeadLetter d) {
    return d.key() != null ? d.key() : d.component() + "/" + d.source();
  }

  /**
   * The CloudEvents headers of a dead letter written by streams, as ingest writes them: the id is
   * where the record came from when known (so a repeated dead letter keeps its id), else its key
   * and time.
   */
  static Headers headers(DeadLetter d) {
    String id =
        d.partition() != null && d.offset() != null
            ? COMPONENT + "/" + d.source() + "-" + d.partition() + "@" + d.offset()
            : COMPONENT + "/" + d.source() + "/" + key(d) + "/" + d.at().toEpochMilli();
    return CloudEvents.headers(
        Topics.DEAD_LETTER, id, ContinuousValidationProcessor.SOURCE, d.at());
  }

  /**
   * One WARN line per dead letter ({@link DeadLetter#logLine}: topic, partition, offset, reason; no
   * payload), the stack trace at DEBUG: 60 unreadable records made 60 lines, not 1,900.
   */
  static void log(DeadLetter d, String reason, Exception error) {
    LOG.warn(d.logLine(reason));
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "stack trace of the dead letter from {}-{}@{}",
          d.source(),
          d.partition(),
          d.offset(),
          error);
    }
  }

  /** Topics read by global stores, whose records are deserialised on the global thread. */
  static final java.util.Set<String> GLOBAL_TOPICS =
      java.util.Set.of(
          Topics.POLICIES_ACCEPTED.name(),
          Topics.ATTESTATIONS.name(),
          Topics.IMAGE_METADATA.name());

  static boolean isGlobal(ErrorHandlerContext context, String topic) {
    return GLOBAL_TOPICS.contains(topic)
        || context.taskId() == null
        || context.taskId().subtopology() < 0;
  }

  private static VigilMetrics metrics(Map<String, ?> configs) {
    Object m = configs.get(VigilMetrics.CONFIG_KEY);
    return m instanceof VigilMetrics vm ? vm : null;
  }

  /** What both handlers do with a record they give up on. */
  private abstract static class Handler {
    private VigilMetrics metrics;

    public void configure(Map<String, ?> configs) {
      metrics = metrics(configs);
    }

    /**
     * The dead letter for the raw record read from {@code topic}, logged and counted under {@code
     * reason}.
     */
    DeadLetter deadLettered(
        String topic,
        Integer partition,
        Long offset,
        byte[] key,
        byte[] value,
        Exception exception,
        String reason) {
      DeadLetter d = deadLetter(topic, partition, offset, key, value, exception, Instant.now());
      log(d, reason, exception);
      if (metrics != null) {
        metrics.deadLetter(topic, reason);
      }
      return d;
    }
  }

  /** Records that cannot be deserialised: dead-letter them and continue. */
  public static final class Deserialization extends Handler
      implements DeserializationExceptionHandler {
    @Override
    public Response handleError(
        ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
      DeadLetter d =
          deadLettered(
              record.topic(),
              record.partition(),
              record.offset(),
              record.key(),
              record.value(),
              exception,
              "unreadable");
      if (isGlobal(context, record.topic())) {
        // The global thread has no producer: returning dead-letter records there would fail it.
        // Vigil's global stores read raw bytes and parse them themselves (GlobalStoreProcessors),
        // so only a key that is not UTF-8 could get here.
        return Response.resume();
      }
      return Response.resume(List.of(toRecord(d)));
    }
  }

  /** Records whose processing threw: dead-letter them and continue. */
  public static final class Processing extends Handler implements ProcessingExceptionHandler {
    @Override
    public Response handleError(
        ErrorHandlerContext context,
        org.apache.kafka.streams.processor.api.Record<?, ?> record,
        Exception exception) {
      DeadLetter d =
          deadLettered(
              context.topic(),
              context.partition(),
              context.offset(),
              context.sourceRawKey(),
              context.sourceRawValue(),
              exception,
              "processing_failed");
      return Response.resume(List.of(toRecord(d)));
    }
  }
}
