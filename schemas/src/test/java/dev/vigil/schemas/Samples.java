package dev.vigil.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Sample messages of every type, from {@code src/test/resources/samples/<schema name>.json}. */
final class Samples {

  private Samples() {}

  static String fileFor(Topic<?> topic) {
    return "samples/" + topic.schema().replace(".schema.json", ".json");
  }

  static byte[] bytes(String resource) {
    try (InputStream in = Samples.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static <V> V sample(Topic<V> topic) {
    return Json.read(bytes(fileFor(topic)), topic.valueType());
  }
}
