package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON Schemas under {@code schemas/} are the contract for consumers outside Java: every record
 * must serialise to a document its schema accepts, round-trip unchanged, and have exactly the
 * fields its schema declares.
 */
class SchemaContractTest {

  static Stream<Topic<?>> topics() {
    return Topics.ALL.stream();
  }

  static JsonSchema schemaOf(Topic<?> topic) {
    JsonNode node = schemaNode(topic);
    SchemaValidatorsConfig config =
        SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(node, config);
  }

  static JsonNode schemaNode(Topic<?> topic) {
    try {
      return Json.mapper().readTree(Samples.bytes("schemas/" + topic.schema()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("topics")
  void sampleSerialisesToADocumentItsSchemaAccepts(Topic<?> topic) {
    Object sample = Samples.sample(topic);
    JsonNode written = Json.mapper().valueToTree(sample);

    Set<ValidationMessage> errors = schemaOf(topic).validate(written);

    assertTrue(
        errors.isEmpty(),
        topic.schema() + " rejects a " + topic.valueType().getSimpleName() + ": " + errors);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("topics")
  void sampleRoundTripsUnchangedThroughItsSerde(Topic<?> topic) throws Exception {
    roundTrip(topic);
  }

  private static <V> void roundTrip(Topic<V> topic) throws Exception {
    byte[] file = Samples.bytes(Samples.fileFor(topic));
    V sample = Json.read(file, topic.valueType());
    JsonSerde<V> serde = topic.valueSerde();

    byte[] bytes = serde.serializer().serialize(topic.name(), sample);
    V back = serde.deserializer().deserialize(topic.name(), bytes);

    assertEquals(sample, back);
    // Every field of the sample file survives: no field is silently dropped by the record.
    assertEquals(Json.mapper().readTree(file), Json.mapper().readTree(bytes));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("topics")
  void recordAndSchemaDeclareTheSameFields(Topic<?> topic) {
    JsonNode schema = schemaNode(topic);
    assertSameFields(topic.valueType(), schema, schema, topic.schema());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("topics")
  void schemaCarriesAVersionAndIsStrict(Topic<?> topic) {
    JsonNode schema = schemaNode(topic);
    assertEquals("https://json-schema.org/draft/2020-12/schema", schema.path("$schema").asText());
    // The version is the last segment of $id (.../pod-event/v1): a keyword of our own fails strict
    // validators.
    assertTrue(
        schema.path("$id").asText().matches("https://vigil\\.dev/schemas/[a-z-]+/v[1-9][0-9]*"),
        topic.schema() + " has no version in its $id");
    assertFalse(schema.path("additionalProperties").asBoolean(true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("topics")
  void schemaRejectsADocumentMissingARequiredField(Topic<?> topic) {
    JsonNode schema = schemaNode(topic);
    String required = schema.path("required").get(0).asText();
    ObjectNode doc = Json.mapper().valueToTree(Samples.sample(topic));
    doc.remove(required);

    Set<ValidationMessage> errors = schemaOf(topic).validate(doc);

    assertFalse(errors.isEmpty(), topic.schema() + " accepts a document without " + required);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("topics")
  void schemaRejectsAnUndeclaredField(Topic<?> topic) {
    ObjectNode doc = Json.mapper().valueToTree(Samples.sample(topic));
    doc.put("surprise", 1);

    assertFalse(schemaOf(topic).validate(doc).isEmpty());
  }

  @org.junit.jupiter.api.Test
  void aV1PodEventWithoutImagePullSecretsStillReadsWithNone() throws Exception {
    ObjectNode v1 =
        (ObjectNode) Json.mapper().readTree(Samples.bytes(Samples.fileFor(Topics.POD_EVENTS)));
    v1.remove("imagePullSecrets");

    PodEvent read =
        Topics.POD_EVENTS
            .valueSerde()
            .deserializer()
            .deserialize(Topics.POD_EVENTS.name(), Json.mapper().writeValueAsBytes(v1));

    assertEquals(List.of(), read.imagePullSecrets());
    assertEquals(List.of("regcred"), Samples.sample(Topics.POD_EVENTS).imagePullSecrets());
    assertEquals(
        "https://vigil.dev/schemas/pod-event/v2",
        schemaNode(Topics.POD_EVENTS).path("$id").asText());
  }

  /** Compares a record's components with the schema's properties, following nested records. */
  private static void assertSameFields(Class<?> type, JsonNode node, JsonNode root, String where) {
    JsonNode resolved = resolve(node, root);
    Set<String> recordFields =
        Arrays.stream(type.getRecordComponents())
            .map(RecordComponent::getName)
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> schemaFields = new TreeSet<>();
    resolved.path("properties").fieldNames().forEachRemaining(schemaFields::add);
    assertEquals(
        recordFields,
        schemaFields,
        where + " and " + type.getSimpleName() + " declare different fields");

    for (RecordComponent c : type.getRecordComponents()) {
      Class<?> nested = recordType(c.getGenericType());
      if (nested != null) {
        JsonNode prop = resolve(resolved.path("properties").path(c.getName()), root);
        if (prop.has("items")) {
          prop = resolve(prop.path("items"), root);
        }
        assertSameFields(nested, prop, root, where + "#" + c.getName());
      }
    }
  }

  private static Class<?> recordType(Type t) {
    if (t instanceof Class<?> c && c.isRecord()) {
      return c;
    }
    if (t instanceof ParameterizedType p && p.getRawType() == List.class) {
      return recordType(p.getActualTypeArguments()[0]);
    }
    return null;
  }

  private static JsonNode resolve(JsonNode node, JsonNode root) {
    String ref = node.path("$ref").asText("");
    if (ref.startsWith("#/$defs/")) {
      return root.path("$defs").path(ref.substring("#/$defs/".length()));
    }
    return node;
  }
}
