package dev.vigil.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.AuditSamples;
import dev.vigil.ingest.RecordingPublisher;
import dev.vigil.ingest.TestPki;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receivers started from settings and PEM files, as the CLI starts them. */
class IngestReceiversIT {

  @Test
  void startsFromPemFilesAndAcceptsAClientCertificate(@TempDir Path dir) throws Exception {
    TestPki pki = new TestPki();
    Path cert = pem(dir.resolve("tls.crt"), pki.server, pki.ca);
    Path key = pem(dir.resolve("tls.key"), new JcaPKCS8Generator(pki.serverKey.getPrivate(), null));
    Path clientCa = pem(dir.resolve("client-ca.crt"), pki.ca);
    RecordingPublisher publisher = new RecordingPublisher();
    ReceiverSettings settings =
        new ReceiverSettings(
            "127.0.0.1",
            0,
            cert,
            key,
            clientCa,
            Set.of(),
            Set.of("prod"),
            ReceiverSettings.DEFAULT_MAX_BODY_BYTES,
            1000,
            2,
            true,
            null);

    try (HttpsReceiverServer server =
        IngestReceivers.start(settings, publisher, IngestMetrics.NOOP, null, Clock.systemUTC())) {
      HttpClient client = HttpClient.newBuilder().sslContext(pki.clientContext(true)).build();
      HttpResponse<String> r =
          client.send(
              java.net.http.HttpRequest.newBuilder(
                      URI.create("https://127.0.0.1:" + server.port() + "/audit/prod"))
                  .POST(
                      java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                          AuditSamples.eventList(AuditSamples.real(AuditSamples.KUBE_SYSTEM))))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertEquals(200, r.statusCode(), r.body());
      List<AdmissionEvent> got = publisher.values(Topics.ADMISSION_EVENTS);
      assertEquals("prod/kube-system/nginx-deployment-7998647bdf-7q2sp", got.get(0).key());
    }
  }

  @Test
  void settingsRefuseAnUnauthenticatedReceiver(@TempDir Path dir) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ReceiverSettings(
                    "127.0.0.1",
                    0,
                    dir.resolve("c"),
                    dir.resolve("k"),
                    null,
                    Set.of(),
                    Set.of("prod"),
                    1 << 20,
                    10,
                    1,
                    false,
                    null));
    assertEquals(
        "bearerTokens or clientCaPem: the receivers never run unauthenticated", e.getMessage());
  }

  @Test
  void slowHandshakesSlowHeadersAndSlowBodiesAreCutOffAtTheirDeadlines(@TempDir Path dir)
      throws Exception {
    TestPki pki = new TestPki();
    ConcurrentMap<String, AtomicInteger> timedOut = new ConcurrentHashMap<>();
    IngestMetrics metrics =
        new IngestMetrics() {
          @Override
          public void requestTimedOut(String phase) {
            timedOut.computeIfAbsent(phase, p -> new AtomicInteger()).incrementAndGet();
          }
        };
    ReceiverSettings settings =
        settings(
            dir,
            pki,
            1,
            new HttpsReceiverServer.Limits(
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(2), 100));

    try (HttpsReceiverServer server =
        IngestReceivers.start(
            settings, new RecordingPublisher(), metrics, null, Clock.systemUTC())) {
      // Half the headers, then a byte every 100 ms; then all the headers and a trickled body.
      long headers =
          secondsUntilClosed(pki, server.port(), "POST /audit/prod HTTP/1.1\r\nHost: x\r\n");
      long body =
          secondsUntilClosed(
              pki,
              server.port(),
              "POST /audit/prod HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Length: 1000\r\n\r\n");

      // A TLS handshake trickled a byte at a time never finishes: cut off at the idle timeout.
      long handshake =
          secondsUntilClosed(server.port(), new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xff});

      assertTrue(headers >= 1 && headers <= 4, "headers cut off after " + headers + " s");
      assertTrue(handshake >= 2 && handshake <= 5, "handshake cut off after " + handshake + " s");
      assertEquals(1, timedOut.get("handshake").get());
      assertTrue(body >= 2 && body <= 5, "body cut off after " + body + " s");
      assertEquals(1, timedOut.get("headers").get());
      assertEquals(1, timedOut.get("body").get());
      // The single request thread is free again.
      HttpClient client = HttpClient.newBuilder().sslContext(pki.clientContext(false)).build();
      HttpResponse<String> r =
          client.send(
              java.net.http.HttpRequest.newBuilder(
                      URI.create("https://127.0.0.1:" + server.port() + "/healthz"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
    }
  }

  @Test
  void manyIdleKeptAliveConnectionsDoNotBreakAKeptAliveClient(@TempDir Path dir) throws Exception {
    // The JDK server closed keep-alive connections past 200 idle ones without a word, and a
    // client's
    // next request on one failed (3 of 20 requests with 250 idle connections). Jetty keeps them.
    TestPki pki = new TestPki();
    ReceiverSettings settings = settings(dir, pki, ReceiverSettings.DEFAULT_MAX_CONNECTIONS);
    try (HttpsReceiverServer server =
        IngestReceivers.start(
            settings, new RecordingPublisher(), IngestMetrics.NOOP, null, Clock.systemUTC())) {
      URI health = URI.create("https://127.0.0.1:" + server.port() + "/healthz");
      HttpClient good = HttpClient.newBuilder().sslContext(pki.clientContext(false)).build();
      assertEquals(
          200,
          good.send(
                  java.net.http.HttpRequest.newBuilder(health).build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
      // 250 other clients, one request each on a connection of its own, which they keep open.
      List<HttpClient> flood = new java.util.ArrayList<>();
      for (int i = 0; i < 250; i++) {
        HttpClient c = HttpClient.newBuilder().sslContext(pki.clientContext(false)).build();
        flood.add(c);
        assertEquals(
            200,
            c.send(
                    java.net.http.HttpRequest.newBuilder(health).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode());
      }
      assertEquals(List.of(), postRepeatedly(good, server.port(), 40));
      assertEquals(250, flood.size());
    }
  }

  @Test
  void pastTheConnectionLimitIdleConnectionsMakeRoomForAnApiServer(@TempDir Path dir)
      throws Exception {
    TestPki pki = new TestPki();
    ReceiverSettings settings = settings(dir, pki, 20);
    try (HttpsReceiverServer server =
        IngestReceivers.start(
            settings, new RecordingPublisher(), IngestMetrics.NOOP, null, Clock.systemUTC())) {
      // 20 connections that finish the TLS handshake and then say nothing fill the limit.
      List<SSLSocket> idle = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < 20; i++) {
          SSLSocket s =
              (SSLSocket)
                  pki.clientContext(false)
                      .getSocketFactory()
                      .createSocket(InetAddress.getLoopbackAddress(), server.port());
          s.startHandshake();
          idle.add(s);
        }
        long t0 = System.nanoTime();
        HttpClient apiServer = HttpClient.newBuilder().sslContext(pki.clientContext(false)).build();

        assertEquals(List.of(), postRepeatedly(apiServer, server.port(), 5));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 8_000, "served only after " + ms + " ms");
        int closedByServer = 0;
        for (SSLSocket s : idle) {
          s.setSoTimeout(5_000);
          try {
            if (s.getInputStream().read() < 0) {
              closedByServer++;
            }
          } catch (IOException closed) {
            closedByServer++;
          }
        }
        assertTrue(closedByServer > 0, "no idle connection was closed to make room");
      } finally {
        for (SSLSocket s : idle) {
          s.close();
        }
      }
    }
  }

  /**
   * POSTs an audit batch {@code times} on one client, as an API server's webhook does; returns
   * failures.
   */
  private static List<String> postRepeatedly(HttpClient client, int port, int times)
      throws Exception {
    // POST: the HTTP client retries a GET by itself.
    java.net.http.HttpRequest post =
        java.net.http.HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + port + "/audit/prod"))
            .timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer t")
            .POST(
                java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                    AuditSamples.eventList(AuditSamples.real(AuditSamples.KUBE_SYSTEM))))
            .build();
    List<String> failures = new java.util.ArrayList<>();
    for (int i = 0; i < times; i++) {
      try {
        HttpResponse<String> r = client.send(post, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          failures.add(r.statusCode() + " " + r.body());
        }
      } catch (IOException e) {
        failures.add(e.toString());
      }
    }
    return failures;
  }

  private static ReceiverSettings settings(Path dir, TestPki pki, int maxConnections)
      throws Exception {
    return settings(
        dir,
        pki,
        4,
        new HttpsReceiverServer.Limits(
            ReceiverSettings.DEFAULT_HEADER_TIMEOUT,
            ReceiverSettings.DEFAULT_REQUEST_TIMEOUT,
            ReceiverSettings.DEFAULT_IDLE_TIMEOUT,
            maxConnections));
  }

  /**
   * A receiver for cluster {@code prod} and token {@code t}, with its TLS material in {@code dir}.
   */
  private static ReceiverSettings settings(
      Path dir, TestPki pki, int requestThreads, HttpsReceiverServer.Limits limits)
      throws Exception {
    Path cert = pem(dir.resolve("tls.crt"), pki.server, pki.ca);
    Path key = pem(dir.resolve("tls.key"), new JcaPKCS8Generator(pki.serverKey.getPrivate(), null));
    return new ReceiverSettings(
            "127.0.0.1",
            0,
            cert,
            key,
            null,
            Set.of("t"),
            Set.of("prod"),
            ReceiverSettings.DEFAULT_MAX_BODY_BYTES,
            1000,
            requestThreads,
            false,
            null)
        .withLimits(limits);
  }

  /**
   * Sends {@code start} over TLS, then trickles bytes; returns the whole seconds until the server
   * closed it.
   */
  private static long secondsUntilClosed(TestPki pki, int port, String start) throws Exception {
    // The clock starts before the connect: the server may accept (and start its own clock) before
    // this thread runs again after connect returns, so a later start could read 1.99 s as 1 s.
    long t0 = System.nanoTime();
    try (SSLSocket s =
        (SSLSocket)
            pki.clientContext(false)
                .getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), port)) {
      s.startHandshake();
      return trickleUntilClosed(
          s, start.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 'x', t0);
    }
  }

  /**
   * Opens plain TCP, sends {@code start} (a TLS record header), then trickles; seconds until
   * closed.
   */
  private static long secondsUntilClosed(int port, byte[] start) throws Exception {
    long t0 = System.nanoTime();
    try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
      return trickleUntilClosed(s, start, 0x01, t0);
    }
  }

  private static long trickleUntilClosed(java.net.Socket s, byte[] start, int trickle, long t0)
      throws Exception {
    OutputStream out = s.getOutputStream();
    out.write(start);
    out.flush();
    InputStream in = s.getInputStream();
    s.setSoTimeout(100);
    for (int i = 0; i < 100; i++) {
      try {
        out.write(trickle);
        out.flush();
        if (in.read() < 0) {
          break;
        }
      } catch (java.net.SocketTimeoutException stillOpen) {
        // nothing from the server yet
      } catch (IOException closed) {
        break;
      }
    }
    return (System.nanoTime() - t0) / 1_000_000_000L;
  }

  private static Path pem(Path file, Object... objects) throws Exception {
    try (Writer w = Files.newBufferedWriter(file);
        JcaPEMWriter pw = new JcaPEMWriter(w)) {
      for (Object o : objects) {
        pw.writeObject(o);
      }
    }
    return file;
  }
}
