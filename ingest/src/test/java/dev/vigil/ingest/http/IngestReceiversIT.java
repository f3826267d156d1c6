package dev.vigil.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vigil.ingest.AuditSamples;
import dev.vigil.ingest.RecordingPublisher;
import dev.vigil.ingest.TestPki;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Topics;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
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
    ReceiverSettings settings = new ReceiverSettings("127.0.0.1", 0, cert, key, clientCa, Set.of(), Set.of("prod"),
        ReceiverSettings.DEFAULT_MAX_BODY_BYTES, 1000, 2, true, null);

    try (HttpsReceiverServer server = IngestReceivers.start(settings, publisher, IngestMetrics.NOOP, null,
        Clock.systemUTC())) {
      HttpClient client = HttpClient.newBuilder().sslContext(pki.clientContext(true)).build();
      HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
              URI.create("https://127.0.0.1:" + server.port() + "/audit/prod"))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(
              AuditSamples.eventList(AuditSamples.real(AuditSamples.KUBE_SYSTEM)))).build(),
          HttpResponse.BodyHandlers.ofString());

      assertEquals(200, r.statusCode(), r.body());
      List<AdmissionEvent> got = publisher.values(Topics.ADMISSION_EVENTS);
      assertEquals("prod/kube-system/nginx-deployment-7998647bdf-7q2sp", got.get(0).key());
    }
  }

  @Test
  void settingsRefuseAnUnauthenticatedReceiver(@TempDir Path dir) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ReceiverSettings(
        "127.0.0.1", 0, dir.resolve("c"), dir.resolve("k"), null, Set.of(), Set.of("prod"), 1 << 20, 10, 1, false, null));
    assertEquals("bearerTokens or clientCaPem: the receivers never run unauthenticated", e.getMessage());
  }

  private static Path pem(Path file, Object... objects) throws Exception {
    try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pw = new JcaPEMWriter(w)) {
      for (Object o : objects) {
        pw.writeObject(o);
      }
    }
    return file;
  }
}
