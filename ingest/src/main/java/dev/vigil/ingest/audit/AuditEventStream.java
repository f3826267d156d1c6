package dev.vigil.ingest.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.ingest.translate.AuditEventTranslator;
import dev.vigil.ingest.translate.TranslationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an audit {@code EventList} as a stream of bytes and keeps only the events Vigil needs (pod
 * admissions, {@link AuditEventTranslator#isPodAdmission}). Whether an event matters is decided
 * from its {@code stage}, {@code verb} and {@code objectRef} as they pass; an event that does not
 * matter costs a validating skip of its bytes ({@link RawJson}), and no tree or string is built for
 * it. An event that matters is read into a tree by Jackson from its own bytes, once its end is
 * reached. A document that is not an {@code EventList} (a single {@code Event}) is read whole, as
 * before.
 */
public final class AuditEventStream {

  /**
   * What a body held.
   *
   * @param received how many events it held
   * @param kept the events that matter, in order
   */
  public record Events(int received, List<Kept> kept) {}

  /**
   * An event that matters.
   *
   * @param tree what the translator reads of it ({@link KeptFields}), or all of it when it was
   *     written in a way only Jackson reads (escapes, non-string deciding fields)
   * @param from where its bytes start in the body
   * @param to where they end
   */
  public record Kept(JsonNode tree, int from, int to) {}

  private AuditEventStream() {}

  private static final byte[] KIND = ascii("kind");
  private static final byte[] ITEMS = ascii("items");
  private static final byte[] EVENT_LIST = ascii("EventList");
  private static final byte[] STAGE = ascii("stage");
  private static final byte[] VERB = ascii("verb");
  private static final byte[] OBJECT_REF = ascii("objectRef");
  private static final byte[] RESOURCE = ascii("resource");
  private static final byte[] API_GROUP = ascii("apiGroup");
  private static final byte[] SUBRESOURCE = ascii("subresource");
  private static final byte[] RESPONSE_COMPLETE = ascii(AuditEventTranslator.RESPONSE_COMPLETE);
  private static final byte[] PODS = ascii("pods");
  private static final byte[] EPHEMERAL = ascii("ephemeralcontainers");
  private static final byte[][] VERBS = {ascii("create"), ascii("update"), ascii("patch")};

  /**
   * Reads {@code body} with {@code mapper}'s read limits (the skipped events are checked by {@link
   * RawJson} against the same limits).
   *
   * @throws IOException when it is not JSON or breaks a read limit
   * @throws TranslationException when it is JSON but not an audit EventList or Event
   */
  public static Events read(ObjectMapper mapper, byte[] body) throws IOException {
    RawJson r = new RawJson(body);
    if (r.peek() == '{') {
      Events events = eventList(mapper, r, body);
      if (events != null) {
        return events;
      }
    }
    // Not an EventList: read it whole and let the translator say what it is (a single Event, or an
    // error).
    List<JsonNode> all = AuditEventTranslator.events(mapper.readTree(body));
    List<Kept> kept = new ArrayList<>();
    for (JsonNode e : all) {
      if (AuditEventTranslator.isPodAdmission(e)) {
        kept.add(new Kept(e, 0, body.length));
      }
    }
    return new Events(all.size(), kept);
  }

  /** The events of an EventList, or {@code null} when the document is something else. */
  private static Events eventList(ObjectMapper mapper, RawJson r, byte[] body) throws IOException {
    r.expect('{');
    boolean eventList = true; // until a kind says otherwise
    boolean sawItems = false;
    boolean itemsNotArray = false;
    boolean escapedName = false;
    Events events = new Events(0, List.of());
    if (r.peek() != '}') {
      do {
        int key = r.string();
        // A name with escapes may be "kind" or "items" written another way: the tree reads it.
        escapedName |= r.escaped;
        boolean isKind = r.is(key, KIND);
        boolean isItems = !isKind && r.is(key, ITEMS);
        r.expect(':');
        if (isKind) {
          int c = r.peek();
          if (c == '"') {
            eventList = r.is(r.string(), EVENT_LIST);
          } else {
            r.skipValue(1);
            eventList = c == 'n'; // null: no kind
          }
        } else if (isItems) {
          sawItems = true;
          int c = r.peek();
          if (c == '[') {
            events = items(mapper, r, body);
          } else {
            itemsNotArray = c != 'n';
            r.skipValue(1);
          }
        } else {
          r.skipValue(1);
        }
      } while (r.more('}'));
    } else {
      r.expect('}');
    }
    if (r.peek() != -1) {
      throw r.error("trailing content");
    }
    if (!sawItems || !eventList || escapedName) {
      return null;
    }
    if (itemsNotArray) {
      throw new TranslationException("EventList.items is not an array");
    }
    return events;
  }

  /** Reads the items array (the scanner is before its '['). */
  private static Events items(ObjectMapper mapper, RawJson r, byte[] body) throws IOException {
    r.expect('[');
    int received = 0;
    List<Kept> kept = new ArrayList<>();
    if (r.peek() == ']') {
      r.expect(']');
      return new Events(0, kept);
    }
    do {
      received++;
      if (r.peek() != '{') {
        r.skipValue(2); // not an event: never a pod admission
        continue;
      }
      int start = r.pos();
      Decision d = decide(r);
      if (d == Decision.KEEP) {
        r.seek(start);
        JsonNode event = KeptFields.read(mapper, r, body, 2);
        kept.add(new Kept(event, start, r.pos()));
      } else if (d == Decision.UNSURE) {
        JsonNode event = mapper.readTree(body, start, r.pos() - start);
        if (AuditEventTranslator.isPodAdmission(event)) {
          kept.add(new Kept(event, start, r.pos()));
        }
      }
    } while (r.more(']'));
    return new Events(received, kept);
  }

  private enum Decision {
    KEEP,
    DROP,
    UNSURE
  }

  /**
   * Scans one event (the scanner is on its '{'): whether it is a pod admission, from its stage,
   * verb and objectRef; UNSURE when one of them, or any field name, is written in a way only the
   * tree reads the same (escapes, non-string values), so the tree decides. The scanner ends after
   * the event's '}', except on KEEP, which is answered as soon as the three fields say so (the
   * event is then read from its start, {@link KeptFields}).
   */
  private static Decision decide(RawJson r) throws IOException {
    Boolean stage = null;
    Boolean verb = null;
    Boolean ref = null;
    boolean unsure = false;
    int seen = 0;
    if (!open(r)) {
      return Decision.DROP;
    }
    do {
      int which = field(r, seen, STAGE, VERB, OBJECT_REF);
      seen |= which;
      if (which == ESCAPED_NAME) {
        unsure = true;
        r.skipValue(3);
      } else if (which == 0) {
        r.skipValue(3);
      } else if (which == 4) {
        Decision d = objectRef(r);
        ref = d == Decision.KEEP;
        unsure |= d == Decision.UNSURE;
      } else if (r.peek() == '"') {
        int v = r.string();
        unsure |= r.escaped;
        boolean ok = which == 1 ? r.is(v, RESPONSE_COMPLETE) : isVerb(r, v);
        if (which == 1) {
          stage = ok;
        } else {
          verb = ok;
        }
      } else {
        unsure = true;
        r.skipValue(3);
      }
      if (!unsure
          && Boolean.TRUE.equals(stage)
          && Boolean.TRUE.equals(verb)
          && Boolean.TRUE.equals(ref)) {
        return Decision.KEEP;
      }
    } while (r.more('}'));
    if (unsure) {
      return Decision.UNSURE;
    }
    return Boolean.TRUE.equals(stage) && Boolean.TRUE.equals(verb) && Boolean.TRUE.equals(ref)
        ? Decision.KEEP
        : Decision.DROP;
  }

  /**
   * What {@link #field} answers for a name written with escapes ({@code "st\u0061ge"}): it may be
   * any of the names, so the tree decides the event.
   */
  private static final int ESCAPED_NAME = 8;

  /**
   * Reads a field name and its colon: 1, 2 or 4 for the first, second or third name given, 0 for
   * another, {@link #ESCAPED_NAME} for one with escapes; a name already {@code seen} (as those
   * bits) is refused, as Jackson refuses duplicates.
   */
  private static int field(RawJson r, int seen, byte[] first, byte[] second, byte[] third)
      throws IOException {
    int key = r.string();
    if (r.escaped) {
      r.expect(':');
      return ESCAPED_NAME;
    }
    int which = r.is(key, first) ? 1 : r.is(key, second) ? 2 : r.is(key, third) ? 4 : 0;
    if ((seen & which) != 0) {
      throw r.error("duplicate field");
    }
    r.expect(':');
    return which;
  }

  /** Takes an object's '{'; false (having taken its '}' too) when it is empty. */
  private static boolean open(RawJson r) throws IOException {
    r.expect('{');
    if (r.peek() == '}') {
      r.expect('}');
      return false;
    }
    return true;
  }

  private static boolean isVerb(RawJson r, int start) {
    for (byte[] v : VERBS) {
      if (r.is(start, v)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Scans an objectRef value: KEEP when it names pods (or their ephemeral containers) of the core
   * group.
   */
  private static Decision objectRef(RawJson r) throws IOException {
    if (r.peek() != '{') {
      r.skipValue(3);
      return Decision.DROP; // not an object: names no resource
    }
    boolean pods = false;
    boolean coreGroup = true;
    boolean subOk = true;
    boolean unsure = false;
    int seen = 0;
    if (!open(r)) {
      return Decision.DROP;
    }
    do {
      int which = field(r, seen, RESOURCE, API_GROUP, SUBRESOURCE);
      seen |= which;
      if (which == ESCAPED_NAME) {
        unsure = true;
        r.skipValue(4);
        continue;
      }
      if (which == 0) {
        r.skipValue(4);
        continue;
      }
      int c = r.peek();
      if (c == 'n') {
        r.skipValue(4); // null: absent
        pods &= which != 1;
        continue;
      }
      if (c != '"') {
        unsure = true;
        r.skipValue(4);
        continue;
      }
      int v = r.string();
      unsure |= r.escaped;
      int len = r.pos() - 1 - v;
      if (which == 1) {
        pods = r.is(v, PODS);
      } else if (which == 2) {
        coreGroup = len == 0;
      } else {
        subOk = len == 0 || r.is(v, EPHEMERAL);
      }
    } while (r.more('}'));
    if (unsure) {
      return Decision.UNSURE;
    }
    return pods && coreGroup && subOk ? Decision.KEEP : Decision.DROP;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
