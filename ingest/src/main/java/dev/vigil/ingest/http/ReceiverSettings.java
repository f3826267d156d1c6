package dev.vigil.ingest.http;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of ingest's HTTPS receivers, validated when built. The CLI fills it from its typed
 * configuration; see ingest/README.md for the table.
 *
 * @param host address to listen on
 * @param port port to listen on (0: any free port)
 * @param certificatePem the server's certificate chain (PEM)
 * @param privateKeyPem the server's private key (PEM, unencrypted)
 * @param clientCaPem CA bundle whose client certificates are accepted, or {@code null}
 * @param access accepted bearer tokens and client-certificate subjects, each with the clusters it
 *     may post for (tokens may be empty when a client CA is given)
 * @param clusters cluster ids that may post to {@code /audit/<id>}
 * @param maxBodyBytes larger request bodies get 413
 * @param dedupWindow how many {@code (auditID, stage)} pairs are remembered
 * @param threads request threads
 * @param gkePubSub whether {@code /gke/pubsub} is on
 * @param gkeDefaultCluster cluster id for GKE entries that do not name theirs, or {@code null}
 * @param headerTimeout a connection whose request line and headers take longer from their first
 *     byte is closed
 * @param requestTimeout a connection whose body takes longer than this after its headers is closed
 * @param idleTimeout a connection silent for this long (idle keep-alive, stalled read or write), or
 *     whose TLS handshake and first request have not begun this long after it was accepted, is
 *     closed
 * @param maxConnections at most this many connections are open at once; past it new ones wait in
 *     the accept queue while idle ones are closed sooner
 */
public record ReceiverSettings(
    String host,
    int port,
    Path certificatePem,
    Path privateKeyPem,
    Path clientCaPem,
    Access access,
    Set<String> clusters,
    long maxBodyBytes,
    int dedupWindow,
    int threads,
    boolean gkePubSub,
    String gkeDefaultCluster,
    Duration headerTimeout,
    Duration requestTimeout,
    Duration idleTimeout,
    int maxConnections) {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 8443;

  /** The API server's default batch (400 events) at level RequestResponse stays well below this. */
  public static final long DEFAULT_MAX_BODY_BYTES = 16L * 1024 * 1024;

  public static final int DEFAULT_DEDUP_WINDOW = 100_000;
  public static final int DEFAULT_THREADS = 8;

  /** Slow clients (slowloris) hold a request thread at most this long before the body. */
  public static final Duration DEFAULT_HEADER_TIMEOUT = HttpsReceiverServer.DEFAULT_HEADER_TIMEOUT;

  /** A 16 MiB batch needs about 4.5 Mbit/s to arrive in time. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT =
      HttpsReceiverServer.DEFAULT_REQUEST_TIMEOUT;

  public static final Duration DEFAULT_IDLE_TIMEOUT = HttpsReceiverServer.DEFAULT_IDLE_TIMEOUT;
  public static final int DEFAULT_MAX_CONNECTIONS = HttpsReceiverServer.DEFAULT_MAX_CONNECTIONS;

  /**
   * Settings with the default {@link #limits()}, whose tokens (and any verified client certificate)
   * may post for every cluster; {@link #withLimits} changes the limits.
   */
  public ReceiverSettings(
      String host,
      int port,
      Path certificatePem,
      Path privateKeyPem,
      Path clientCaPem,
      Set<String> bearerTokens,
      Set<String> clusters,
      long maxBodyBytes,
      int dedupWindow,
      int threads,
      boolean gkePubSub,
      String gkeDefaultCluster) {
    this(
        host,
        port,
        certificatePem,
        privateKeyPem,
        clientCaPem,
        Access.tokens(bearerTokens),
        clusters,
        maxBodyBytes,
        dedupWindow,
        threads,
        gkePubSub,
        gkeDefaultCluster,
        DEFAULT_HEADER_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_IDLE_TIMEOUT,
        DEFAULT_MAX_CONNECTIONS);
  }

  /** These settings with the server's timeouts and connection limit {@code limits}. */
  public ReceiverSettings withLimits(HttpsReceiverServer.Limits limits) {
    return new ReceiverSettings(
        host,
        port,
        certificatePem,
        privateKeyPem,
        clientCaPem,
        access,
        clusters,
        maxBodyBytes,
        dedupWindow,
        threads,
        gkePubSub,
        gkeDefaultCluster,
        limits.headerTimeout(),
        limits.requestTimeout(),
        limits.idleTimeout(),
        limits.maxConnections());
  }

  /** The server's limits. */
  public HttpsReceiverServer.Limits limits() {
    return new HttpsReceiverServer.Limits(
        headerTimeout, requestTimeout, idleTimeout, maxConnections);
  }

  public ReceiverSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(certificatePem, "certificatePem: the receivers only speak HTTPS");
    Objects.requireNonNull(privateKeyPem, "privateKeyPem: the receivers only speak HTTPS");
    Objects.requireNonNull(access, "access");
    clusters = Set.copyOf(clusters);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, not " + port);
    }
    if (access.tokens().isEmpty() && clientCaPem == null) {
      throw new IllegalArgumentException(
          "bearerTokens or clientCaPem: the receivers never run unauthenticated");
    }
    if (!access.subjects().isEmpty() && clientCaPem == null) {
      throw new IllegalArgumentException(
          "client-certificate subjects need clientCaPem, the CA that signs them");
    }
    if (!gkePubSub) {
      // GKE entries name their own clusters; audit webhooks post only for configured ones.
      for (Access.Grant g : access.grants()) {
        for (String c : g.clusters()) {
          if (!clusters.contains(c)) {
            throw new IllegalArgumentException(
                g.name() + ": cluster " + c + " is not one of the clusters " + clusters);
          }
        }
      }
    }
    if (clusters.isEmpty() && !gkePubSub) {
      throw new IllegalArgumentException(
          "clusters: name at least one cluster that posts audit events");
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException("maxBodyBytes must be at least 1024, not " + maxBodyBytes);
    }
    if (dedupWindow < 1 || threads < 1) {
      throw new IllegalArgumentException("dedupWindow and threads must be at least 1");
    }
    new HttpsReceiverServer.Limits(
        headerTimeout, requestTimeout, idleTimeout, maxConnections); // checks them
  }
}
