package dev.vigil.schemas;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * CloudEvents 1.0 attributes as Kafka headers, binary content mode: the value is the event data and
 * {@code ce_*} headers carry the attributes, so CloudEvents SDKs can read Vigil's topics.
 */
public final class CloudEvents {

  public static final String SPEC_VERSION = "1.0";
  public static final String ID = "ce_id";
  public static final String SOURCE = "ce_source";
  public static final String TYPE = "ce_type";
  public static final String SPECVERSION = "ce_specversion";
  public static final String TIME = "ce_time";
  public static final String CONTENT_TYPE = "content-type";

  private CloudEvents() {}

  /** Headers for one event on {@code topic}. */
  public static Headers headers(Topic<?> topic, String id, String source, Instant time) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(time, "time");
    RecordHeaders h = new RecordHeaders();
    h.add(ID, bytes(id));
    h.add(SOURCE, bytes(source));
    h.add(TYPE, bytes(topic.ceType()));
    h.add(SPECVERSION, bytes(SPEC_VERSION));
    h.add(TIME, bytes(DateTimeFormatter.ISO_INSTANT.format(time)));
    h.add(CONTENT_TYPE, bytes("application/json"));
    return h;
  }

  /** The value of a header as a string, or {@code null} when absent. */
  public static String get(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
