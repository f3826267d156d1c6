package dev.vigil.ingest.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shapes a feed file may take: an array, a REST list, one object; anything else is named. */
class JsonFileFeedItemsTest {

  static List<String> names(String json, String listField) {
    return JsonFileFeed.items(json.getBytes(StandardCharsets.UTF_8), listField, "expected a thing")
        .stream()
        .map(n -> n.path("name").asText())
        .toList();
  }

  @Test
  void anArrayARestListOrOneObject() {
    assertEquals(List.of("a", "b"), names("[{\"name\":\"a\"},{\"name\":\"b\"}]", "occurrences"));
    assertEquals(
        List.of("a", "b"),
        names("{\"occurrences\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", "occurrences"));
    assertEquals(List.of("a"), names("{\"name\":\"a\"}", "occurrences"));
    // Without a list field, an object holding one is just an object.
    List<JsonNode> one =
        JsonFileFeed.items("{\"occurrences\":[]}".getBytes(StandardCharsets.UTF_8), null, "x");
    assertEquals(1, one.size());
  }

  @Test
  void otherShapesAndBrokenJsonAreRejectedSayingWhy() {
    IllegalArgumentException scalar =
        assertThrows(IllegalArgumentException.class, () -> names("42", null));
    assertEquals("expected a thing", scalar.getMessage());
    IllegalArgumentException broken =
        assertThrows(IllegalArgumentException.class, () -> names("[{", null));
    assertTrue(broken.getMessage().startsWith("not JSON: "), broken.getMessage());
    assertEquals(1, broken.getMessage().lines().count());
  }
}
