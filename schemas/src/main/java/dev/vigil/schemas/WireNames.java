package dev.vigil.schemas;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Enums written in lower case on the wire and in configuration, and read back in any case. */
public final class WireNames {

  private WireNames() {}

  /** {@code e}'s name on the wire: lower case. */
  public static String of(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The constant of {@code type} named {@code text} in any case (around spaces); anything else is
   * an error naming {@code what} and every wire name.
   */
  public static <E extends Enum<E>> E parse(Class<E> type, String text, String what) {
    E[] all = type.getEnumConstants();
    if (text != null) {
      for (E e : all) {
        if (e.name().equalsIgnoreCase(text.trim())) {
          return e;
        }
      }
    }
    throw new IllegalArgumentException(
        what
            + " '"
            + text
            + "' is not one of "
            + Arrays.stream(all).map(WireNames::of).collect(Collectors.joining(", ")));
  }
}
