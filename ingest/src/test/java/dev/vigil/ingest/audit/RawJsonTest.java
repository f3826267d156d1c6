package dev.vigil.ingest.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.vigil.schemas.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link RawJson} reads strings eight bytes at a time: a quote, a backslash, a control character or
 * a byte outside ASCII must be found wherever it falls in a word, and near the end of the input.
 */
class RawJsonTest {

  @Test
  void findsEveryKindOfSpecialByteAtEveryPositionOfAWord() throws Exception {
    for (int len = 0; len <= 27; len++) {
      for (int at = 0; at < len; at++) {
        String before = "a".repeat(at);
        String after = "b".repeat(len - at - 1);
        for (String tail : new String[] {"", ",1]", "                 ]"}) {
          // A plain string: ends at its closing quote.
          check("\"" + before + "x" + after + "\"" + tail, len, false, false);
          // An escape: the escaped quote does not end it.
          check("\"" + before + "\\\"" + after + "\"" + tail, len + 1, true, false);
          // A byte outside ASCII (two bytes in UTF-8).
          check("\"" + before + "\u00e9" + after + "\"" + tail, len + 1, false, true);
          // A control character is refused, as Jackson refuses it.
          String control = "[\"" + before + "\u0001" + after + "\"]";
          assertThrows(JsonProcessingException.class, () -> Json.mapper().readTree(control));
          RawJson r = raw("\"" + before + "\u0001" + after + "\"" + tail);
          assertThrows(JsonProcessingException.class, r::string, control);
        }
      }
    }
  }

  @Test
  void anUnterminatedStringIsRefusedWhateverItsLength() {
    for (int len = 0; len <= 20; len++) {
      RawJson r = raw("\"" + "a".repeat(len));
      assertThrows(JsonProcessingException.class, r::string, "length " + len);
    }
  }

  private static void check(String json, int contentBytes, boolean escaped, boolean nonAscii)
      throws Exception {
    RawJson r = raw(json);
    int start = r.string();
    assertEquals(1, start, json);
    assertEquals(contentBytes + 2, r.pos(), json);
    assertEquals(escaped, r.escaped, json);
    assertEquals(nonAscii, r.nonAscii, json);
  }

  private static RawJson raw(String json) {
    return new RawJson(json.getBytes(StandardCharsets.UTF_8));
  }
}
