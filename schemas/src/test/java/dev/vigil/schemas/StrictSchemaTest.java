package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.DisallowUnknownKeywordFactory;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schemas pass a validator in strict mode, as consumers outside Java use them (ajv refuses
 * unknown keywords by default): every keyword is a JSON Schema 2020-12 keyword, the schema is valid
 * against the 2020-12 meta-schema, and the version lives in {@code $id} ({@code
 * https://vigil.dev/schemas/<name>/v<N>}), not in a keyword of our own.
 */
class StrictSchemaTest {

  static final Path DIR = Path.of("src/main/resources/schemas");

  /** 2020-12, where a keyword no vocabulary defines is an error instead of an annotation. */
  static final JsonSchemaFactory STRICT =
      JsonSchemaFactory.getInstance(
          SpecVersion.VersionFlag.V202012,
          b ->
              b.metaSchema(
                  JsonMetaSchema.builder(JsonMetaSchema.getV202012())
                      .unknownKeywordFactory(DisallowUnknownKeywordFactory.getInstance())
                      .build()));

  static Stream<Path> schemaFiles() throws IOException {
    return Files.list(DIR).filter(p -> p.toString().endsWith(".schema.json")).sorted();
  }

  static JsonNode read(Path p) {
    try {
      return Json.mapper().readTree(Files.readAllBytes(p));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void compileStrictly(JsonNode schema) {
    JsonSchema s = STRICT.getSchema(schema);
    s.initializeValidators();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("schemaFiles")
  void everyKeywordIsAStandardKeyword(Path file) {
    assertDoesNotThrow(() -> compileStrictly(read(file)), file.toString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("schemaFiles")
  void isValidAgainstTheMetaSchemaAndVersionedInItsId(Path file) {
    JsonNode schema = read(file);
    JsonSchema meta =
        STRICT.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));

    Set<ValidationMessage> errors = meta.validate(schema);

    assertTrue(errors.isEmpty(), file + ": " + errors);
    String name = file.getFileName().toString().replace(".schema.json", "");
    assertTrue(
        schema
            .path("$id")
            .asText()
            .matches("https://vigil\\.dev/schemas/" + name + "/v[1-9][0-9]*"),
        file + " $id " + schema.path("$id"));
    assertFalse(schema.has("version"), file + " keeps a non-standard top-level version keyword");
  }

  @Test
  void theValidatorIsStrictAKeywordOfOurOwnIsRefused() {
    ObjectNode withVersion = (ObjectNode) read(DIR.resolve("pod-event.schema.json")).deepCopy();
    withVersion.put("version", 1);

    Exception e = assertThrows(Exception.class, () -> compileStrictly(withVersion));

    assertTrue(String.valueOf(e.getMessage()).contains("version"), e.toString());
  }

  @Test
  void everyTopicsSchemaIsAmongTheCheckedFiles() throws IOException {
    Set<String> files =
        new java.util.TreeSet<>(schemaFiles().map(p -> p.getFileName().toString()).toList());
    for (Topic<?> t : Topics.ALL) {
      assertTrue(files.contains(t.schema()), t.schema());
    }
    assertEquals(13, files.size(), files.toString());
  }
}
