package dev.vigil.schemas.settings;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Parsers for setting values. Each throws IllegalArgumentException saying what is wrong. */
public final class Parsers {

  private Parsers() {}

  /** Parses a boolean; settings using it are switches ({@code --embedded} alone means true). */
  public static final Setting.Parser<Boolean> BOOL = Parsers::bool;

  public static String string(String s) {
    if (s.isEmpty()) {
      throw new IllegalArgumentException("must not be empty");
    }
    return s;
  }

  public static Path path(String s) {
    return Path.of(string(s));
  }

  public static List<String> list(String s) {
    return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  public static boolean bool(String s) {
    switch (s.toLowerCase(Locale.ROOT)) {
      case "true":
      case "yes":
      case "1":
        return true;
      case "false":
      case "no":
      case "0":
        return false;
      default:
        throw new IllegalArgumentException("'" + s + "' is not true or false");
    }
  }

  public static long bytes(String s) {
    String t = s.toUpperCase(Locale.ROOT);
    long unit = 1;
    for (String[] u : new String[][] {{"KIB", "1024"}, {"MIB", "1048576"}, {"GIB", "1073741824"}}) {
      if (t.endsWith(u[0])) {
        unit = Long.parseLong(u[1]);
        t = t.substring(0, t.length() - u[0].length()).trim();
        break;
      }
    }
    try {
      long v = Long.parseLong(t) * unit;
      if (v <= 0) {
        throw new IllegalArgumentException("'" + s + "' must be positive");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is not a size (e.g. 4MiB)");
    }
  }

  /** ISO-8601 ({@code PT1H}) or a number with a unit: {@code 90s}, {@code 5m}, {@code 1h}. */
  public static Duration duration(String s) {
    try {
      if (s.startsWith("P") || s.startsWith("p")) {
        return positive(Duration.parse(s.toUpperCase(Locale.ROOT)), s);
      }
      char unit = s.charAt(s.length() - 1);
      long n = Long.parseLong(s.substring(0, s.length() - 1));
      switch (unit) {
        case 's':
          return positive(Duration.ofSeconds(n), s);
        case 'm':
          return positive(Duration.ofMinutes(n), s);
        case 'h':
          return positive(Duration.ofHours(n), s);
        default:
          throw new IllegalArgumentException(
              "'" + s + "' is not a duration (e.g. 90s, 5m, 1h, PT1H)");
      }
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("'" + s + "' is not a duration (e.g. 90s, 5m, 1h, PT1H)");
    }
  }

  /** A replication factor: at least 1, or -1 for the broker's default. */
  public static int replicationFactor(String s) {
    try {
      int r = Integer.parseInt(s.trim());
      if (r >= 1 || r == -1) {
        return r;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "'" + s + "' is not a replication factor (1 or more, or -1 for the broker's default)");
  }

  /** A TCP port, 0 to 65535. */
  public static int port(String s) {
    try {
      int p = Integer.parseInt(s);
      if (p < 0 || p > 65535) {
        throw new IllegalArgumentException("'" + s + "' is not a port (0 to 65535)");
      }
      return p;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is not a port (0 to 65535)");
    }
  }

  /** A whole number of at least 1. */
  public static int positive(String s) {
    try {
      int n = Integer.parseInt(s.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException("'" + s + "' is not a whole number of at least 1");
  }

  /** {@code host:port}; port 0 picks a free one. */
  public static InetSocketAddress address(String s) {
    int colon = s.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("'" + s + "' is not host:port");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(s.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("'" + s + "': port must be 0 to 65535");
      }
      return new InetSocketAddress(host, port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is not host:port");
    }
  }

  private static Duration positive(Duration d, String s) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("'" + s + "' must be positive");
    }
    return d;
  }
}
