package dev.vigil.ingest.audit;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.ingest.translate.AuditEventTranslator;
import dev.vigil.ingest.translate.TranslationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an audit {@code EventList} token by token and keeps only the events Vigil needs (pod
 * admissions, {@link AuditEventTranslator#isPodAdmission}). Whether an event matters is decided from
 * its {@code stage}, {@code verb} and {@code objectRef} as they stream past; an event that does not
 * matter costs a skip of its bytes, and no tree is built for it. An event that matters is read into
 * a tree from its own bytes, once its end is reached. A document that is not an {@code EventList}
 * (a single {@code Event}) is read whole, as before.
 */
public final class AuditEventStream {

  /**
   * What a body held.
   *
   * @param received how many events it held
   * @param kept the events that matter, in order, as trees
   */
  public record Events(int received, List<JsonNode> kept) {}

  private AuditEventStream() {}

  /**
   * Reads {@code body} with {@code mapper}'s read limits.
   *
   * @throws IOException when it is not JSON or breaks a read limit
   * @throws TranslationException when it is JSON but not an audit EventList or Event
   */
  public static Events read(ObjectMapper mapper, byte[] body) throws IOException {
    try (JsonParser p = mapper.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new TranslationException("expected an audit EventList or Event object");
      }
      String kind = null;
      boolean sawItems = false;
      Events events = new Events(0, List.of());
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("kind")) {
          kind = value.isScalarValue() && value != JsonToken.VALUE_NULL ? p.getText() : null;
        } else if (field.equals("items")) {
          sawItems = true;
          if (value == JsonToken.START_ARRAY) {
            events = items(mapper, p, body);
          } else if (value != JsonToken.VALUE_NULL) {
            events = null; // not an array: an error only if this turns out to be an EventList
            p.skipChildren();
          }
        } else {
          p.skipChildren();
        }
      }
      if (sawItems && (kind == null || kind.equals("EventList"))) {
        if (events == null) {
          throw new TranslationException("EventList.items is not an array");
        }
        return events;
      }
    }
    // Not an EventList: read it whole and let the translator say what it is (a single Event, or an error).
    List<JsonNode> all = AuditEventTranslator.events(mapper.readTree(body));
    List<JsonNode> kept = new ArrayList<>();
    for (JsonNode e : all) {
      if (AuditEventTranslator.isPodAdmission(e)) {
        kept.add(e);
      }
    }
    return new Events(all.size(), kept);
  }

  /** Reads the items array (the parser is on its START_ARRAY). */
  private static Events items(ObjectMapper mapper, JsonParser p, byte[] body) throws IOException {
    int received = 0;
    List<JsonNode> kept = new ArrayList<>();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      received++;
      if (t != JsonToken.START_OBJECT) {
        p.skipChildren(); // not an event: never a pod admission
        continue;
      }
      long start = p.currentTokenLocation().getByteOffset();
      if (matters(p)) {
        long end = p.currentLocation().getByteOffset();
        kept.add(mapper.readTree(body, (int) start, (int) (end - start)));
      }
    }
    return new Events(received, kept);
  }

  /**
   * Reads one event (the parser is on its START_OBJECT, and ends on its END_OBJECT): whether it is a
   * pod admission. Once one of stage, verb and objectRef rules it out, the rest is skipped.
   */
  private static boolean matters(JsonParser p) throws IOException {
    String stage = null;
    String verb = null;
    boolean podRef = false;
    boolean stageSeen = false;
    boolean verbSeen = false;
    boolean refSeen = false;
    boolean discard = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (discard) {
        p.skipChildren();
        continue;
      }
      switch (field) {
        case "stage":
          stageSeen = true;
          stage = scalar(p, value);
          discard = !AuditEventTranslator.keptStage(stage);
          break;
        case "verb":
          verbSeen = true;
          verb = scalar(p, value);
          discard = !AuditEventTranslator.keptVerb(verb);
          break;
        case "objectRef":
          refSeen = true;
          podRef = objectRef(p, value);
          discard = !podRef;
          break;
        default:
          p.skipChildren();
      }
    }
    return !discard && stageSeen && verbSeen && refSeen && podRef
        && AuditEventTranslator.keptStage(stage) && AuditEventTranslator.keptVerb(verb);
  }

  /** Whether the objectRef value the parser is on names a pod (or its ephemeral containers). */
  private static boolean objectRef(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return false;
    }
    String group = null;
    String resource = null;
    String subresource = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      switch (field) {
        case "apiGroup":
          group = scalar(p, v);
          break;
        case "resource":
          resource = scalar(p, v);
          break;
        case "subresource":
          subresource = scalar(p, v);
          break;
        default:
          p.skipChildren();
      }
    }
    return AuditEventTranslator.isPodRef(group, resource, subresource);
  }

  /** The text of a scalar value as the tree would give it ({@code null} for null, objects and arrays). */
  private static String scalar(JsonParser p, JsonToken value) throws IOException {
    if (value.isScalarValue()) {
      return value == JsonToken.VALUE_NULL ? null : p.getText();
    }
    p.skipChildren();
    return null;
  }
}
