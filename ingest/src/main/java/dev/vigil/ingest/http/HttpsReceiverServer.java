package dev.vigil.ingest.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.vigil.ingest.metrics.IngestMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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
 *
 * <p>Every exchange runs under deadlines so that slow clients cannot hold the request threads: the
 * TLS handshake, request line and headers must arrive within {@code headerTimeout} and the whole
 * request within {@code requestTimeout} of a thread taking the connection, and the response must be
 * written within {@code requestTimeout}. The JDK server reads on blocking, interruptible socket
 * channels, so a thread that is still reading or writing when its deadline passes is interrupted,
 * which closes that connection (counted as {@link IngestMetrics#requestTimedOut}). Its own
 * {@code sun.net.httpserver.maxReqTime} is not used: it is one JVM-wide value read once.
 */
public final class HttpsReceiverServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HttpsReceiverServer.class);

  /** At most this much of an oversized body is read and discarded before answering 413. */
  private static final long DRAIN_LIMIT = 64L * 1024 * 1024;

  /** Default time for the TLS handshake, request line and headers. */
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  /** Default time for a whole request (headers and body), and for writing a response. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final HttpsServer server;
  private final ExecutorService executor;
  private final ScheduledExecutorService timer;

  private HttpsReceiverServer(HttpsServer server, ExecutorService executor, ScheduledExecutorService timer) {
    this.server = server;
    this.executor = executor;
    this.timer = timer;
  }

  /** Starts serving with the default deadlines and no metrics; see the full method. */
  public static HttpsReceiverServer start(
      InetSocketAddress address,
      SSLContext tls,
      boolean requestClientCertificates,
      Function<HttpRequest, HttpResponse> router,
      long maxBodyBytes,
      int threads) {
    return start(address, tls, requestClientCertificates, router, maxBodyBytes, threads, DEFAULT_HEADER_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT, IngestMetrics.NOOP);
  }

  /**
   * Starts serving.
   *
   * @param address where to listen; port 0 picks a free one
   * @param requestClientCertificates ask clients for a certificate (verified against the
   *     context's trust managers); clients without one may still use a bearer token
   * @param maxBodyBytes larger bodies are answered 413 without being read
   * @param threads request threads
   * @param headerTimeout the TLS handshake, request line and headers must arrive within this
   * @param requestTimeout the whole request must arrive, and the response be written, within this
   * @param metrics counts connections closed by a deadline
   */
  public static HttpsReceiverServer start(
      InetSocketAddress address,
      SSLContext tls,
      boolean requestClientCertificates,
      Function<HttpRequest, HttpResponse> router,
      long maxBodyBytes,
      int threads,
      Duration headerTimeout,
      Duration requestTimeout,
      IngestMetrics metrics) {
    checkTimeouts(headerTimeout, requestTimeout);
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
      ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "vigil-ingest-http-deadlines");
        t.setDaemon(true);
        return t;
      });
      // Almost every deadline is cancelled (the phase ends in time): do not keep them queued.
      timer.setRemoveOnCancelPolicy(true);
      Deadlines deadlines = new Deadlines(executor, timer, headerTimeout.toNanos(), requestTimeout.toNanos(),
          metrics);
      server.setExecutor(deadlines);
      server.createContext("/", exchange -> serve(exchange, router, maxBodyBytes, deadlines));
      server.start();
      return new HttpsReceiverServer(server, executor, timer);
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Checks the deadlines as {@link #start} takes them. */
  static void checkTimeouts(Duration headerTimeout, Duration requestTimeout) {
    if (headerTimeout == null || requestTimeout == null || headerTimeout.isNegative() || headerTimeout.isZero()
        || requestTimeout.compareTo(headerTimeout) < 0) {
      throw new IllegalArgumentException("headerTimeout must be positive and requestTimeout at least headerTimeout,"
          + " not " + headerTimeout + " and " + requestTimeout);
    }
  }

  private static void serve(HttpExchange exchange, Function<HttpRequest, HttpResponse> router, long max,
      Deadlines deadlines) throws IOException {
    Guard guard = deadlines.current();
    guard.bodyStarted();
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
      guard.requestRead();
      HttpRequest request = new HttpRequest(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
          headers, body, tooLarge, clientCertificate(exchange));
      HttpResponse response;
      try {
        response = router.apply(request);
      } catch (RuntimeException e) {
        LOG.error("request to {} failed", request.path(), e);
        response = HttpResponse.text(500, "internal error");
      }
      guard.responseStarted();
      response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      exchange.getResponseHeaders().set("Content-Type", response.contentType());
      if (tooLarge || !deadlines.keepAlive.keep(exchange.getRemoteAddress())) {
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
      // Rethrown so that the JDK server closes and forgets the connection.
      LOG.debug("connection failed while answering: {}", e.toString());
      throw e;
    } finally {
      guard.done();
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

  /**
   * The JDK server's executor: runs each exchange on the request threads under a {@link Guard},
   * which interrupts the thread (closing the connection) when the current phase's deadline passes.
   */
  private static final class Deadlines implements Executor {
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final long headerNanos;
    private final long requestNanos;
    private final IngestMetrics metrics;
    private final ThreadLocal<Guard> current = new ThreadLocal<>();
    final KeepAlive keepAlive = new KeepAlive();

    Deadlines(ExecutorService workers, ScheduledExecutorService timer, long headerNanos, long requestNanos,
        IngestMetrics metrics) {
      this.workers = workers;
      this.timer = timer;
      this.headerNanos = headerNanos;
      this.requestNanos = requestNanos;
      this.metrics = metrics;
    }

    @Override
    public void execute(Runnable exchange) {
      workers.execute(() -> {
        Guard guard = new Guard(this, Thread.currentThread(), System.nanoTime());
        current.set(guard);
        try {
          guard.arm("headers", guard.started + headerNanos);
          exchange.run();
        } finally {
          guard.done();
          current.remove();
          // An interrupt that raced the end of the exchange must not reach the next one.
          Thread.interrupted();
        }
      });
    }

    /** The guard of the exchange on this thread (a no-op one outside an exchange). */
    Guard current() {
      Guard g = current.get();
      return g != null ? g : new Guard(this, null, System.nanoTime());
    }
  }

  /**
   * Which connections may stay open after a response. The JDK server keeps at most 200 idle
   * connections ({@code sun.net.httpserver.maxIdleConnections}, JVM-wide); past that it closes a
   * connection after its response without saying so, and a client that sends its next request on
   * it fails. So that a flood of idle connections cannot make API servers' deliveries fail, the
   * receiver counts the connections (client address and port) that had an exchange within the
   * JDK's idle interval (30 s) and, past {@link #MAX_KEPT}, answers {@code Connection: close}:
   * the client then knows to open a new connection.
   */
  static final class KeepAlive {
    static final int MAX_KEPT = 100;
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(30);
    private final Map<java.net.InetSocketAddress, Long> recent = new java.util.concurrent.ConcurrentHashMap<>();

    /** True if the connection from {@code remote} may stay open after this response. */
    boolean keep(java.net.InetSocketAddress remote) {
      long now = System.nanoTime();
      if (recent.size() >= MAX_KEPT) {
        recent.values().removeIf(seen -> now - seen > WINDOW_NANOS);
      }
      if (recent.size() >= MAX_KEPT && !recent.containsKey(remote)) {
        return false;
      }
      recent.put(remote, now);
      return true;
    }
  }

  /** The deadline of one exchange on one request thread, phase by phase. */
  private static final class Guard {
    private final Deadlines deadlines;
    private final Thread thread;
    final long started;
    private String phase;
    private long generation;
    private ScheduledFuture<?> pending;
    private boolean fired;

    Guard(Deadlines deadlines, Thread thread, long started) {
      this.deadlines = deadlines;
      this.thread = thread;
      this.started = started;
    }

    /** Headers read; the body must arrive by the request deadline. */
    void bodyStarted() {
      arm("body", started + deadlines.requestNanos);
    }

    /** The request is read: no deadline while the router works (it bounds its own waits). */
    void requestRead() throws IOException {
      synchronized (this) {
        disarm();
        if (!fired) {
          return;
        }
      }
      throw new IOException("request deadline passed");
    }

    /** The response must be written within the request timeout from now. */
    void responseStarted() {
      arm("response", System.nanoTime() + deadlines.requestNanos);
    }

    synchronized void done() {
      disarm();
    }

    synchronized void arm(String phase, long deadlineNanos) {
      if (thread == null) {
        return;
      }
      disarm();
      this.phase = phase;
      long g = generation;
      pending = deadlines.timer.schedule(() -> fire(g), Math.max(0, deadlineNanos - System.nanoTime()),
          TimeUnit.NANOSECONDS);
    }

    private void disarm() {
      generation++;
      phase = null;
      if (pending != null) {
        pending.cancel(false);
        pending = null;
      }
    }

    private synchronized void fire(long g) {
      if (g != generation || phase == null || fired) {
        return;
      }
      fired = true;
      LOG.debug("closing a connection: {} not done within its deadline", phase);
      deadlines.metrics.requestTimedOut(phase);
      thread.interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    timer.shutdownNow();
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
