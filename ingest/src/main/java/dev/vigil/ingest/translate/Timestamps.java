package dev.vigil.ingest.translate;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * RFC 3339 times as the API server writes them ({@code 2026-11-20T10:00:02.123456Z}), read without
 * a {@code DateTimeFormatter}: about ten times cheaper than {@link Instant#parse}, which still
 * reads everything else (offsets other than {@code Z}, leap seconds) with the same result.
 */
public final class Timestamps {

  private Timestamps() {}

  /**
   * The instant {@code text} names.
   *
   * @throws DateTimeParseException when it is not an ISO-8601 instant
   */
  public static Instant parse(String text) {
    int n = text.length();
    if (n >= 20
        && n <= 30
        && text.charAt(n - 1) == 'Z'
        && text.charAt(4) == '-'
        && text.charAt(7) == '-'
        && text.charAt(10) == 'T'
        && text.charAt(13) == ':'
        && text.charAt(16) == ':') {
      int year = digits(text, 0, 4);
      int month = digits(text, 5, 7);
      int day = digits(text, 8, 10);
      int hour = digits(text, 11, 13);
      int minute = digits(text, 14, 16);
      int second = digits(text, 17, 19);
      int nanos = 0;
      boolean ok =
          year >= 0
              && month >= 0
              && day >= 0
              && hour >= 0
              && hour < 24
              && minute >= 0
              && minute < 60
              && second >= 0
              && second < 60;
      if (ok && n > 20) {
        // A fraction of 1 to 9 digits after a dot.
        ok = text.charAt(19) == '.' && n - 21 >= 1 && n - 21 <= 9;
        int f = ok ? digits(text, 20, n - 1) : -1;
        ok = f >= 0;
        if (ok) {
          nanos = f;
          for (int i = n - 21; i < 9; i++) {
            nanos *= 10;
          }
        }
      }
      if (ok) {
        try {
          long days = LocalDate.of(year, month, day).toEpochDay();
          return Instant.ofEpochSecond(days * 86_400 + hour * 3600L + minute * 60L + second, nanos);
        } catch (DateTimeException invalidDate) {
          // fall through: Instant.parse says why
        }
      }
    }
    return Instant.parse(text);
  }

  /** The decimal number in {@code s[from, to)}, or -1 when a character is not a digit. */
  private static int digits(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
