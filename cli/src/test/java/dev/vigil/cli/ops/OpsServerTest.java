package dev.vigil.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OpsServerTest {

  private final HttpClient client = HttpClient.newHttpClient();

  private HttpResponse<String> get(OpsServer s, String path, String accept) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.address().getPort() + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesVigilAndJvmMetricsInPrometheusAndOpenMetricsFormat() throws Exception {
    PrometheusMeterRegistry registry = OpsServer.newRegistry();
    registry.counter("vigil.test.events", "topic", "vigil.pod-events").increment(3);
    try (OpsServer s = OpsServer.start(new InetSocketAddress("127.0.0.1", 0), registry, Map::of)) {
      HttpResponse<String> text = get(s, "/metrics", null);
      HttpResponse<String> open = get(s, "/metrics", "application/openmetrics-text; version=1.0.0");

      assertEquals(200, text.statusCode());
      assertTrue(
          text.body().contains("vigil_test_events_total{topic=\"vigil.pod-events\"} 3.0"),
          text.body());
      assertTrue(text.body().contains("jvm_memory_used_bytes"));
      assertTrue(
          text.headers()
              .firstValue("Content-Type")
              .orElse("")
              .startsWith("text/plain; version=0.0.4"));
      assertTrue(open.body().trim().endsWith("# EOF"), "OpenMetrics ends with # EOF");
    }
  }

  @Test
  void readinessReportsWhatIsNotReadyUntilItIs() throws Exception {
    AtomicReference<Map<String, String>> state =
        new AtomicReference<>(Map.of("streams", "REBALANCING"));
    try (OpsServer s =
        OpsServer.start(
            new InetSocketAddress("127.0.0.1", 0), OpsServer.newRegistry(), state::get)) {
      HttpResponse<String> notReady = get(s, "/readyz", null);
      state.set(Map.of());
      HttpResponse<String> ready = get(s, "/readyz", null);

      assertEquals(503, notReady.statusCode());
      assertEquals("streams: REBALANCING\n", notReady.body());
      assertEquals(200, ready.statusCode());
      assertEquals(200, get(s, "/healthz", null).statusCode());
      assertEquals(404, get(s, "/secrets", null).statusCode());
    }
  }

  @Test
  void refusesWrites() throws Exception {
    try (OpsServer s =
        OpsServer.start(new InetSocketAddress("127.0.0.1", 0), OpsServer.newRegistry(), Map::of)) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + s.address().getPort() + "/metrics"))
                  .POST(HttpRequest.BodyPublishers.ofString("x"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(405, r.statusCode());
    }
  }
}
