package dev.vigil.ingest.http;

import dev.vigil.ingest.audit.AuditWebhookHandler;
import dev.vigil.ingest.metrics.IngestMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * ingest's HTTP surface as one routing function, called by the HTTPS server and directly by tests:
 *
 * <ul>
 *   <li>{@code POST /audit/<clusterId>}: kube-apiserver audit webhook ({@code EventList});
 *   <li>{@code POST /gke/pubsub}: Pub/Sub push messages carrying GKE Cloud Audit Log entries;
 *   <li>{@code GET /healthz}: 200 while the server runs;
 *   <li>{@code GET /metrics}: the metrics text, when a scrape function is given.
 * </ul>
 *
 * Posting endpoints need authentication (401 otherwise, counted) and refuse bodies over the limit
 * (413).
 */
public final class IngestRouter implements Function<HttpRequest, HttpResponse> {

  private final Authenticator auth;
  private final Set<String> clusters;
  private final AuditWebhookHandler audit;
  private final Function<byte[], HttpResponse> pubsub;
  private final Supplier<String> metricsText;
  private final IngestMetrics metrics;

  /**
   * @param clusters the cluster ids that may post audit events; others get 404
   * @param pubsub the Pub/Sub push handler, or {@code null} to leave {@code /gke/pubsub} off
   * @param metricsText returns the metrics page (e.g. {@code PrometheusMeterRegistry::scrape}), or
   *     {@code null} to leave {@code /metrics} off
   */
  public IngestRouter(
      Authenticator auth,
      Set<String> clusters,
      AuditWebhookHandler audit,
      Function<byte[], HttpResponse> pubsub,
      Supplier<String> metricsText,
      IngestMetrics metrics) {
    this.auth = Objects.requireNonNull(auth, "auth");
    this.clusters = Set.copyOf(clusters);
    this.audit = Objects.requireNonNull(audit, "audit");
    this.pubsub = pubsub;
    this.metricsText = metricsText;
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  @Override
  public HttpResponse apply(HttpRequest request) {
    long start = System.nanoTime();
    String endpoint = endpoint(request.path());
    HttpResponse response = route(endpoint, request);
    metrics.httpRequest(endpoint, response.status(), Duration.ofNanos(System.nanoTime() - start));
    return response;
  }

  /** A bounded name for the endpoint a path falls under, used as a metric tag. */
  static String endpoint(String path) {
    if (path.startsWith("/audit/") || path.equals("/audit")) {
      return "audit";
    }
    switch (path) {
      case "/gke/pubsub":
        return "gke-pubsub";
      case "/healthz":
        return "healthz";
      case "/metrics":
        return "metrics";
      default:
        return "other";
    }
  }

  private HttpResponse route(String endpoint, HttpRequest request) {
    switch (endpoint) {
      case "healthz":
        return get(request) ? HttpResponse.text(200, "ok") : methodNotAllowed("GET");
      case "metrics":
        if (metricsText == null) {
          return HttpResponse.text(404, "no metrics here");
        }
        return get(request)
            ? new HttpResponse(200, "text/plain; version=0.0.4; charset=utf-8",
                metricsText.get().getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of())
            : methodNotAllowed("GET");
      case "audit":
        String cluster = request.path().startsWith("/audit/") ? request.path().substring(7) : "";
        if (!clusters.contains(cluster)) {
          return HttpResponse.text(404, "unknown cluster; post to /audit/<cluster id>");
        }
        return post(endpoint, request, body -> audit.handle(cluster, body));
      case "gke-pubsub":
        if (pubsub == null) {
          return HttpResponse.text(404, "Pub/Sub push endpoint not enabled");
        }
        return post(endpoint, request, pubsub);
      default:
        return HttpResponse.text(404, "not found");
    }
  }

  private HttpResponse post(String endpoint, HttpRequest request, Function<byte[], HttpResponse> handler) {
    if (!request.method().equals("POST")) {
      return methodNotAllowed("POST");
    }
    if (!auth.allows(request)) {
      metrics.unauthenticated(endpoint);
      return HttpResponse.text(401, "authentication required: a client certificate or a bearer token")
          .withHeader("WWW-Authenticate", "Bearer");
    }
    if (request.bodyTooLarge() || request.body() == null) {
      return HttpResponse.text(413, "request body too large");
    }
    return handler.apply(request.body());
  }

  private static boolean get(HttpRequest r) {
    return r.method().equals("GET") || r.method().equals("HEAD");
  }

  private static HttpResponse methodNotAllowed(String allowed) {
    return HttpResponse.text(405, "method not allowed").withHeader("Allow", allowed);
  }

}
