package dev.vigil.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.AuditSamples;
import dev.vigil.ingest.RecordingPublisher;
import dev.vigil.ingest.TestPki;
import dev.vigil.ingest.metrics.MicrometerIngestMetrics;
import dev.vigil.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may post for which cluster: credentials checked first, and scoped to clusters. */
class ReceiverAccessIT {

  static final Set<String> CLUSTERS = Set.of("prod-eu", "prod-us");

  final TestPki pki = new TestPki();
  final RecordingPublisher publisher = new RecordingPublisher();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void unauthenticatedClientsGet401BeforeAnyClusterIsLookedUpOrAnyBodyRead(@TempDir Path dir)
      throws Exception {
    try (HttpsReceiverServer server = start(dir, "t-all\n", null)) {
      // Unknown and known cluster ids answer alike: nothing to probe.
      assertEquals(401, post(server, client(false), "/audit/no-such-cluster", null).statusCode());
      assertEquals(401, post(server, client(false), "/audit/prod-eu", null).statusCode());
      assertEquals(401, post(server, client(false), "/audit/prod-eu", "t-wrong").statusCode());
      // A client that announces 16 MiB and sends none of it is answered at once: the receiver does
      // not wait for (or buffer) a body before it knows who is asking.
      try (SSLSocket s =
          (SSLSocket)
              pki.clientContext(false)
                  .getSocketFactory()
                  .createSocket(InetAddress.getLoopbackAddress(), server.port())) {
        s.setSoTimeout(5_000);
        s.getOutputStream()
            .write(
                ("POST /audit/prod-eu HTTP/1.1\r\nHost: x\r\nContent-Length: 16777216\r\n"
                        + "Content-Type: application/json\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        String status =
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        assertEquals("HTTP/1.1 401 Unauthorized", status);
      }
      assertEquals(
          4.0,
          registry.counter("vigil_ingest_unauthenticated_requests", "endpoint", "audit").count());
      assertEquals(0, publisher.records.size());
    }
  }

  @Test
  void aTokenForOneClusterPostingForAnotherGets403AndIsCounted(@TempDir Path dir) throws Exception {
    String tokens =
        "# the platform team's token\nt-all\n\nt-eu => prod-eu\nt-both => prod-eu, prod-us\n";
    try (HttpsReceiverServer server = start(dir, tokens, null)) {
      HttpClient c = client(false);

      assertEquals(403, post(server, c, "/audit/prod-us", "t-eu").statusCode());
      // Another cluster id, configured or not, tells a scoped token nothing.
      assertEquals(403, post(server, c, "/audit/no-such-cluster", "t-eu").statusCode());
      assertEquals(
          2.0, registry.counter("vigil_ingest_forbidden_requests", "endpoint", "audit").count());
      assertEquals(0, publisher.records.size());

      assertEquals(200, post(server, c, "/audit/prod-eu", "t-eu").statusCode());
      assertEquals(200, post(server, c, "/audit/prod-us", "t-both").statusCode());
      // A bare line (the old format) may post for every configured cluster, and learns of unknown
      // ones.
      assertEquals(200, post(server, c, "/audit/prod-us", "t-all").statusCode());
      assertEquals(404, post(server, c, "/audit/no-such-cluster", "t-all").statusCode());
      assertEquals(
          java.util.List.of("prod-eu", "prod-us", "prod-us"),
          publisher.values(Topics.ADMISSION_EVENTS).stream().map(e -> e.clusterId()).toList());
    }
  }

  @Test
  void aClientCertificateMayPostForTheClustersItsSubjectIsListedFor(@TempDir Path dir)
      throws Exception {
    try (HttpsReceiverServer server = start(dir, "t-all\n", "CN = kube-apiserver => prod-eu\n")) {
      HttpClient withCertificate = client(true);

      assertEquals(200, post(server, withCertificate, "/audit/prod-eu", null).statusCode());
      assertEquals(403, post(server, withCertificate, "/audit/prod-us", null).statusCode());
      assertEquals(
          1.0, registry.counter("vigil_ingest_forbidden_requests", "endpoint", "audit").count());
    }
  }

  @Test
  void aVerifiedCertificateWhoseSubjectIsNotListedIsNotEnough(@TempDir Path dir) throws Exception {
    try (HttpsReceiverServer server = start(dir, "t-all\n", "CN=another-apiserver => prod-eu\n")) {
      assertEquals(401, post(server, client(true), "/audit/prod-eu", null).statusCode());
      assertEquals(200, post(server, client(true), "/audit/prod-eu", "t-all").statusCode());
    }
  }

  private HttpsReceiverServer start(Path dir, String tokens, String subjects) throws Exception {
    Path cert = pem(dir.resolve("tls.crt"), pki.server, pki.ca);
    Path key = pem(dir.resolve("tls.key"), new JcaPKCS8Generator(pki.serverKey.getPrivate(), null));
    Path ca = pem(dir.resolve("client-ca.crt"), pki.ca);
    Path tokenFile = Files.writeString(dir.resolve("tokens"), tokens);
    Path subjectFile =
        subjects == null ? null : Files.writeString(dir.resolve("subjects"), subjects);
    ReceiverSettings settings =
        new ReceiverSettings(
            "127.0.0.1",
            0,
            cert,
            key,
            ca,
            Access.read(tokenFile, subjectFile),
            CLUSTERS,
            ReceiverSettings.DEFAULT_MAX_BODY_BYTES,
            1000,
            2,
            false,
            null,
            ReceiverSettings.DEFAULT_HEADER_TIMEOUT,
            ReceiverSettings.DEFAULT_REQUEST_TIMEOUT,
            ReceiverSettings.DEFAULT_IDLE_TIMEOUT,
            100);
    return IngestReceivers.start(
        settings, publisher, new MicrometerIngestMetrics(registry), null, Clock.systemUTC());
  }

  private HttpClient client(boolean withCertificate) {
    return HttpClient.newBuilder().sslContext(pki.clientContext(withCertificate)).build();
  }

  private static HttpResponse<String> post(
      HttpsReceiverServer server, HttpClient client, String path, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(20))
            .POST(
                HttpRequest.BodyPublishers.ofByteArray(
                    AuditSamples.eventList(
                        AuditSamples.variant(
                            AuditSamples.KUBE_SYSTEM, "access-" + System.nanoTime(), e -> {}))));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() != 500, r.body());
    return r;
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
