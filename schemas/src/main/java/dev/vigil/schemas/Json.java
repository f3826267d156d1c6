package dev.vigil.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one Jackson configuration for Vigil's messages, with read limits that bound what a hostile or
 * broken producer can make a reader allocate.
 */
public final class Json {

  /** Largest message Vigil reads: 4 MiB (an audit EventList batch can be large). */
  public static final long MAX_DOCUMENT_BYTES = 4L * 1024 * 1024;

  /** Deepest nesting of objects and arrays. */
  public static final int MAX_NESTING_DEPTH = 64;

  /** Longest single string value: 1 MiB (policies and PGP keys are the longest). */
  public static final int MAX_STRING_CHARS = 1024 * 1024;

  /** Longest number literal. */
  public static final int MAX_NUMBER_CHARS = 100;

  private static final ObjectMapper MAPPER = create(MAX_DOCUMENT_BYTES);

  private Json() {}

  /** The shared mapper for Vigil's records. Thread-safe; do not reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** A mapper with the standard limits but a different maximum document size. */
  public static ObjectMapper create(long maxDocumentBytes) {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxDocumentLength(maxDocumentBytes)
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxStringLength(MAX_STRING_CHARS)
                    .maxNumberLength(MAX_NUMBER_CHARS)
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    return JsonMapper.builder(factory)
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
        // Tolerant reader: newer producers may add fields; required ones are checked by records.
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
        .serializationInclusion(JsonInclude.Include.NON_NULL)
        .build();
  }

  /** Serialises a record; Vigil's records always serialise. */
  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  /** Reads a record, or throws {@link UnreadableMessageException} saying why not. */
  public static <T> T read(byte[] bytes, Class<T> type) {
    return read(MAPPER, bytes, type);
  }

  static <T> T read(ObjectMapper mapper, byte[] bytes, Class<T> type) {
    String name = type.getSimpleName();
    if (bytes == null || bytes.length == 0) {
      throw new UnreadableMessageException(name, "empty payload", null);
    }
    try {
      T value = mapper.readValue(bytes, type);
      if (value == null) {
        throw new UnreadableMessageException(name, "payload is JSON null", null);
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new UnreadableMessageException(name, describe(e), e);
    } catch (java.io.IOException e) {
      throw new UnreadableMessageException(name, e.getMessage(), e);
    }
  }

  private static String describe(JsonProcessingException e) {
    // The first line only: Jackson appends the source and location, which may echo the payload.
    String m = e.getOriginalMessage();
    if (m == null) {
      m = e.getClass().getSimpleName();
    }
    Throwable root = e.getCause();
    if (root instanceof NullPointerException || root instanceof IllegalArgumentException) {
      m = m + " (" + root.getMessage() + ")";
    }
    var loc = e.getLocation();
    return loc == null ? m : m + " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
  }
}
