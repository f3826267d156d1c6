package dev.vigil.ingest.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.junit.jupiter.api.Test;

class TimestampsTest {

  @Test
  void readsWhatInstantParseReads() {
    for (String t :
        new String[] {
          "2026-11-20T10:00:02Z",
          "2026-11-20T10:00:02.1Z",
          "2026-11-20T10:00:02.123456Z",
          "2026-11-20T10:00:02.123456789Z",
          "1970-01-01T00:00:00Z",
          "2024-02-29T23:59:59.999Z",
          "2026-11-20T10:00:02+01:00",
          "2026-11-20T10:00:02.5-05:30",
          "1969-12-31T23:59:59.000000001Z",
          "2026-11-20T24:00:00Z",
          "2026-11-20T10:00:02.Z"
        }) { // the last two: as lenient as Instant.parse
      assertEquals(Instant.parse(t), Timestamps.parse(t), t);
    }
  }

  @Test
  void refusesWhatInstantParseRefuses() {
    for (String t :
        new String[] {
          "2026-13-20T10:00:02Z",
          "2026-02-30T10:00:02Z",
          "2026-11-20T10:60:02Z",
          "2026-11-20 10:00:02Z",
          "2026-11-20T10:00:02.1234567890Z",
          "2026-11-2xT10:00:02Z",
          "yesterday"
        }) {
      assertThrows(DateTimeParseException.class, () -> Timestamps.parse(t), t);
    }
  }
}
