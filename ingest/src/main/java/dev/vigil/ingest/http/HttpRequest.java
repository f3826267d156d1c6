package dev.vigil.ingest.http;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP request as the routing function sees it, independent of the server that received it.
 *
 * @param headers header names in lower case
 * @param body the body, or {@code null} when it was larger than the limit and was not read
 * @param clientCertificate the TLS client certificate the server verified, or {@code null}
 */
public record HttpRequest(
    String method,
    String path,
    Map<String, List<String>> headers,
    byte[] body,
    boolean bodyTooLarge,
    X509Certificate clientCertificate) {

  public HttpRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    headers = Map.copyOf(headers);
  }

  /** The first value of a header, or {@code null}. */
  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** A request with a body and no client certificate, for tests and in-process callers. */
  public static HttpRequest of(
      String method, String path, Map<String, String> headers, byte[] body) {
    Map<String, List<String>> h = new java.util.HashMap<>();
    headers.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), List.of(v)));
    return new HttpRequest(method, path, h, body, false, null);
  }
}
