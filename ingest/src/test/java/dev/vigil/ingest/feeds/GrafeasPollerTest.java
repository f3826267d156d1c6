package dev.vigil.ingest.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.ingest.RecordingPublisher;
import dev.vigil.ingest.TestResources;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafeas poller against a local HTTP server serving v1 list responses
 * (src/test/resources/grafeas).
 */
class GrafeasPollerTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
  static final String D1 = "sha256:" + "c3".repeat(32);
  static final String D2 = "sha256:" + "d4".repeat(32);
  static final String THIRD =
      D2 + "/projects/acme/occurrences/0b6d1a52-7c1e-4c58-9d0e-000000000003";
  static final String PAGE_2_TOKEN = "CiRwcm9qZWN0cy9hY21lL29jY3VycmVuY2VzLzBiNmQxYTUy";

  /** A response: status and body resource. */
  record Reply(int status, String resource) {}

  HttpServer server;

  /** page token ("" for the first page) → replies to serve in order; the last one repeats. */
  final Map<String, Deque<Reply>> script = new LinkedHashMap<>();

  final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
  final RecordingPublisher publisher = new RecordingPublisher();
  final AtomicInteger failures = new AtomicInteger();
  final AtomicInteger revoked = new AtomicInteger();
  final IngestMetrics metrics =
      new IngestMetrics() {
        @Override
        public void feedFailed(String feed, String reason) {
          failures.incrementAndGet();
        }

        @Override
        public void revoked(String topic, int count) {
          revoked.addAndGet(count);
        }
      };

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/projects/acme/occurrences", this::serve);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void serve(HttpExchange ex) throws IOException {
    Map<String, String> q = new LinkedHashMap<>();
    for (String kv : ex.getRequestURI().getRawQuery().split("&")) {
      String[] p = kv.split("=", 2);
      q.put(
          URLDecoder.decode(p[0], StandardCharsets.UTF_8),
          URLDecoder.decode(p[1], StandardCharsets.UTF_8));
    }
    q.put("authorization", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
    requests.add(q);
    Deque<Reply> replies = script.get(q.getOrDefault("pageToken", ""));
    Reply r = replies.size() > 1 ? replies.poll() : replies.peek();
    byte[] body = TestResources.bytes("/grafeas/" + r.resource());
    ex.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
    ex.sendResponseHeaders(r.status(), body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  void serve(String pageToken, Reply... replies) {
    script.put(pageToken, new ArrayDeque<>(List.of(replies)));
  }

  GrafeasPoller poller(int attempts) {
    return new GrafeasPoller(
        URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        "acme",
        () -> "ya29.test-token",
        HttpClient.newHttpClient(),
        new GrafeasPoller.Retry(attempts, Duration.ofMillis(10)),
        publisher,
        metrics,
        CLOCK);
  }

  /** A poller that has listed page-1 and page-2 once; page 2 then answers {@code then}. */
  GrafeasPoller afterAFirstListing(Reply then) throws Exception {
    serve("", new Reply(200, "page-1.json"));
    serve(PAGE_2_TOKEN, new Reply(200, "page-2.json"), then);
    GrafeasPoller poller = poller(3);
    poller.poll();
    publisher.records.clear();
    return poller;
  }

  @Test
  void listsEveryPageOfAttestationOccurrencesWithTheBearerToken() throws Exception {
    serve("", new Reply(200, "page-1.json"));
    serve(PAGE_2_TOKEN, new Reply(200, "page-2.json"));

    GrafeasPoller.Summary s = poller(3).poll();

    assertEquals(new GrafeasPoller.Summary(true, 2, 3, 3, 0, 0), s);
    assertEquals(2, requests.size());
    assertEquals("kind=\"ATTESTATION\"", requests.get(0).get("filter"));
    assertEquals(PAGE_2_TOKEN, requests.get(1).get("pageToken"));
    assertEquals("Bearer ya29.test-token", requests.get(0).get("authorization"));
    List<Attestation> got = publisher.values(Topics.ATTESTATIONS);
    assertEquals(List.of(D1, D1, D2), got.stream().map(Attestation::imageDigest).toList());
    assertEquals(
        THIRD,
        publisher.records.get(2).key(),
        "keyed as the value implies: imageDigest/occurrence");
    assertTrue(
        publisher.records.stream().allMatch(r -> "grafeas:projects/acme".equals(r.origin())));
  }

  @Test
  void anOccurrenceGoneFromACompleteListingIsRevokedAndUnchangedOnesAreNotPublishedAgain()
      throws Exception {
    GrafeasPoller poller = afterAFirstListing(new Reply(200, "page-2-empty.json"));

    GrafeasPoller.Summary s = poller.poll();

    assertEquals(1, s.revoked());
    assertEquals(0, s.published());
    assertEquals(Map.of(THIRD, "grafeas:projects/acme"), publisher.tombstones());
    assertEquals(1, publisher.records.size());
    assertEquals(1, revoked.get());
  }

  @Test
  void a503IsRetriedWithBackoffAndTheListingThenCompletes() throws Exception {
    serve("", new Reply(200, "page-1.json"));
    serve(
        PAGE_2_TOKEN,
        new Reply(503, "unavailable.json"),
        new Reply(503, "unavailable.json"),
        new Reply(200, "page-2.json"));

    GrafeasPoller.Summary s = poller(3).poll();

    assertEquals(3, s.occurrences());
    assertEquals(4, requests.size(), "page 1, then page 2 three times");
  }

  @Test
  void aListingCutShortBy503sPublishesAndRevokesNothing() throws Exception {
    GrafeasPoller poller = afterAFirstListing(new Reply(503, "unavailable.json"));

    var e = assertThrows(GrafeasPoller.ListingException.class, poller::poll);

    assertTrue(
        e.getMessage().contains("HTTP 503: The service is currently unavailable."), e.getMessage());
    assertEquals(List.of(), publisher.records);
    assertEquals(1, failures.get());
    assertEquals(2 + 1 + 3, requests.size(), "the second listing tried page 2 three times");
  }

  @Test
  void aPermissionErrorIsNotRetriedAndRevokesNothing() throws Exception {
    serve("", new Reply(403, "permission-denied.json"));

    var e = assertThrows(GrafeasPoller.ListingException.class, () -> poller(5).poll());

    assertTrue(
        e.getMessage().contains("HTTP 403: Permission 'containeranalysis.occurrences.list' denied"),
        e.getMessage());
    assertEquals(1, requests.size());
    assertEquals(List.of(), publisher.records);
  }

  @Test
  void anUnreadableOccurrenceIsDeadLetteredAndThatListingRevokesNothing() throws Exception {
    GrafeasPoller poller = afterAFirstListing(new Reply(200, "page-2-unreadable.json"));

    GrafeasPoller.Summary s = poller.poll();

    assertEquals(1, s.unreadable());
    assertEquals(0, s.revoked());
    assertEquals(Map.of(), publisher.tombstones());
    assertTrue(
        publisher
            .values(Topics.DEAD_LETTER)
            .get(0)
            .error()
            .contains("resourceUri: must end in @sha256"));
  }

  @Test
  void aRestartedPollerRevokesWhatItsProjectNoLongerHoldsAndLeavesFilesAlone() throws Exception {
    serve("", new Reply(200, "page-1.json"));
    serve(PAGE_2_TOKEN, new Reply(200, "page-2-empty.json"));
    GrafeasPoller poller =
        poller(3)
            .restore(
                Map.of(
                    THIRD,
                    "grafeas:projects/acme",
                    D2 + "/projects/acme/occurrences/from-a-file",
                    "file:/etc/vigil/attestations/ci.json",
                    D2 + "/projects/other/occurrences/x",
                    "grafeas:projects/other"));

    poller.poll();

    assertEquals(Map.of(THIRD, "grafeas:projects/acme"), publisher.tombstones());
  }

  @Test
  void aServiceAccountKeyIsExchangedForATokenWithASignedJwtAndTheTokenIsCached(@TempDir Path dir)
      throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair key = g.generateKeyPair();
    List<String> assertions = new CopyOnWriteArrayList<>();
    server.createContext(
        "/token",
        ex -> {
          String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          for (String kv : form.split("&")) {
            if (kv.startsWith("assertion=")) {
              assertions.add(URLDecoder.decode(kv.substring(10), StandardCharsets.UTF_8));
            }
          }
          byte[] body =
              "{\"access_token\":\"ya29.from-jwt\",\"expires_in\":3599,\"token_type\":\"Bearer\"}"
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    String tokenUri = "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    Path file = dir.resolve("sa.json");
    Files.writeString(
        file,
        Json.mapper()
            .writeValueAsString(
                Map.of(
                    "type",
                    "service_account",
                    "client_email",
                    "vigil@acme.iam.gserviceaccount.com",
                    "private_key_id",
                    "k1",
                    "token_uri",
                    tokenUri,
                    "private_key",
                    "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(key.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n")));

    GoogleTokens tokens = GoogleTokens.fromFile(file, HttpClient.newHttpClient(), CLOCK);
    String first = tokens.accessToken();
    String second = tokens.accessToken();

    assertEquals("ya29.from-jwt", first);
    assertEquals(first, second);
    assertEquals(1, assertions.size(), "the token is cached until shortly before it expires");
    String[] jwt = assertions.get(0).split("\\.");
    Signature v = Signature.getInstance("SHA256withRSA");
    v.initVerify(key.getPublic());
    v.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
    assertTrue(
        v.verify(Base64.getUrlDecoder().decode(jwt[2])), "signed with the service account's key");
    var claims = Json.mapper().readTree(Base64.getUrlDecoder().decode(jwt[1]));
    assertEquals("vigil@acme.iam.gserviceaccount.com", claims.path("iss").asText());
    assertEquals(tokenUri, claims.path("aud").asText());
    assertEquals(GoogleTokens.SCOPE, claims.path("scope").asText());
  }

  @Test
  void theMetadataServerIsAskedWithItsFlavourHeader() throws Exception {
    List<String> flavours = new CopyOnWriteArrayList<>();
    server.createContext(
        "/computeMetadata/v1/instance/service-accounts/default/token",
        ex -> {
          flavours.add(ex.getRequestHeaders().getFirst("Metadata-Flavor"));
          byte[] body =
              "{\"access_token\":\"ya29.metadata\",\"expires_in\":10,\"token_type\":\"Bearer\"}"
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    GoogleTokens tokens =
        GoogleTokens.metadataServer(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
            HttpClient.newHttpClient(),
            CLOCK);

    assertEquals("ya29.metadata", tokens.accessToken());
    assertEquals("ya29.metadata", tokens.accessToken());
    assertEquals(
        List.of("Google", "Google"), flavours, "a token expiring within a minute is fetched again");
  }

  @Test
  void aTokenEndpointErrorNamesTheStatusButNoSecret(@TempDir Path dir) throws Exception {
    server.createContext(
        "/token",
        ex -> {
          ex.getRequestBody().readAllBytes();
          byte[] body =
              "{\"error\":\"invalid_grant\",\"error_description\":\"Bad Request\"}"
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(400, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    Path file = dir.resolve("user.json");
    Files.writeString(
        file,
        Json.mapper()
            .writeValueAsString(
                Map.of(
                    "type",
                    "authorized_user",
                    "client_id",
                    "id.apps.googleusercontent.com",
                    "client_secret",
                    "s3cr3t-client",
                    "refresh_token",
                    "1//r3fr3sh",
                    "token_uri",
                    "http://127.0.0.1:" + server.getAddress().getPort() + "/token")));

    var e =
        assertThrows(
            IOException.class,
            () -> GoogleTokens.fromFile(file, HttpClient.newHttpClient(), CLOCK).accessToken());

    assertTrue(e.getMessage().contains("HTTP 400 Bad Request"), e.getMessage());
    assertTrue(
        !e.getMessage().contains("s3cr3t") && !e.getMessage().contains("r3fr3sh"), e.getMessage());
  }
}
