package dev.vigil.ingest.http;

import dev.vigil.ingest.audit.AuditWebhookHandler;
import dev.vigil.ingest.gke.PubSubPushHandler;
import dev.vigil.ingest.metrics.IngestMetrics;
import java.nio.charset.StandardCharsets;
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
 * <p>It works in two steps so that nothing is read or looked up for an unauthenticated client:
 * {@link #admit} sees the request line and headers only and either answers at once (401 without
 * credentials, then 405, 403 for a cluster the credentials may not post for, 404 and 413 from the
 * declared length) or says which handler takes the body; {@link #complete} then hands the body
 * over. {@link #apply} does both for in-process callers.
 */
public final class IngestRouter implements Function<HttpRequest, HttpResponse> {

  private final Authenticator auth;
  private final Set<String> clusters;
  private final AuditWebhookHandler audit;
  private final PubSubPushHandler pubsub;
  private final Supplier<String> metricsText;
  private final IngestMetrics metrics;

  /** What to do with a request once its line and headers are in. */
  public sealed interface Admission permits Answer, ReadBody {}

  /** Answer now; the body (if any) is not read. */
  public record Answer(HttpResponse response) implements Admission {}

  /**
   * Read the body and hand it to {@link #complete}.
   *
   * @param startedNanos when admission started, for the request-duration metric
   */
  public record ReadBody(String endpoint, long startedNanos, Function<byte[], HttpResponse> handler)
      implements Admission {}

  /**
   * @param clusters the cluster ids that may post audit events; others get 404 (403 for credentials
   *     limited to some clusters)
   * @param pubsub the Pub/Sub push handler, or {@code null} to leave {@code /gke/pubsub} off
   * @param metricsText returns the metrics page (e.g. {@code PrometheusMeterRegistry::scrape}), or
   *     {@code null} to leave {@code /metrics} off
   */
  public IngestRouter(
      Authenticator auth,
      Set<String> clusters,
      AuditWebhookHandler audit,
      PubSubPushHandler pubsub,
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
    Admission admission = admit(request);
    if (admission instanceof ReadBody read) {
      return complete(read, request.body(), request.bodyTooLarge() || request.body() == null);
    }
    return ((Answer) admission).response();
  }

  /**
   * Decides from the request line and headers alone ({@link HttpRequest#body()} is not looked at;
   * {@link HttpRequest#bodyTooLarge()} means the declared length is over the limit).
   */
  public Admission admit(HttpRequest request) {
    long start = System.nanoTime();
    String endpoint = endpoint(request.path());
    Admission admission = route(endpoint, request, start);
    if (admission instanceof Answer answer) {
      answered(endpoint, answer.response().status(), start);
    }
    return admission;
  }

  /**
   * Hands the body read for {@code admitted} to its handler.
   *
   * @param tooLarge the body was over the limit and was not kept: answers 413
   */
  public HttpResponse complete(ReadBody admitted, byte[] body, boolean tooLarge) {
    HttpResponse response = tooLarge || body == null ? tooLarge() : admitted.handler().apply(body);
    answered(admitted.endpoint(), response.status(), admitted.startedNanos());
    return response;
  }

  /**
   * Counts a request to {@code endpoint} answered with {@code status}, e.g. when its body timed
   * out.
   */
  public void answered(String endpoint, int status, long startedNanos) {
    metrics.httpRequest(endpoint, status, Duration.ofNanos(System.nanoTime() - startedNanos));
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

  private Admission route(String endpoint, HttpRequest request, long start) {
    switch (endpoint) {
      case "healthz":
        return new Answer(get(request) ? HttpResponse.text(200, "ok") : methodNotAllowed("GET"));
      case "metrics":
        if (metricsText == null) {
          return new Answer(HttpResponse.text(404, "no metrics here"));
        }
        return new Answer(
            get(request)
                ? new HttpResponse(
                    200,
                    "text/plain; version=0.0.4; charset=utf-8",
                    metricsText.get().getBytes(StandardCharsets.UTF_8),
                    Map.of())
                : methodNotAllowed("GET"));
      case "audit":
      case "gke-pubsub":
        return post(endpoint, request, start);
      default:
        return new Answer(HttpResponse.text(404, "not found"));
    }
  }

  /**
   * Authentication first: an unauthenticated client learns nothing about methods or cluster ids.
   */
  private Admission post(String endpoint, HttpRequest request, long start) {
    Access.Grant grant = auth.authenticate(request).orElse(null);
    if (grant == null) {
      metrics.unauthenticated(endpoint);
      return new Answer(
          HttpResponse.text(401, "authentication required: a client certificate or a bearer token")
              .withHeader("WWW-Authenticate", "Bearer"));
    }
    if (!request.method().equals("POST")) {
      return new Answer(methodNotAllowed("POST"));
    }
    Function<byte[], HttpResponse> handler;
    if (endpoint.equals("audit")) {
      String cluster = request.path().startsWith("/audit/") ? request.path().substring(7) : "";
      // Credentials limited to some clusters learn nothing about the others, configured or not.
      if (!grant.mayPostFor(cluster)) {
        metrics.forbidden(endpoint);
        return new Answer(HttpResponse.forbidden());
      }
      if (!clusters.contains(cluster)) {
        return new Answer(HttpResponse.text(404, "unknown cluster; post to /audit/<cluster id>"));
      }
      handler = body -> audit.handle(cluster, body);
    } else {
      if (pubsub == null) {
        return new Answer(HttpResponse.text(404, "Pub/Sub push endpoint not enabled"));
      }
      handler = body -> pubsub.handle(body, grant::mayPostFor);
    }
    if (request.bodyTooLarge()) {
      return new Answer(tooLarge());
    }
    return new ReadBody(endpoint, start, handler);
  }

  private static HttpResponse tooLarge() {
    return HttpResponse.text(413, "request body too large");
  }

  private static boolean get(HttpRequest r) {
    return r.method().equals("GET") || r.method().equals("HEAD");
  }

  private static HttpResponse methodNotAllowed(String allowed) {
    return HttpResponse.text(405, "method not allowed").withHeader("Allow", allowed);
  }
}
