package dev.vigil.cli.world;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Images of the demo's and the bench's made-up clusters, which no registry holds. */
public final class MadeUpImages {

  private MadeUpImages() {}

  /** A digest for the made-up image {@code name}: the same for the same name, every run. */
  public static String digest(String name) {
    try {
      return "sha256:"
          + HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(name.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
