package dev.vigil.reliability.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.http.HttpsReceiverServer;
import dev.vigil.ingest.http.IngestReceivers;
import dev.vigil.ingest.http.ReceiverSettings;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.Json;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, "the audit receiver under load and abuse on loopback": while a well-behaved API server
 * keeps posting audit batches, abusive clients (slow, oversized and deeply nested bodies, many
 * connections, bad certificates, no token) each get the right answer, the receiver stays up and the
 * well-behaved client keeps being served. Throughput of the well-behaved client is printed for each
 * phase (docs/reliability.md records it).
 */
class ReceiverAbuseIT {

  static final String TOKEN = "abuse-test-token";
  static final long MAX_BODY = 1024 * 1024;
  static final int THREADS = 4;

  @TempDir static Path dir;
  static KeyPair caKey;
  static X509Certificate ca;
  static KeyPair serverKey;
  static X509Certificate server;
  static HttpsReceiverServer receiver;
  static final AtomicLong published = new AtomicLong();
  static final AtomicLong timeouts = new AtomicLong();

  /** Short deadlines so that the slow-client phase stays short; the defaults are 10 s and 30 s. */
  static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);

  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  static HttpClient good;

  @BeforeAll
  static void start() throws Exception {
    caKey = ec();
    ca = cert("CN=abuse CA", caKey, "CN=abuse CA", caKey.getPrivate(), true, false);
    serverKey = ec();
    server = cert("CN=vigil-ingest", serverKey, "CN=abuse CA", caKey.getPrivate(), false, true);
    Path crt =
        Files.writeString(
            dir.resolve("server.crt"),
            pem("CERTIFICATE", server.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()));
    Path key =
        Files.writeString(
            dir.resolve("server.key"), pem("PRIVATE KEY", serverKey.getPrivate().getEncoded()));
    Path caPem = Files.writeString(dir.resolve("ca.crt"), pem("CERTIFICATE", ca.getEncoded()));
    ReceiverSettings settings =
        new ReceiverSettings(
                "127.0.0.1",
                0,
                crt,
                key,
                caPem,
                Set.of(TOKEN),
                Set.of("c1"),
                MAX_BODY,
                100_000,
                THREADS,
                false,
                null)
            .withLimits(
                new HttpsReceiverServer.Limits(
                    HEADER_TIMEOUT,
                    REQUEST_TIMEOUT,
                    ReceiverSettings.DEFAULT_IDLE_TIMEOUT,
                    ReceiverSettings.DEFAULT_MAX_CONNECTIONS));
    RecordPublisher counting =
        new RecordPublisher() {
          @Override
          public void publishAll(List<? extends Outgoing<?>> records) {
            published.addAndGet(records.size());
          }

          @Override
          public java.util.concurrent.CompletableFuture<Void> publishAsync(Outgoing<?> record) {
            published.incrementAndGet();
            return java.util.concurrent.CompletableFuture.completedFuture(null);
          }

          @Override
          public void close() {}
        };
    IngestMetrics countingTimeouts =
        new IngestMetrics() {
          @Override
          public void requestTimedOut(String phase) {
            timeouts.incrementAndGet();
          }
        };
    receiver =
        IngestReceivers.start(settings, counting, countingTimeouts, () -> "", Clock.systemUTC());
    good =
        HttpClient.newBuilder()
            .sslContext(clientContext(null, null))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  @AfterAll
  static void stop() {
    if (receiver != null) {
      receiver.close();
    }
  }

  // ---- the well-behaved client -------------------------------------------------------------

  /** Posts batches with the token in a loop while {@code abuse} runs; returns what it saw. */
  static Served servedDuring(String phase, ThrowingRunnable abuse) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    List<String> bad = new CopyOnWriteArrayList<>();
    AtomicLong maxLatency = new AtomicLong();
    Thread client =
        new Thread(
            () -> {
              for (int i = 0; !stop.get(); i++) {
                long t = System.nanoTime();
                try {
                  HttpResponse<String> r =
                      good.send(
                          post("/audit/c1", batch(phase + "-" + i), TOKEN),
                          HttpResponse.BodyHandlers.ofString());
                  if (r.statusCode() == 200) {
                    ok.incrementAndGet();
                  } else {
                    bad.add(r.statusCode() + " " + r.body());
                  }
                } catch (Exception e) {
                  bad.add(e.toString());
                }
                maxLatency.accumulateAndGet((System.nanoTime() - t) / 1_000_000, Math::max);
              }
            },
            "well-behaved");
    long start = System.nanoTime();
    long timeoutsBefore = timeouts.get();
    client.start();
    try {
      abuse.run();
    } finally {
      stop.set(true);
      client.join(60_000);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Served s = new Served(phase, ok.get(), bad, maxLatency.get(), ok.get() / seconds);
    System.out.printf(
        "receiver abuse: %-22s well-behaved batches served %4d (%.0f/s), failed %d, max latency %d ms,"
            + " connections closed by a deadline %d%n",
        phase, s.ok, s.perSecond, bad.size(), s.maxLatencyMs, timeouts.get() - timeoutsBefore);
    assertTrue(s.bad.isEmpty(), phase + ": the well-behaved client failed: " + s.bad);
    assertTrue(s.ok >= 3, phase + ": the well-behaved client was served only " + s.ok + " times");
    return s;
  }

  record Served(String phase, int ok, List<String> bad, long maxLatencyMs, double perSecond) {}

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  // ---- abuse -------------------------------------------------------------------------------

  @Test
  void baseline() throws Exception {
    servedDuring("baseline", () -> Thread.sleep(2000));
  }

  @Test
  void slowClients() throws Exception {
    // More slow clients than request threads: each completes the TLS handshake, sends half a
    // request, and then one byte every 200 ms. The header deadline closes each of them.
    int slow = THREADS * 3;
    List<Socket> sockets = new ArrayList<>();
    long timeoutsBefore = timeouts.get();
    AtomicInteger closedByServer = new AtomicInteger();
    try {
      servedDuring(
          "slow clients",
          () -> {
            SSLContext ctx = clientContext(null, null);
            for (int i = 0; i < slow; i++) {
              javax.net.ssl.SSLSocket s =
                  (javax.net.ssl.SSLSocket)
                      ctx.getSocketFactory()
                          .createSocket(InetAddress.getLoopbackAddress(), receiver.port());
              sockets.add(s);
              s.setSoTimeout(10_000);
              s.startHandshake();
              s.getOutputStream()
                  .write(
                      "POST /audit/c1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                          .getBytes(StandardCharsets.US_ASCII));
            }
            // Until every slow client has been disconnected (bounded: 12 × 2 s on 4 threads, plus
            // slack).
            closedByServer.set(trickle(sockets, Duration.ofSeconds(4), Duration.ofSeconds(30)));
          });
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    System.out.printf(
        "receiver abuse: slow clients closed by the server %d of %d, timeouts counted %d%n",
        closedByServer.get(), slow, timeouts.get() - timeoutsBefore);
    assertEquals(
        slow, closedByServer.get(), "every slow client is disconnected by the header deadline");
    assertTrue(timeouts.get() - timeoutsBefore >= slow, "each disconnection is counted");
  }

  @Test
  void silentConnections() throws Exception {
    // More connections than request threads that open TCP and never start the TLS handshake.
    List<Socket> sockets = new ArrayList<>();
    try {
      servedDuring(
          "silent connections",
          () -> {
            for (int i = 0; i < THREADS * 3; i++) {
              sockets.add(new Socket(InetAddress.getLoopbackAddress(), receiver.port()));
            }
            Thread.sleep(4000);
          });
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  /**
   * Writes a byte every 200 ms to every open socket for at least {@code min}, then until all are
   * closed or {@code max} has passed; returns how many the server closed.
   */
  private static int trickle(List<Socket> sockets, Duration min, Duration max) throws Exception {
    long start = System.nanoTime();
    int closed = 0;
    while (true) {
      long elapsed = System.nanoTime() - start;
      boolean allClosed = sockets.stream().allMatch(Socket::isClosed);
      if (elapsed >= max.toNanos() || (elapsed >= min.toNanos() && allClosed)) {
        return closed;
      }
      for (Socket s : sockets) {
        if (!s.isClosed()) {
          try {
            s.getOutputStream().write('x');
            s.getOutputStream().flush();
          } catch (java.io.IOException closedByServer) {
            s.close();
            closed++;
          }
        }
      }
      Thread.sleep(200);
    }
  }

  @Test
  void oversizedBodies() throws Exception {
    List<Integer> statuses = new CopyOnWriteArrayList<>();
    servedDuring(
        "oversized bodies",
        () -> {
          byte[] big = new byte[(int) MAX_BODY * 4];
          java.util.Arrays.fill(big, (byte) ' ');
          for (int i = 0; i < 5; i++) {
            statuses.add(
                good.send(post("/audit/c1", big, TOKEN), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
          }
          // Without a Content-Length (chunked): the server finds out while reading.
          for (int i = 0; i < 3; i++) {
            HttpRequest r =
                HttpRequest.newBuilder(uri("/audit/c1"))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + TOKEN)
                    .POST(
                        HttpRequest.BodyPublishers.ofInputStream(
                            () -> new java.io.ByteArrayInputStream(big)))
                    .build();
            statuses.add(good.send(r, HttpResponse.BodyHandlers.ofString()).statusCode());
          }
        });
    assertEquals(List.of(413, 413, 413, 413, 413, 413, 413, 413), statuses);
  }

  @Test
  void deeplyNestedBodies() throws Exception {
    List<Integer> statuses = new CopyOnWriteArrayList<>();
    long before = published.get();
    servedDuring(
        "deeply nested bodies",
        () -> {
          for (int depth : new int[] {65, 1_000, 100_000, 400_000}) {
            String arrays = "[".repeat(depth) + "]".repeat(depth);
            String objects =
                "{\"a\":".repeat(Math.min(depth, 200_000))
                    + "1"
                    + "}".repeat(Math.min(depth, 200_000));
            String inItems = "{\"kind\":\"EventList\",\"items\":[" + arrays + "]}";
            for (String body : List.of(arrays, objects, inItems)) {
              statuses.add(
                  good.send(
                          post("/audit/c1", body.getBytes(StandardCharsets.UTF_8), TOKEN),
                          HttpResponse.BodyHandlers.ofString())
                      .statusCode());
            }
          }
        });
    // 400 (not an EventList, too deep) or 413 (over 1 MiB); never 200 or 5xx.
    assertTrue(statuses.stream().allMatch(s -> s == 400 || s == 413), statuses.toString());
    assertTrue(
        published.get() > before, "the dead letters and the well-behaved batches were published");
  }

  @Test
  void manyConnections() throws Exception {
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    servedDuring(
        "many connections",
        () -> {
          ExecutorService pool = Executors.newFixedThreadPool(64);
          try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
              int n = i;
              done.add(
                  pool.submit(
                      () -> {
                        // A new client each time: a new connection and TLS handshake.
                        HttpClient c =
                            HttpClient.newBuilder().sslContext(clientContext(null, null)).build();
                        int status =
                            c.send(
                                    post(
                                        "/audit/c1", batch("many-" + n), n % 2 == 0 ? TOKEN : null),
                                    HttpResponse.BodyHandlers.ofString())
                                .statusCode();
                        statuses
                            .computeIfAbsent(status, k -> new AtomicInteger())
                            .incrementAndGet();
                        return null;
                      }));
            }
            for (Future<?> f : done) {
              f.get(120, TimeUnit.SECONDS);
            }
          } finally {
            pool.shutdownNow();
          }
        });
    assertEquals(200, statuses.get(200).get(), statuses.toString());
    assertEquals(200, statuses.get(401).get(), statuses.toString());
  }

  @Test
  void badCertificatesAndNoToken() throws Exception {
    List<String> outcomes = new CopyOnWriteArrayList<>();
    servedDuring(
        "bad certificates",
        () -> {
          KeyPair otherCaKey = ec();
          KeyPair clientKey = ec();
          // Same subject and issuer names as a real client certificate, signed by another CA.
          X509Certificate forged =
              cert(
                  "CN=kube-apiserver",
                  clientKey,
                  "CN=abuse CA",
                  otherCaKey.getPrivate(),
                  false,
                  false);
          X509Certificate selfSigned =
              cert(
                  "CN=kube-apiserver",
                  clientKey,
                  "CN=kube-apiserver",
                  clientKey.getPrivate(),
                  false,
                  false);
          X509Certificate expired =
              cert(
                  "CN=kube-apiserver",
                  clientKey,
                  "CN=abuse CA",
                  caKey.getPrivate(),
                  false,
                  false,
                  Instant.now().minus(Duration.ofDays(10)),
                  Instant.now().minus(Duration.ofDays(1)));
          for (X509Certificate[] chain :
              List.of(
                  new X509Certificate[] {forged},
                  new X509Certificate[] {selfSigned},
                  new X509Certificate[] {expired})) {
            HttpClient c =
                HttpClient.newBuilder()
                    .sslContext(clientContext(clientKey.getPrivate(), chain))
                    .build();
            for (String token : new String[] {null, "wrong-token", ""}) {
              try {
                outcomes.add(
                    String.valueOf(
                        c.send(
                                post("/audit/c1", batch("cert"), token),
                                HttpResponse.BodyHandlers.ofString())
                            .statusCode()));
              } catch (java.io.IOException handshakeRefused) {
                outcomes.add("refused");
              }
            }
          }
          // A valid client that does not trust the server's CA does not talk to it at all.
          HttpClient distrusting =
              HttpClient.newBuilder().sslContext(SSLContext.getDefault()).build();
          try {
            outcomes.add(
                String.valueOf(
                    distrusting
                        .send(
                            post("/audit/c1", batch("x"), TOKEN),
                            HttpResponse.BodyHandlers.ofString())
                        .statusCode()));
          } catch (java.io.IOException expected) {
            outcomes.add("server not trusted");
          }
          // No token, a token for the wrong scheme, a near-miss token.
          for (String header :
              new String[] {
                null,
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(("x:" + TOKEN).getBytes(StandardCharsets.UTF_8)),
                "Bearer " + TOKEN + "x",
                "Bearer " + TOKEN.substring(1)
              }) {
            HttpRequest.Builder b =
                HttpRequest.newBuilder(uri("/audit/c1"))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(batch("no-token")));
            if (header != null) {
              b.header("Authorization", header);
            }
            outcomes.add(
                String.valueOf(
                    good.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode()));
          }
        });
    System.out.println("receiver abuse: bad certificates / tokens -> " + outcomes);
    assertTrue(
        outcomes.stream().noneMatch(o -> o.equals("200")),
        "accepted without authentication: " + outcomes);
    assertTrue(outcomes.contains("server not trusted"), outcomes.toString());
  }

  // ---- helpers -----------------------------------------------------------------------------

  static URI uri(String path) {
    return URI.create("https://127.0.0.1:" + receiver.port() + path);
  }

  static HttpRequest post(String path, byte[] body, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b.build();
  }

  static byte[] batch(String id) {
    var list = Json.mapper().createObjectNode();
    list.put("kind", "EventList").put("apiVersion", "audit.k8s.io/v1");
    list.putObject("metadata");
    var e = list.putArray("items").addObject();
    e.put("kind", "Event")
        .put("apiVersion", "audit.k8s.io/v1")
        .put("level", "Metadata")
        .put("auditID", id)
        .put("stage", "ResponseComplete")
        .put("verb", "get")
        .put("requestURI", "/api/v1/namespaces");
    return Json.write(list);
  }

  static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  static X509Certificate cert(
      String subject,
      KeyPair subjectKey,
      String issuer,
      PrivateKey issuerKey,
      boolean isCa,
      boolean loopbackSan)
      throws Exception {
    return cert(
        subject,
        subjectKey,
        issuer,
        issuerKey,
        isCa,
        loopbackSan,
        Instant.now().minus(Duration.ofHours(1)),
        Instant.now().plus(Duration.ofDays(1)));
  }

  static X509Certificate cert(
      String subject,
      KeyPair subjectKey,
      String issuer,
      PrivateKey issuerKey,
      boolean isCa,
      boolean loopbackSan,
      Instant notBefore,
      Instant notAfter)
      throws Exception {
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            new X500Name(issuer),
            BigInteger.valueOf(System.nanoTime()),
            Date.from(notBefore),
            Date.from(notAfter),
            new X500Name(subject),
            subjectKey.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (loopbackSan) {
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.dNSName, "localhost")
              }));
    }
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
  }

  /** Trusts the test CA; presents {@code chain} when given. */
  static SSLContext clientContext(PrivateKey key, X509Certificate[] chain) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (chain != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", key, new char[0], chain);
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
