package dev.vigil.ingest.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.vigil.ingest.AuditSamples;
import dev.vigil.schemas.Json;
import java.nio.charset.StandardCharsets;
import java.util.Random;
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

  /**
   * Skipping a value (how the receiver passes over the events it drops) accepts exactly the JSON
   * that Jackson accepts, and ends where the value ends: checked on thousands of one- to three-byte
   * edits of a real audit event, each edit a byte that matters to the grammar. (Only ASCII is
   * written, since skipped strings are not checked for UTF-8.)
   */
  @Test
  void skippingAcceptsExactlyWhatJacksonAccepts() throws Exception {
    byte[] event = Json.write(AuditSamples.real(AuditSamples.NGINX_PRIVILEGED));
    byte[] alphabet = "{}[]\":,\\u0aeE.-+ tfn\n\u0001".getBytes(StandardCharsets.US_ASCII);
    Random random = new Random(42);
    JsonFactory jackson = new JsonFactory();
    int refused = 0;
    for (int i = 0; i < 5000; i++) {
      byte[] b = event.clone();
      for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
        b[random.nextInt(b.length)] = alphabet[random.nextInt(alphabet.length)];
      }
      String text = new String(b, StandardCharsets.US_ASCII);
      int jacksonEnd;
      try (JsonParser p = jackson.createParser(b)) {
        jacksonEnd =
            p.nextToken() != null && p.skipChildren() != null && p.nextToken() == null
                ? b.length
                : -1;
      } catch (JsonProcessingException e) {
        jacksonEnd = -1;
      }
      int rawEnd;
      try {
        RawJson r = new RawJson(b);
        r.skipValue(0);
        rawEnd = r.peek() == -1 ? b.length : -1;
      } catch (JsonProcessingException e) {
        rawEnd = -1;
      }
      assertEquals(jacksonEnd, rawEnd, text);
      refused += rawEnd < 0 ? 1 : 0;
    }
    // The edits exercise both sides: most break the event, some leave it valid JSON.
    assertTrue(refused > 1000 && refused < 4900, "refused " + refused);
  }

  /** Numbers as JSON writes them, and the ways they are miswritten (a leading zero among them). */
  @Test
  void skippingANumberAcceptsExactlyWhatJacksonAccepts() throws Exception {
    JsonFactory jackson = new JsonFactory();
    for (String number :
        new String[] {
          "0",
          "-0",
          "7",
          "10",
          "-120",
          "0.5",
          "-0.0",
          "1e5",
          "0E-2",
          "-0.5e+10",
          "01",
          "-01",
          "00",
          "-00.5",
          "007",
          "0.5.1",
          "1.",
          ".5",
          "-",
          "+1",
          "1e",
          "1e+",
          "-.5",
          "0x1",
          "1-"
        }) {
      String array = "[" + number + "]";
      boolean byJackson;
      try (JsonParser p = jackson.createParser(array)) {
        byJackson = p.nextToken() != null && p.skipChildren() != null && p.nextToken() == null;
      } catch (JsonProcessingException e) {
        byJackson = false;
      }
      boolean byScanner;
      try {
        RawJson r = raw(array);
        r.skipValue(0);
        byScanner = r.peek() == -1;
      } catch (JsonProcessingException e) {
        byScanner = false;
      }
      assertEquals(byJackson, byScanner, number);
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
