package dev.vigil.ingest.http;

import dev.vigil.ingest.metrics.IngestMetrics;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty in front of the routing function ({@link IngestRouter}). TLS is always on; client
 * certificates are requested when the context trusts a client CA, and the verified one is handed to
 * the router.
 *
 * <p>Jetty's non-blocking connections mean a slow or silent client holds no thread. Its own limits
 * do the rest: the idle timeout, the request-header size (431 above it), and a cap on open
 * connections ({@link NetworkConnectionLimit}: past it Jetty stops accepting and shortens the idle
 * timeout of the open ones, so idle connections cannot lock an API server out). Deadlines bound
 * what an idle timeout cannot (a client that trickles a byte now and then): the TLS handshake must
 * be done and the first request begun within the idle timeout of the connection's accept, a request
 * line and headers must arrive within {@link Limits#headerTimeout()} of their first byte (both
 * checked on Jetty's scheduler by {@link HeaderDeadline}), and a body within {@link
 * Limits#requestTimeout()} of its headers; a connection that misses one is closed and counted
 * ({@link IngestMetrics#requestTimedOut}). The router authenticates and routes on the headers
 * before a byte of the body is read.
 */
public final class HttpsReceiverServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HttpsReceiverServer.class);

  /**
   * At most this much of an oversized body is read and discarded, so that the client reads the 413.
   */
  static final long DRAIN_LIMIT = 64L * 1024 * 1024;

  /**
   * At most this much of a body the router answered without (401, 404, ...) is read and discarded.
   */
  static final long UNREAD_DRAIN_LIMIT = 64L * 1024;

  /** Default time for the TLS handshake, request line and headers. */
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);

  /** Default time for a body to arrive after its headers. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** Default time a connection may stay silent (keep-alive, or a stalled read or write). */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

  /** Default cap on open connections. */
  public static final int DEFAULT_MAX_CONNECTIONS = 1000;

  /** Request line and headers larger than this get 431. */
  public static final int MAX_HEADER_BYTES = 16 * 1024;

  /** The path of the benchmark's discard endpoint, when it is on. */
  public static final String DISCARD_PATH = "/bench/discard";

  /**
   * The server's limits.
   *
   * @param headerTimeout a request line and headers must arrive within this of their first byte
   * @param requestTimeout the body must arrive within this of its headers
   * @param idleTimeout a connection silent for this long is closed; the TLS handshake must be done
   *     and the first request begun within this of the connection's accept
   * @param maxConnections at most this many connections are open at once
   */
  public record Limits(
      Duration headerTimeout, Duration requestTimeout, Duration idleTimeout, int maxConnections) {

    /** The defaults. */
    public static final Limits DEFAULT =
        new Limits(
            DEFAULT_HEADER_TIMEOUT,
            DEFAULT_REQUEST_TIMEOUT,
            DEFAULT_IDLE_TIMEOUT,
            DEFAULT_MAX_CONNECTIONS);

    public Limits {
      for (Duration d : new Duration[] {headerTimeout, requestTimeout, idleTimeout}) {
        if (d == null || d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException(
              "headerTimeout, requestTimeout and idleTimeout must be positive, not "
                  + headerTimeout
                  + ", "
                  + requestTimeout
                  + " and "
                  + idleTimeout);
        }
      }
      if (maxConnections < 1) {
        throw new IllegalArgumentException(
            "maxConnections must be at least 1, not " + maxConnections);
      }
    }
  }

  private final Server server;
  private final ServerConnector connector;

  private HttpsReceiverServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /** Starts serving with the default limits and no metrics; see the full method. */
  public static HttpsReceiverServer start(
      InetSocketAddress address,
      SSLContext tls,
      boolean requestClientCertificates,
      IngestRouter router,
      long maxBodyBytes,
      int threads) {
    return start(
        address,
        tls,
        requestClientCertificates,
        router,
        maxBodyBytes,
        threads,
        Limits.DEFAULT,
        IngestMetrics.NOOP,
        false);
  }

  /**
   * Starts serving.
   *
   * @param address where to listen; port 0 picks a free one
   * @param requestClientCertificates ask clients for a certificate (verified against the context's
   *     trust managers); clients without one may still use a bearer token
   * @param maxBodyBytes larger bodies are answered 413 without being kept
   * @param threads request threads (handlers wait for Kafka on them)
   * @param metrics counts connections closed by a deadline
   * @param discardEndpoint also serve {@value #DISCARD_PATH}, which reads a POST body and answers
   *     200: the TLS and HTTP cost without the router, for {@code vigil bench ingest} only
   */
  public static HttpsReceiverServer start(
      InetSocketAddress address,
      SSLContext tls,
      boolean requestClientCertificates,
      IngestRouter router,
      long maxBodyBytes,
      int threads,
      Limits limits,
      IngestMetrics metrics,
      boolean discardEndpoint) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, not " + threads);
    }
    // Jetty's acceptor and selectors take threads from the same pool: add them to the handlers'.
    QueuedThreadPool pool = new QueuedThreadPool(threads + 8, 4);
    pool.setName("vigil-ingest-http");
    pool.setDaemon(true);
    Server server = new Server(pool);

    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_HEADER_BYTES);
    http.setSendServerVersion(false);
    http.setSendDateHeader(false);
    http.setIdleTimeout(limits.idleTimeout().toMillis());
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    secure.setSniHostCheck(false); // clients reach the receiver by IP as well as by name
    http.addCustomizer(secure);

    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setSslContext(tls);
    ssl.setWantClientAuth(requestClientCertificates);

    long headerNanos = limits.headerTimeout().toNanos();
    long firstRequestNanos = limits.idleTimeout().toNanos();
    HttpConnectionFactory httpFactory =
        new HttpConnectionFactory(http) {
          @Override
          public Connection newConnection(Connector connector, EndPoint endPoint) {
            Connection c = super.newConnection(connector, endPoint);
            if (c instanceof HttpConnection h) {
              c.addEventListener(
                  new HeaderDeadline(
                      h, connector.getScheduler(), headerNanos, firstRequestNanos, metrics));
            }
            return c;
          }
        };
    ServerConnector connector =
        new ServerConnector(
            server, 1, 1, new SslConnectionFactory(ssl, httpFactory.getProtocol()), httpFactory);
    connector.setHost(address.getHostString());
    connector.setPort(address.getPort());
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    connector.setAcceptQueueSize(128);
    server.addConnector(connector);
    NetworkConnectionLimit limit = new NetworkConnectionLimit(limits.maxConnections(), connector);
    limit.setEndPointIdleTimeout(Math.min(limits.idleTimeout().toMillis(), 1000));
    server.addBean(limit);
    server.setHandler(
        new ReceiverHandler(
            router, maxBodyBytes, limits.requestTimeout().toNanos(), metrics, discardEndpoint));
    server.setStopTimeout(2000);
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception ignored) {
        // already failing
      }
      throw new IllegalStateException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
    return new HttpsReceiverServer(server, connector);
  }

  /** The port it listens on. */
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("receiver did not stop cleanly: {}", e.toString());
    }
  }

  /**
   * Closes a connection that is too slow before its request can be handled: one that has not
   * finished its TLS handshake and started its first request within the idle timeout of being
   * accepted (a client that trickles its handshake), and one whose request line and headers take
   * longer than the header timeout from their first byte (slowloris). An idle keep-alive connection
   * is left to the idle timeout. The time spent waiting for a CPU under a burst of handshakes does
   * not count against the header timeout. It looks at Jetty's request parser a few times per
   * timeout on Jetty's scheduler, so a connection is closed between 1 and 1.25 timeouts in.
   */
  static final class HeaderDeadline implements Connection.Listener, Runnable {
    private final HttpConnection connection;
    private final Scheduler scheduler;
    private final long headerNanos;
    private final long firstRequestNanos;
    private final long periodNanos;
    private final IngestMetrics metrics;
    private volatile boolean closed;
    private long opened;
    private long phaseStart = -1;
    private long phaseRequests;

    HeaderDeadline(
        HttpConnection connection,
        Scheduler scheduler,
        long headerNanos,
        long firstRequestNanos,
        IngestMetrics metrics) {
      this.connection = connection;
      this.scheduler = scheduler;
      this.headerNanos = headerNanos;
      this.firstRequestNanos = firstRequestNanos;
      this.periodNanos =
          Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(headerNanos, firstRequestNanos) / 4);
      this.metrics = metrics;
    }

    @Override
    public void onOpened(Connection c) {
      opened = System.nanoTime();
      scheduler.schedule(this, periodNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onClosed(Connection c) {
      closed = true;
    }

    @Override
    public void run() {
      if (closed) {
        return;
      }
      long now = System.nanoTime();
      long requests = connection.getMessagesIn();
      HttpParser parser = connection.getParser();
      boolean started = !parser.isState(HttpParser.State.START);
      String missed = null;
      if (started && parser.inHeaderState()) {
        if (phaseStart < 0 || requests != phaseRequests) {
          phaseStart = now;
          phaseRequests = requests;
        } else if (now - phaseStart >= headerNanos) {
          missed = "headers";
        }
      } else {
        phaseStart = -1;
        if (!started && requests == 0 && now - opened >= firstRequestNanos) {
          missed = "handshake";
        }
      }
      if (missed != null) {
        LOG.debug("closing a connection: {} not complete in time", missed);
        metrics.requestTimedOut(missed);
        connection.getEndPoint().close();
        return;
      }
      scheduler.schedule(this, periodNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Asks the router about the headers, reads the body without holding a thread, answers. */
  private static final class ReceiverHandler extends Handler.Abstract {
    private final IngestRouter router;
    private final long maxBody;
    private final long requestNanos;
    private final IngestMetrics metrics;
    private final boolean discardEndpoint;

    ReceiverHandler(
        IngestRouter router,
        long maxBody,
        long requestNanos,
        IngestMetrics metrics,
        boolean discardEndpoint) {
      super(InvocationType.BLOCKING);
      this.router = router;
      this.maxBody = maxBody;
      this.requestNanos = requestNanos;
      this.metrics = metrics;
      this.discardEndpoint = discardEndpoint;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = request.getHttpURI().getDecodedPath();
      long declared = request.getLength();
      if (discardEndpoint && path.equals(DISCARD_PATH)) {
        new BodyReader(
                request,
                callback,
                maxBody,
                DRAIN_LIMIT,
                requestNanos,
                (body, tooLarge) ->
                    send(
                        response,
                        callback,
                        tooLarge
                            ? HttpResponse.text(413, "request body too large")
                            : HttpResponse.json(200, "{}"),
                        tooLarge),
                () -> timedOut(response, callback, null, 0))
            .start();
        return true;
      }
      Map<String, List<String>> headers = new HashMap<>();
      for (HttpField f : request.getHeaders()) {
        headers.computeIfAbsent(f.getLowerCaseName(), k -> new ArrayList<>(1)).add(f.getValue());
      }
      HttpRequest head =
          new HttpRequest(
              request.getMethod(),
              path,
              headers,
              null,
              declared > maxBody,
              clientCertificate(request));
      IngestRouter.Admission admission;
      try {
        admission = router.admit(head);
      } catch (RuntimeException e) {
        LOG.error("request to {} failed", path, e);
        send(response, callback, HttpResponse.text(500, "internal error"), true);
        return true;
      }
      if (admission instanceof IngestRouter.Answer answer) {
        // The body is not for us. If it is small (or an authenticated client's oversized batch),
        // read
        // and drop it, so that the client reads our answer instead of a reset while it still sends;
        // never keep a byte of it, and never drain much for an unauthenticated client.
        boolean hasBody =
            declared != 0 && !head.method().equals("GET") && !head.method().equals("HEAD");
        long drain = answer.response().status() == 413 ? DRAIN_LIMIT : UNREAD_DRAIN_LIMIT;
        if (hasBody && declared <= drain) {
          new BodyReader(
                  request,
                  callback,
                  0,
                  drain,
                  requestNanos,
                  (body, tooLarge) -> send(response, callback, answer.response(), true),
                  () -> timedOut(response, callback, null, 0))
              .start();
        } else {
          send(response, callback, answer.response(), hasBody);
        }
        return true;
      }
      IngestRouter.ReadBody read = (IngestRouter.ReadBody) admission;
      new BodyReader(
              request,
              callback,
              maxBody,
              DRAIN_LIMIT,
              requestNanos,
              (body, tooLarge) -> {
                HttpResponse r;
                try {
                  r = router.complete(read, body, tooLarge);
                } catch (RuntimeException e) {
                  LOG.error("request to {} failed", path, e);
                  r = HttpResponse.text(500, "internal error");
                }
                send(response, callback, r, tooLarge);
              },
              () -> timedOut(response, callback, read, read.startedNanos()))
          .start();
      return true;
    }

    private void timedOut(
        Response response, Callback callback, IngestRouter.ReadBody read, long started) {
      LOG.debug("closing a connection: request body not complete in time");
      metrics.requestTimedOut("body");
      if (read != null) {
        router.answered(read.endpoint(), 408, started);
      }
      HttpResponse r = HttpResponse.text(408, "request body not received in time");
      send(response, callback, r, true);
    }

    private static void send(Response response, Callback callback, HttpResponse r, boolean close) {
      response.setStatus(r.status());
      r.headers().forEach((k, v) -> response.getHeaders().put(k, v));
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, r.contentType());
      if (close) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
      if (r.status() != 204 && r.status() != 304) {
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, (long) r.body().length);
      }
      response.write(true, r.body().length == 0 ? null : ByteBuffer.wrap(r.body()), callback);
    }

    private static X509Certificate clientCertificate(Request request) {
      if (request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE)
          instanceof EndPoint.SslSessionData ssl) {
        X509Certificate[] peer = ssl.peerCertificates();
        return peer != null && peer.length > 0 ? peer[0] : null;
      }
      return null;
    }
  }

  /** What a body read ends with. */
  interface BodyDone {
    /**
     * @param body the body, or {@code null} when it was larger than the limit
     */
    void done(byte[] body, boolean tooLarge);
  }

  /**
   * Reads a request body as Jetty delivers it (a callback per chunk, no thread waiting), keeping at
   * most the limit and discarding the rest up to a drain limit; gives up at the deadline.
   */
  private static final class BodyReader implements Runnable {
    private final Request request;
    private final Callback callback;
    private final long max;
    private final long drainLimit;
    private final BodyDone done;
    private final Runnable onTimeout;
    private final long requestNanos;
    private final AtomicBoolean finished = new AtomicBoolean();
    private byte[] buffer;
    private int size;
    private long total;
    private Scheduler.Task deadline;

    BodyReader(
        Request request,
        Callback callback,
        long max,
        long drainLimit,
        long requestNanos,
        BodyDone done,
        Runnable onTimeout) {
      this.request = request;
      this.callback = callback;
      this.max = max;
      this.drainLimit = drainLimit;
      this.requestNanos = requestNanos;
      this.done = done;
      this.onTimeout = onTimeout;
      long declared = request.getLength();
      this.buffer = new byte[(int) Math.min(max, declared > 0 ? declared : 64 * 1024)];
    }

    void start() {
      deadline =
          request
              .getComponents()
              .getScheduler()
              .schedule(
                  () -> {
                    if (finished.compareAndSet(false, true)) {
                      onTimeout.run();
                    }
                  },
                  requestNanos,
                  TimeUnit.NANOSECONDS);
      run();
    }

    @Override
    public void run() {
      while (!finished.get()) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          // The connection failed (reset, idle timeout): Jetty closes it; nothing to answer.
          if (finished.compareAndSet(false, true)) {
            deadline.cancel();
            LOG.debug("request body not read: {}", chunk.getFailure().toString());
            callback.failed(chunk.getFailure());
          }
          return;
        }
        ByteBuffer b = chunk.getByteBuffer();
        int n = b.remaining();
        total += n;
        if (total <= max) {
          if (size + n > buffer.length) {
            buffer =
                java.util.Arrays.copyOf(
                    buffer, (int) Math.min(max, Math.max(size + n, 2L * buffer.length)));
          }
          b.get(buffer, size, n);
          size += n;
        }
        chunk.release();
        boolean tooLarge = total > max;
        if (chunk.isLast() || (tooLarge && total > drainLimit)) {
          if (finished.compareAndSet(false, true)) {
            deadline.cancel();
            done.done(
                tooLarge
                    ? null
                    : size == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, size),
                tooLarge);
          }
          return;
        }
      }
    }
  }
}
