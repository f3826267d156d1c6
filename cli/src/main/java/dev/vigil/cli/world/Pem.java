package dev.vigil.cli.world;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** PEM text for DER bytes. */
public final class Pem {

  private Pem() {}

  /** {@code -----BEGIN type-----}, base64 in 64-character lines, {@code -----END type-----}. */
  public static String encode(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
