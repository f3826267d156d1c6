package dev.vigil.cli.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.cli.config.ConfigException;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operations endpoints of every Vigil process: {@code /metrics} (Prometheus text, or
 * OpenMetrics when asked), {@code /healthz} (the process still does its work: 503 with the reasons
 * when a component has stopped for good, so that a liveness probe restarts it) and {@code /readyz}
 * (every component is ready; 503 with the reasons otherwise). Read-only; takes no data from
 * clusters.
 */
public final class OpsServer implements AutoCloseable {

  /** Readiness of the process: component name → reason it is not ready, empty when ready. */
  public interface Readiness extends Supplier<Map<String, String>> {}

  /** Health of the process: component name → why it stopped working, empty when healthy. */
  public interface Health extends Supplier<Map<String, String>> {}

  private final HttpServer http;
  private final ExecutorService executor;
  private final PrometheusMeterRegistry registry;

  private OpsServer(HttpServer http, ExecutorService executor, PrometheusMeterRegistry registry) {
    this.http = http;
    this.executor = executor;
    this.registry = registry;
  }

  /**
   * A registry with the JVM and process metrics bound, and only the Kafka metrics operators use,
   * named without the process' UUID ({@link KafkaMeterFilter}).
   */
  public static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(new KafkaMeterFilter());
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }

  /** Starts serving on {@code address} (port 0 picks a free one), always healthy. */
  public static OpsServer start(
      InetSocketAddress address, PrometheusMeterRegistry registry, Readiness readiness)
      throws IOException {
    return start(address, "--metrics-listen", registry, Map::of, readiness);
  }

  /**
   * Starts serving on {@code address} (port 0 picks a free one). When the address is taken, fails
   * with one line naming it and {@code flag}, the option that chooses another.
   */
  public static OpsServer start(
      InetSocketAddress address,
      String flag,
      PrometheusMeterRegistry registry,
      Health health,
      Readiness readiness)
      throws IOException {
    HttpServer http;
    try {
      http = HttpServer.create(address, 16);
    } catch (BindException e) {
      throw new ConfigException(
          address.getHostString()
              + ":"
              + address.getPort()
              + " is in use (or not an address of this machine): choose another with "
              + flag
              + " HOST:PORT");
    }
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "vigil-ops-http");
              t.setDaemon(true);
              return t;
            });
    http.setExecutor(executor);
    http.createContext(
        "/metrics",
        ex -> {
          if (!allowGet(ex)) {
            return;
          }
          String accept = ex.getRequestHeaders().getFirst("Accept");
          boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
          String contentType =
              openMetrics
                  ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                  : "text/plain; version=0.0.4; charset=utf-8";
          respond(ex, 200, contentType, registry.scrape(contentType));
        });
    http.createContext(
        "/healthz",
        ex -> {
          if (allowGet(ex)) {
            respondWithProblems(ex, health.get(), "ok\n");
          }
        });
    http.createContext(
        "/readyz",
        ex -> {
          if (allowGet(ex)) {
            respondWithProblems(ex, readiness.get(), "ready\n");
          }
        });
    http.createContext("/", ex -> respond(ex, 404, "text/plain; charset=utf-8", "not found\n"));
    http.start();
    return new OpsServer(http, executor, registry);
  }

  /** Where the server listens. */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  /**
   * Where it serves the metrics, as an operator would open it: {@code http://HOST:PORT/metrics}.
   */
  public String metricsUrl() {
    return "http://" + address().getHostString() + ":" + address().getPort() + "/metrics";
  }

  /** The registry it serves. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }

  private static void respondWithProblems(
      HttpExchange ex, Map<String, String> problems, String fine) throws IOException {
    if (problems.isEmpty()) {
      respond(ex, 200, "text/plain; charset=utf-8", fine);
    } else {
      StringBuilder b = new StringBuilder();
      problems.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
      respond(ex, 503, "text/plain; charset=utf-8", b.toString());
    }
  }

  private static boolean allowGet(HttpExchange ex) throws IOException {
    String m = ex.getRequestMethod();
    if ("GET".equals(m) || "HEAD".equals(m)) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", "GET, HEAD");
    respond(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
    return false;
  }

  private static void respond(HttpExchange ex, int status, String contentType, String body)
      throws IOException {
    try (ex) {
      // The request body, if any, is never read: these endpoints take no input.
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", contentType);
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      boolean head = "HEAD".equals(ex.getRequestMethod());
      ex.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(bytes);
        }
      }
    }
  }
}
