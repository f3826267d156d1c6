package dev.vigil.ingest.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;

/**
 * Decides whether a request may post events: it presented a client certificate that the TLS layer
 * verified against the configured client CA, or a bearer token from the configured set.
 */
public final class Authenticator {

  private final List<byte[]> tokens;
  private final boolean clientCertificates;

  /**
   * @param bearerTokens accepted tokens; empty for none
   * @param clientCertificates whether verified client certificates are accepted
   * @throws IllegalArgumentException when neither is configured: the receivers never run open
   */
  public Authenticator(Set<String> bearerTokens, boolean clientCertificates) {
    if (bearerTokens.isEmpty() && !clientCertificates) {
      throw new IllegalArgumentException(
          "no authentication configured: give bearer tokens, a client CA, or both");
    }
    this.tokens = bearerTokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    this.clientCertificates = clientCertificates;
  }

  /** Whether the request is authenticated. */
  public boolean allows(HttpRequest request) {
    if (clientCertificates && request.clientCertificate() != null) {
      return true;
    }
    String auth = request.header("authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] presented = auth.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    boolean ok = false;
    for (byte[] t : tokens) {
      ok |= MessageDigest.isEqual(t, presented); // constant time, and no early exit
    }
    return ok;
  }
}
