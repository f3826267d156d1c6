package dev.vigil.ingest.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.http.ReceiverSettings;
import dev.vigil.schemas.settings.SettingException;
import dev.vigil.schemas.settings.SettingValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest's settings: read from their declarations, checked together, defaults as the receiver's.
 */
class IngestSettingsTest {

  @TempDir Path dir;

  static IngestSettings of(Map<String, String> text) {
    return IngestSettings.from(SettingValues.parse(IngestSettings.SETTINGS, text));
  }

  Map<String, String> receiver() throws Exception {
    Map<String, String> m = new HashMap<>();
    m.put("audit.listen", "127.0.0.1:0");
    m.put("audit.tls-cert", dir.resolve("cert.pem").toString());
    m.put("audit.tls-key", dir.resolve("key.pem").toString());
    m.put("audit.token-file", Files.writeString(dir.resolve("tokens"), "s3cret\n").toString());
    return m;
  }

  @Test
  void defaultsWatchTheCurrentContextWithoutReceiverOrFeeds() {
    IngestSettings s = of(Map.of());

    assertTrue(s.watch());
    assertEquals(List.of(), s.contexts());
    assertEquals("*", s.feeds().policyScope());
    assertEquals(Duration.ofSeconds(10), s.feeds().interval());
    assertNull(s.audit());
    assertNull(s.feeds().grafeas());
    assertNull(s.feeds().cosign());
  }

  @Test
  void theDeclaredReceiverDefaultsAreTheReceiversOwn() throws Exception {
    ReceiverSettings r = of(receiver()).audit().receiver(Set.of("c1"));

    assertEquals(ReceiverSettings.DEFAULT_MAX_BODY_BYTES, r.maxBodyBytes());
    assertEquals(ReceiverSettings.DEFAULT_HEADER_TIMEOUT, r.headerTimeout());
    assertEquals(ReceiverSettings.DEFAULT_REQUEST_TIMEOUT, r.requestTimeout());
    assertEquals(ReceiverSettings.DEFAULT_IDLE_TIMEOUT, r.idleTimeout());
    assertEquals(ReceiverSettings.DEFAULT_MAX_CONNECTIONS, r.maxConnections());
  }

  @Test
  void theReceiverTakesTheWatchedClustersUnlessItsOwnAreGiven() throws Exception {
    Map<String, String> given = receiver();
    ReceiverSettings watched = of(given).audit().receiver(Set.of("eu.prod"));
    given.put("audit.clusters", "a, b");
    ReceiverSettings own = of(given).audit().receiver(Set.of("eu.prod"));

    assertEquals(Set.of("eu.prod"), watched.clusters());
    assertEquals("eu.prod", watched.gkeDefaultCluster());
    assertEquals(Set.of("a", "b"), own.clusters());
    assertNull(own.gkeDefaultCluster());
  }

  @Test
  void aReceiverWithoutCertificateIsRefusedNamingTheFlag() throws Exception {
    Map<String, String> given = receiver();
    given.remove("audit.tls-cert");

    SettingException e = assertThrows(SettingException.class, () -> of(given));

    assertTrue(
        e.getMessage().startsWith("--audit-tls-cert is required with --audit-listen"),
        e.getMessage());
  }

  @Test
  void oneClusterIdForSeveralContextsIsRefused() {
    SettingException e =
        assertThrows(
            SettingException.class,
            () -> of(Map.of("kube.contexts", "a,b", "kube.cluster-id", "x")));

    assertTrue(
        e.getMessage().startsWith("--cluster-id names one cluster but 2 contexts"), e.getMessage());
  }

  @Test
  void grafeasNeedsAnHttpEndpointAndKnownCredentials() {
    SettingException endpoint =
        assertThrows(
            SettingException.class,
            () -> of(Map.of("feeds.grafeas-project", "acme", "feeds.grafeas-endpoint", "ftp://x")));
    SettingException credentials =
        assertThrows(
            SettingException.class,
            () -> of(Map.of("feeds.grafeas-project", "acme", "feeds.grafeas-credentials", "aws")));
    IngestSettings.Grafeas anonymous =
        of(Map.of("feeds.grafeas-project", "acme", "feeds.grafeas-credentials", "none"))
            .feeds()
            .grafeas();

    assertTrue(
        endpoint.getMessage().startsWith("--grafeas-endpoint: 'ftp://x'"), endpoint.getMessage());
    assertTrue(
        credentials.getMessage().startsWith("--grafeas-credentials: 'aws'"),
        credentials.getMessage());
    assertEquals("acme", anonymous.project());
    assertEquals(false, anonymous.googleCredentials());
    assertEquals(Duration.ofSeconds(60), anonymous.interval());
  }

  @Test
  void aValueThatDoesNotParseNamesTheKey() {
    SettingException e =
        assertThrows(SettingException.class, () -> of(Map.of("feeds.interval", "often")));

    assertTrue(e.getMessage().startsWith("feeds.interval=often: "), e.getMessage());
  }

  @Test
  void gkeContextsNameClustersAsBinaryAuthorizationDoes() {
    assertEquals("us-central1-a.prod", IngestPlan.clusterIdOf("gke_acme_us-central1-a_prod"));
    assertEquals("kind-dev", IngestPlan.clusterIdOf("kind-dev"));
  }
}
