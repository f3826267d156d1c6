package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class DeadLetterHandlersTest {

  static ErrorHandlerContext context(String topic, TaskId task, byte[] key, byte[] value) {
    return new ErrorHandlerContext() {
      @Override
      public String topic() {
        return topic;
      }

      @Override
      public int partition() {
        return 2;
      }

      @Override
      public long offset() {
        return 42;
      }

      @Override
      public Headers headers() {
        return new RecordHeaders();
      }

      @Override
      public String processorNodeId() {
        return "continuous-validation";
      }

      @Override
      public TaskId taskId() {
        return task;
      }

      @Override
      public long timestamp() {
        return 0;
      }

      @Override
      public byte[] sourceRawKey() {
        return key;
      }

      @Override
      public byte[] sourceRawValue() {
        return value;
      }
    };
  }

  @Test
  void aRecordWhoseProcessingFailsBecomesADeadLetterAndProcessingContinues() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    var handler = new DeadLetterHandlers.Processing();
    handler.configure(
        Map.of(VigilMetrics.CONFIG_KEY, new VigilMetrics(registry, Clock.systemUTC())));
    byte[] key = "c/ns/pod".getBytes(StandardCharsets.UTF_8);
    var response =
        handler.handleError(
            context(
                Topics.POD_EVENTS.name(),
                new TaskId(3, 2),
                key,
                "{}".getBytes(StandardCharsets.UTF_8)),
            null,
            new IllegalStateException("boom"));
    assertEquals(ProcessingExceptionHandler.Result.RESUME, response.result());
    assertEquals(1, response.deadLetterQueueRecords().size());
    var r = response.deadLetterQueueRecords().get(0);
    assertEquals(Topics.DEAD_LETTER.name(), r.topic());
    DeadLetter d = Json.read(r.value(), DeadLetter.class);
    assertEquals("c/ns/pod", d.key());
    assertEquals(Topics.POD_EVENTS.name(), d.source());
    assertEquals(42L, d.offset());
    assertEquals("IllegalStateException", d.errorType());
    assertEquals("boom", d.error());
    assertEquals(
        1,
        registry
            .find("vigil.dead.letters")
            .tags("source", Topics.POD_EVENTS.name(), "reason", "processing_failed")
            .counter()
            .count());
  }

  @Test
  void anUnreadableRecordOnAGlobalTopicIsCountedButNotSentFromTheGlobalThread() {
    var handler = new DeadLetterHandlers.Deserialization();
    handler.configure(Map.of());
    byte[] v = "{x".getBytes(StandardCharsets.UTF_8);
    var global =
        handler.handleError(
            context(Topics.ATTESTATIONS.name(), null, null, v),
            new ConsumerRecord<>(Topics.ATTESTATIONS.name(), 0, 1, null, v),
            new RuntimeException("bad"));
    assertEquals(DeserializationExceptionHandler.Result.RESUME, global.result());
    assertTrue(global.deadLetterQueueRecords().isEmpty());
    var task =
        handler.handleError(
            context(Topics.POD_EVENTS.name(), new TaskId(3, 0), null, v),
            new ConsumerRecord<>(Topics.POD_EVENTS.name(), 0, 1, null, v),
            new RuntimeException("bad"));
    assertEquals(1, task.deadLetterQueueRecords().size());
    DeadLetter d = Json.read(task.deadLetterQueueRecords().get(0).value(), DeadLetter.class);
    assertEquals(
        "streams/vigil.pod-events",
        new String(task.deadLetterQueueRecords().get(0).key(), StandardCharsets.UTF_8));
    assertEquals(2, d.payloadBytes());
  }
}
