package dev.vigil.ingest.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/** An HTTP response from the routing function. */
public record HttpResponse(
    int status, String contentType, byte[] body, Map<String, String> headers) {

  public HttpResponse {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    headers = Map.copyOf(headers);
  }

  /** A plain-text response. */
  public static HttpResponse text(int status, String text) {
    return new HttpResponse(
        status,
        "text/plain; charset=utf-8",
        (text + "\n").getBytes(StandardCharsets.UTF_8),
        Map.of());
  }

  /** 403: credentials that may not post for the cluster they posted for (ADR 0041). */
  public static HttpResponse forbidden() {
    return text(403, "these credentials may not post for this cluster");
  }

  /** A JSON response. */
  public static HttpResponse json(int status, String json) {
    return new HttpResponse(
        status, "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** The same response with one more header. */
  public HttpResponse withHeader(String name, String value) {
    Map<String, String> h = new java.util.HashMap<>(headers);
    h.put(name, value);
    return new HttpResponse(status, contentType, body, h);
  }

  /** The body as text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
