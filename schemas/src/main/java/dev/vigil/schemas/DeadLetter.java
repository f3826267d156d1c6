package dev.vigil.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An input that could not be read or processed, with the error. Topic {@code vigil.dead-letter},
 * key the original key (or {@code component/source} when there was none).
 *
 * @param payloadBase64 the original bytes, base64, cut to at most {@link #MAX_PAYLOAD_BYTES}
 * @param payloadBytes the original payload's full size
 */
public record DeadLetter(
    String component,
    String source,
    Integer partition,
    Long offset,
    String key,
    String payloadBase64,
    int payloadBytes,
    String errorType,
    String error,
    Instant at) {

  /** Dead letters keep at most this many bytes of the original payload. */
  public static final int MAX_PAYLOAD_BYTES = 64 * 1024;

  public DeadLetter {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(errorType, "errorType");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(at, "at");
  }

  /**
   * This dead letter as one log line: where the input came from ({@code topic}, {@code partition}
   * and {@code offset} for Kafka input, else {@code source}), {@code reason} and the error. Never
   * the payload or the key; text the error quotes (parsers copy tokens of the input into their
   * messages) is replaced by {@code ***}, line breaks by spaces.
   *
   * @param reason why it was dead-lettered ({@code unreadable}, {@code processing_failed}); null to
   *     use the error type
   */
  public String logLine(String reason) {
    StringBuilder b = new StringBuilder("dead letter: component=").append(component);
    if (partition != null || offset != null) {
      b.append(" topic=")
          .append(source)
          .append(" partition=")
          .append(partition)
          .append(" offset=")
          .append(offset);
    } else {
      b.append(" source=").append(source);
    }
    b.append(" reason=").append(reason != null ? reason : errorType);
    String detail = redacted(error);
    if (detail.length() > MAX_LOGGED_ERROR) {
      detail = detail.substring(0, MAX_LOGGED_ERROR) + "...";
    }
    return b.append(" error=").append(errorType).append(": ").append(detail).toString();
  }

  /** Characters of the error a log line keeps. */
  static final int MAX_LOGGED_ERROR = 300;

  private static final Pattern CHAR_CODE = Pattern.compile("\\('.' \\(code (\\d+)\\)\\)");
  private static final Pattern QUOTED = Pattern.compile("'[^'\\r\\n]*'|\"[^\"\\r\\n]*\"");
  private static final Set<String> KEYWORDS = Set.of("'null'", "'true'", "'false'");

  /** {@code error} without the input's text: quoted tokens become {@code ***}, on one line. */
  static String redacted(String error) {
    String s = CHAR_CODE.matcher(error).replaceAll("(code $1)");
    s =
        QUOTED
            .matcher(s)
            .replaceAll(
                m ->
                    KEYWORDS.contains(m.group())
                        ? m.group()
                        : Matcher.quoteReplacement(
                            m.group().charAt(0) + "***" + m.group().charAt(0)));
    return s.replaceAll("[\\r\\n\\t]+", " ");
  }
}
