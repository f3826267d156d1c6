package dev.vigil.ingest.audit;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.vigil.ingest.translate.AuditEventTranslator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * The parts of a pod admission's audit event that {@link AuditEventTranslator} reads, read into a
 * tree straight from the event's bytes; everything else (the pod's probes, env, volumes, resources,
 * managedFields, conditions...) is skipped by {@link RawJson}, validated but never built. A kept
 * event is mostly the pod spec that the API server echoes twice (request and response), so this
 * builds a few dozen nodes where Jackson's {@code readTree} built hundreds.
 *
 * <p>The translator gives the same {@code AdmissionEvent} for this tree as for the whole one
 * ({@code KeptFieldsTest} checks it on every sample event): a field the translator starts to read
 * must be added to {@link #EVENT} below. Where a value is not of the expected shape (an object
 * where an object is expected, an array of them where an array is expected), it is kept whole, so
 * the translator sees what it would have seen. Strings with escapes or non-ASCII bytes, and numbers
 * other than small integers, are read by Jackson from their own bytes (its unescaping, UTF-8 checks
 * and number types); duplicate names are refused in every object that is built, as Jackson refuses
 * them.
 */
final class KeptFields {

  /**
   * What is kept of a value: some fields of an object, each element of an array as one shape, or
   * all of it.
   */
  private static final class Shape {
    /** The whole value. */
    static final Shape ALL = new Shape(null, null);

    private final String[] names;
    private final byte[][] bytes;
    private final Shape[] shapes;
    private final Shape elements;

    private Shape(Map<String, Shape> fields, Shape elements) {
      this.elements = elements;
      if (fields == null) {
        names = null;
        bytes = null;
        shapes = null;
        return;
      }
      names = fields.keySet().toArray(String[]::new);
      bytes = new byte[names.length][];
      shapes = new Shape[names.length];
      for (int i = 0; i < names.length; i++) {
        bytes[i] = names[i].getBytes(StandardCharsets.US_ASCII);
        shapes[i] = fields.get(names[i]);
      }
    }

    static Shape object(Map<String, Shape> fields) {
      return new Shape(fields, null);
    }

    static Shape arrayOf(Shape elements) {
      return new Shape(null, elements);
    }

    boolean all() {
      return names == null;
    }

    /** The index of the field name just read (from {@code key}), or -1 when it is not kept. */
    int field(RawJson r, int key) {
      for (int i = 0; i < bytes.length; i++) {
        if (r.is(key, bytes[i])) {
          return i;
        }
      }
      return -1;
    }
  }

  private static final Shape CONTAINER =
      Shape.object(Map.of("name", Shape.ALL, "image", Shape.ALL));
  private static final Shape CONTAINER_STATUS =
      Shape.object(Map.of("name", Shape.ALL, "imageID", Shape.ALL));

  /** A pod, as {@code PodJson} reads it (or a patch body: the same shapes, only fewer of them). */
  private static final Shape POD =
      Shape.object(
          Map.of(
              "kind", Shape.ALL,
              "apiVersion", Shape.ALL,
              "metadata",
                  Shape.object(
                      Map.of(
                          "name",
                          Shape.ALL,
                          "generateName",
                          Shape.ALL,
                          "namespace",
                          Shape.ALL,
                          "uid",
                          Shape.ALL,
                          "labels",
                          Shape.ALL,
                          "annotations",
                          Shape.ALL,
                          "ownerReferences",
                          Shape.ALL)),
              "spec",
                  Shape.object(
                      Map.of(
                          "serviceAccountName",
                          Shape.ALL,
                          "serviceAccount",
                          Shape.ALL,
                          "containers",
                          Shape.arrayOf(CONTAINER),
                          "initContainers",
                          Shape.arrayOf(CONTAINER),
                          "ephemeralContainers",
                          Shape.arrayOf(CONTAINER))),
              "status",
                  Shape.object(
                      Map.of(
                          "containerStatuses", Shape.arrayOf(CONTAINER_STATUS),
                          "initContainerStatuses", Shape.arrayOf(CONTAINER_STATUS),
                          "ephemeralContainerStatuses", Shape.arrayOf(CONTAINER_STATUS)))));

  /** An audit event, as {@link AuditEventTranslator#translate} reads it. */
  private static final Shape EVENT =
      Shape.object(
          Map.ofEntries(
              Map.entry("kind", Shape.ALL),
              Map.entry("apiVersion", Shape.ALL),
              Map.entry("level", Shape.ALL),
              Map.entry("auditID", Shape.ALL),
              Map.entry("stage", Shape.ALL),
              Map.entry("verb", Shape.ALL),
              Map.entry("user", Shape.ALL),
              Map.entry("objectRef", Shape.ALL),
              Map.entry("responseStatus", Shape.ALL),
              Map.entry("annotations", Shape.ALL),
              Map.entry("requestReceivedTimestamp", Shape.ALL),
              Map.entry("timestamp", Shape.ALL),
              Map.entry("stageTimestamp", Shape.ALL),
              Map.entry("requestObject", POD),
              Map.entry("responseObject", POD)));

  private final ObjectMapper mapper;
  private final JsonNodeFactory nodes;
  private final RawJson r;
  private final byte[] b;

  private KeptFields(ObjectMapper mapper, RawJson r, byte[] body) {
    this.mapper = mapper;
    this.nodes = mapper.getNodeFactory();
    this.r = r;
    this.b = body;
  }

  /**
   * Reads the event the scanner is on (before its '{', inside a container at {@code depth}) into a
   * tree of what the translator reads; the scanner ends after the event.
   */
  static JsonNode read(ObjectMapper mapper, RawJson r, byte[] body, int depth) throws IOException {
    return new KeptFields(mapper, r, body).value(EVENT, depth);
  }

  private JsonNode value(Shape shape, int depth) throws IOException {
    int c = r.peek();
    if (c == '{') {
      return object(shape.elements == null ? shape : Shape.ALL, depth + 1);
    }
    if (c == '[') {
      return array(shape.all() && shape.elements != null ? shape.elements : Shape.ALL, depth + 1);
    }
    if (c == '"') {
      return string();
    }
    if (c == 't' || c == 'f' || c == 'n') {
      r.skipValue(depth);
      return c == 't' ? BooleanNode.TRUE : c == 'f' ? BooleanNode.FALSE : NullNode.getInstance();
    }
    int start = r.pos();
    r.skipValue(depth);
    return number(start, r.pos());
  }

  /** An object (the scanner on its '{'): the fields {@code shape} names, or all of them. */
  private ObjectNode object(Shape shape, int depth) throws IOException {
    ObjectNode node = nodes.objectNode();
    if (!r.enter('{', '}', depth)) {
      return node;
    }
    do {
      int key = r.string();
      String name;
      Shape value;
      if (r.escaped || r.nonAscii) {
        // Compared once decoded; no kept name is written this way by an API server.
        name = decoded(key - 1, r.pos());
        int i = shape.all() ? -1 : Arrays.asList(shape.names).indexOf(name);
        value = shape.all() ? Shape.ALL : i < 0 ? null : shape.shapes[i];
      } else if (shape.all()) {
        name = r.text(key);
        value = Shape.ALL;
      } else {
        int i = shape.field(r, key);
        name = i < 0 ? null : shape.names[i];
        value = i < 0 ? null : shape.shapes[i];
      }
      r.expect(':');
      if (value == null) {
        r.skipValue(depth);
      } else if (node.replace(name, value(value, depth)) != null) {
        throw r.error("duplicate field '" + name + "'");
      }
    } while (r.more('}'));
    return node;
  }

  /** An array (the scanner on its '['), each element as {@code elements}. */
  private ArrayNode array(Shape elements, int depth) throws IOException {
    ArrayNode node = nodes.arrayNode();
    if (!r.enter('[', ']', depth)) {
      return node;
    }
    do {
      node.add(value(elements == null ? Shape.ALL : elements, depth));
    } while (r.more(']'));
    return node;
  }

  private JsonNode string() throws IOException {
    int start = r.string();
    int end = r.pos() - 1;
    if (r.escaped || r.nonAscii) {
      return mapper.readTree(b, start - 1, end - start + 2);
    }
    return TextNode.valueOf(r.text(start));
  }

  /**
   * A number: up to nine digits without a leading zero is an {@code int}; others are read by
   * Jackson.
   */
  private JsonNode number(int start, int end) throws IOException {
    boolean negative = b[start] == '-';
    int i = negative ? start + 1 : start;
    int n = end - i;
    if (n >= 1 && n <= 9 && b[i] != '0') {
      int v = 0;
      for (int j = i; j < end; j++) {
        if (b[j] < '0' || b[j] > '9') {
          return mapper.readTree(b, start, end - start);
        }
        v = v * 10 + (b[j] - '0');
      }
      return IntNode.valueOf(negative ? -v : v);
    }
    return mapper.readTree(b, start, end - start);
  }

  /**
   * A field name with escapes or non-ASCII bytes (its bytes from the opening to past the closing
   * quote).
   */
  private String decoded(int from, int to) throws IOException {
    JsonNode text = mapper.readTree(b, from, to - from);
    if (!text.isTextual()) {
      throw new JsonParseException(null, "bad field name");
    }
    return text.textValue();
  }
}
