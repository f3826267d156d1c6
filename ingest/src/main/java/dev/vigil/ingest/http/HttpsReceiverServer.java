package dev.vigil.ingest.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK's HTTPS server in front of a routing function ({@link IngestRouter}). TLS is always on;
 * client certificates are requested when the context trusts a client CA, and the verified one is
 * handed to the router. Bodies over the limit are not read.
 */
public final class HttpsReceiverServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HttpsReceiverServer.class);

  /** At most this much of an oversized body is read and discarded before answering 413. */
  private static final long DRAIN_LIMIT = 64L * 1024 * 1024;

  private final HttpsServer server;
  private final ExecutorService executor;

  private HttpsReceiverServer(HttpsServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving.
   *
   * @param address where to listen; port 0 picks a free one
   * @param requestClientCertificates ask clients for a certificate (verified against the
   *     context's trust managers); clients without one may still use a bearer token
   * @param maxBodyBytes larger bodies are answered 413 without being read
   * @param threads request threads
   */
  public static HttpsReceiverServer start(
      InetSocketAddress address,
      SSLContext tls,
      boolean requestClientCertificates,
      Function<HttpRequest, HttpResponse> router,
      long maxBodyBytes,
      int threads) {
    try {
      HttpsServer server = HttpsServer.create(address, 128);
      server.setHttpsConfigurator(new HttpsConfigurator(tls) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters p = tls.getDefaultSSLParameters();
          p.setWantClientAuth(requestClientCertificates);
          params.setSSLParameters(p);
        }
      });
      ExecutorService executor = Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "vigil-ingest-http");
        t.setDaemon(true);
        return t;
      });
      server.setExecutor(executor);
      server.createContext("/", exchange -> serve(exchange, router, maxBodyBytes));
      server.start();
      return new HttpsReceiverServer(server, executor);
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void serve(HttpExchange exchange, Function<HttpRequest, HttpResponse> router, long max) {
    try (exchange) {
      Map<String, List<String>> headers = new HashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      long declared = parseLength(exchange.getRequestHeaders().getFirst("Content-Length"));
      byte[] body = null;
      boolean tooLarge = declared > max;
      try (InputStream in = exchange.getRequestBody()) {
        if (!tooLarge) {
          body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
          tooLarge = body.length > max;
        }
        if (tooLarge) {
          body = null;
          // Drain a bounded amount so that the client reads our 413 instead of a reset.
          long drained = 0;
          byte[] sink = new byte[64 * 1024];
          for (int n; drained < DRAIN_LIMIT && (n = in.read(sink)) > 0; ) {
            drained += n;
          }
        }
      }
      HttpRequest request = new HttpRequest(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
          headers, body, tooLarge, clientCertificate(exchange));
      HttpResponse response;
      try {
        response = router.apply(request);
      } catch (RuntimeException e) {
        LOG.error("request to {} failed", request.path(), e);
        response = HttpResponse.text(500, "internal error");
      }
      response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      exchange.getResponseHeaders().set("Content-Type", response.contentType());
      if (tooLarge) {
        exchange.getResponseHeaders().set("Connection", "close");
      }
      boolean noBody = exchange.getRequestMethod().equals("HEAD") || response.body().length == 0;
      exchange.sendResponseHeaders(response.status(), noBody ? -1 : response.body().length);
      if (!noBody) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(response.body());
        }
      }
    } catch (IOException e) {
      LOG.debug("connection failed while answering: {}", e.toString());
    }
  }

  private static long parseLength(String value) {
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static X509Certificate clientCertificate(HttpExchange exchange) {
    if (!(exchange instanceof HttpsExchange https)) {
      return null;
    }
    try {
      Certificate[] peer = https.getSSLSession().getPeerCertificates();
      return peer.length > 0 && peer[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
