package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeadLetterLogLineTest {

  @Test
  void aKafkaInputNamesTopicPartitionOffsetAndReasonButNeitherPayloadNorKeyNorQuotedInput() {
    DeadLetter d =
        new DeadLetter(
            "streams",
            "vigil.pod-events",
            2,
            42L,
            "prod/payments/api-7f9",
            "c2VjcmV0",
            6,
            "UnreadableMessageException",
            "unreadable PodEvent: Unrecognized token 'hunter2': was expecting \"value\"\n"
                + "second line",
            Instant.EPOCH);

    String line = d.logLine("unreadable");

    assertEquals(
        "dead letter: component=streams topic=vigil.pod-events partition=2 offset=42 reason=unreadable"
            + " error=UnreadableMessageException: unreadable PodEvent: Unrecognized token '***': was expecting"
            + " \"***\" second line",
        line);
    assertFalse(line.contains("api-7f9"));
  }

  @Test
  void anInputFromOutsideKafkaNamesItsSourceAndALongErrorIsCut() {
    DeadLetter d =
        new DeadLetter(
            "ingest",
            "k8s-audit/prod",
            null,
            null,
            "ingest/k8s-audit/prod",
            "",
            0,
            "MalformedEventList",
            "x".repeat(1000),
            Instant.EPOCH);

    String line = d.logLine(null);

    assertTrue(
        line.startsWith(
            "dead letter: component=ingest source=k8s-audit/prod reason=MalformedEventList"
                + " error=MalformedEventList: xxx"),
        line);
    assertTrue(line.length() < 450, line);
  }

  @Test
  void jacksonMessagesKeepTheirShapeWithoutTheInputsText() {
    assertEquals(
        "Unexpected character (code 39): was expecting double-quote to start field name",
        DeadLetter.redacted(
            "Unexpected character (''' (code 39)): was expecting double-quote to start field name"));
    assertEquals(
        "Unrecognized token '***': was expecting (JSON String, Number, Array, Object or token 'null',"
            + " 'true' or 'false') at line 1, column 20",
        DeadLetter.redacted(
            "Unrecognized token 's3cr3t': was"
                + " expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false') at line 1, column 20"));
  }
}
