package dev.vigil.ingest.audit;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.vigil.schemas.Json;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A validating JSON scanner over bytes that builds nothing: it checks the grammar (objects, arrays,
 * strings and their escapes, numbers, literals) and Vigil's read limits (nesting depth, string and
 * number length) while it skips values, and hands out string contents as byte ranges. {@link
 * AuditEventStream} skips the audit events it does not keep with it, several times faster than
 * tokenizing them. Not checked here, unlike Jackson: that skipped strings are valid UTF-8, and
 * duplicate keys other than the ones the caller reads.
 */
final class RawJson {

  /** Bytes that end plain string content: the quote, the backslash and control characters. */
  private static final boolean[] SPECIAL = new boolean[256];

  static {
    for (int c = 0; c < 0x20; c++) {
      SPECIAL[c] = true;
    }
    SPECIAL['"'] = true;
    SPECIAL['\\'] = true;
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long QUOTES = ONES * '"';
  private static final long BACKSLASHES = ONES * '\\';
  private static final long SPACES = ONES * ' ';

  private final byte[] b;
  private final int end;
  private int pos;

  /** Whether the last string read had an escape (its bytes are then not its text). */
  boolean escaped;

  /** Whether the last string read had a byte outside ASCII. */
  boolean nonAscii;

  /** The bytes {@link #plain} passed, or-ed together. */
  private long plainHigh;

  RawJson(byte[] bytes) {
    this.b = bytes;
    this.end = bytes.length;
  }

  int pos() {
    return pos;
  }

  /** Goes back to {@code position} (one this scanner was at). */
  void seek(int position) {
    pos = position;
  }

  /** Skips whitespace; returns the next byte without taking it, or -1 at the end. */
  int peek() {
    if (pos < end && b[pos] > ' ') {
      return b[pos]; // audit batches are written without whitespace
    }
    while (pos < end) {
      byte c = b[pos];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return c;
      }
      pos++;
    }
    return -1;
  }

  /** Takes {@code c} (after whitespace) or fails. */
  void expect(char c) throws JsonParseException {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  /**
   * Enters an object or array that opens with {@code open} at nesting {@code depth} (checked
   * against the limit); false, having taken its {@code close} too, when it is empty.
   */
  boolean enter(char open, char close, int depth)
      throws JsonParseException, StreamConstraintsException {
    checkDepth(depth);
    expect(open);
    if (peek() == close) {
      pos++;
      return false;
    }
    return true;
  }

  /**
   * After a member or element: takes a comma and returns true, or takes {@code close} and returns
   * false.
   */
  boolean more(char close) throws JsonParseException {
    int c = peek();
    if (c == ',') {
      pos++;
      return true;
    }
    if (c == close) {
      pos++;
      return false;
    }
    throw error("expected ',' or '" + close + "'");
  }

  /**
   * Reads a string (after whitespace); returns its start, with {@link #pos()} after the closing
   * quote.
   */
  int string() throws JsonParseException, StreamConstraintsException {
    expect('"');
    int start = pos;
    escaped = false;
    long high = 0;
    while (true) {
      // Most bytes of an audit event are plain string content: eight at a time, then one by one.
      pos = plain(pos);
      high |= plainHigh;
      if (pos > end - 8) {
        while (pos < end && !SPECIAL[b[pos] & 0xff]) {
          high |= b[pos];
          pos++;
        }
      }
      if (pos >= end) {
        throw error("unterminated string");
      }
      byte c = b[pos];
      if (c == '"') {
        break;
      }
      if (c == '\\') {
        escaped = true;
        pos = escape(pos);
      } else if ((c & 0xff) < 0x20) {
        throw error("control character in a string");
      }
      pos++;
    }
    nonAscii = (high & HIGH_BITS) != 0;
    if (pos - start > Json.MAX_STRING_CHARS) {
      throw new StreamConstraintsException("string longer than " + Json.MAX_STRING_CHARS);
    }
    pos++;
    return start;
  }

  /**
   * Skips a string from {@code from}, just after its opening quote, checking its escapes, control
   * characters and length; returns the position after its closing quote. Unlike {@link #string} it
   * records nothing.
   */
  private int skipString(int from) throws JsonParseException, StreamConstraintsException {
    int p = from;
    while (true) {
      p = span(p);
      byte c = b[p];
      if (c == '"') {
        break;
      }
      if (c != '\\') {
        pos = p;
        throw error("control character in a string");
      }
      p = escape(p) + 1;
    }
    if (p - from > Json.MAX_STRING_CHARS) {
      throw new StreamConstraintsException("string longer than " + Json.MAX_STRING_CHARS);
    }
    return p + 1;
  }

  /**
   * Checks the escape whose backslash is at {@code backslash} ({@code \n}, {@code \u00e9}, ...);
   * returns the position of its last byte.
   */
  private int escape(int backslash) throws JsonParseException {
    int p = backslash + 1;
    pos = p;
    if (p >= end) {
      throw error("unterminated string");
    }
    byte e = b[p];
    if (e == 'u') {
      for (int i = 1; i <= 4; i++) {
        if (p + i >= end || Character.digit(b[p + i], 16) < 0) {
          throw error("bad \\u escape");
        }
      }
      return p + 4;
    }
    if ("\"\\/bfnrt".indexOf(e) < 0) {
      throw error("bad escape");
    }
    return p;
  }

  /**
   * From {@code from}: the position of the first quote, backslash or control character; fails at
   * the end of the input. Eight bytes at a time while eight are left (as {@link #plain}).
   */
  private int span(int from) throws JsonParseException {
    int p = from;
    while (p <= end - 8) {
      long w = (long) LONGS.get(b, p);
      long flagged = specials(w);
      if (flagged != 0) {
        return p + (Long.numberOfTrailingZeros(flagged) >>> 3);
      }
      p += 8;
    }
    while (p < end) {
      if (SPECIAL[b[p] & 0xff]) {
        return p;
      }
      p++;
    }
    pos = p;
    throw error("unterminated string");
  }

  /**
   * From {@code from}, the position of the first quote, backslash or control character, or where
   * fewer than eight bytes are left: eight bytes are tested at once ("has a byte equal to / less
   * than" bit tricks, exact for the lowest byte flagged). The bytes passed are or-ed into {@link
   * #plainHigh}.
   */
  private int plain(int from) {
    int p = from;
    long seen = 0;
    while (p <= end - 8) {
      long w = (long) LONGS.get(b, p);
      long flagged = specials(w);
      if (flagged != 0) {
        plainHigh = seen | w & ((flagged & -flagged) - 1); // the bytes before the one flagged
        return p + (Long.numberOfTrailingZeros(flagged) >>> 3);
      }
      seen |= w;
      p += 8;
    }
    plainHigh = seen;
    return p;
  }

  /**
   * The high bit of each byte of {@code w} that may be a quote, a backslash or a control character
   * ("has a byte equal to / less than" bit tricks): exact for the lowest byte flagged.
   */
  private static long specials(long w) {
    long quote = w ^ QUOTES;
    long slash = w ^ BACKSLASHES;
    return ((quote - ONES) & ~quote | (slash - ONES) & ~slash | (w - SPACES) & ~w) & HIGH_BITS;
  }

  /**
   * Whether the string just read (from {@code start}) is exactly {@code text}, which must be ASCII.
   */
  boolean is(int start, byte[] text) {
    int len = pos - 1 - start;
    if (escaped || len != text.length) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (b[start + i] != text[i]) {
        return false;
      }
    }
    return true;
  }

  /** The text of the string just read from {@code start} (only when not {@link #escaped}). */
  String text(int start) {
    return new String(
        b, start, pos - 1 - start, nonAscii ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
  }

  /** Skips one value; {@code depth} is the nesting depth of the container it is in. */
  void skipValue(int depth) throws JsonParseException, StreamConstraintsException {
    int c = peek();
    switch (c) {
      case '{':
        checkDepth(depth + 1);
        pos++;
        if (peek() == '}') {
          pos++;
          return;
        }
        do {
          if (peek() != '"') {
            throw error("expected '\"'");
          }
          pos = skipString(pos + 1);
          expect(':');
          skipValue(depth + 1);
        } while (more('}'));
        return;
      case '[':
        checkDepth(depth + 1);
        pos++;
        if (peek() == ']') {
          pos++;
          return;
        }
        do {
          skipValue(depth + 1);
        } while (more(']'));
        return;
      case '"':
        pos = skipString(pos + 1);
        return;
      case 't':
        literal("true");
        return;
      case 'f':
        literal("false");
        return;
      case 'n':
        literal("null");
        return;
      default:
        number();
    }
  }

  void checkDepth(int depth) throws StreamConstraintsException {
    if (depth > Json.MAX_NESTING_DEPTH) {
      throw new StreamConstraintsException(
          "nesting depth exceeds the maximum of " + Json.MAX_NESTING_DEPTH);
    }
  }

  private void literal(String word) throws JsonParseException {
    for (int i = 0; i < word.length(); i++) {
      if (pos + i >= end || b[pos + i] != word.charAt(i)) {
        throw error("unexpected token");
      }
    }
    pos += word.length();
  }

  /** A number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
  private void number() throws JsonParseException, StreamConstraintsException {
    int start = pos;
    if (pos < end && b[pos] == '-') {
      pos++;
    }
    int first = pos;
    int n = digits();
    if (n == 0) {
      throw error("unexpected character");
    }
    if (n > 1 && b[first] == '0') {
      pos = first;
      throw error("leading zero in a number"); // as Jackson (and JSON) refuse it
    }
    if (pos < end && b[pos] == '.') {
      pos++;
      if (digits() == 0) {
        throw error("bad number");
      }
    }
    if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
      pos++;
      if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
        pos++;
      }
      if (digits() == 0) {
        throw error("bad number");
      }
    }
    if (pos - start > Json.MAX_NUMBER_CHARS) {
      throw new StreamConstraintsException("number longer than " + Json.MAX_NUMBER_CHARS);
    }
  }

  private int digits() {
    int n = 0;
    while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
      pos++;
      n++;
    }
    return n;
  }

  JsonParseException error(String what) {
    return new JsonParseException(null, what + " at byte " + pos);
  }
}
