package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.settings.SettingException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The streams settings: declared keys, their defaults, and what they become in Kafka Streams. */
class StreamsSettingsTest {

  static final Path STATE = Path.of("target", "unused");

  static StreamsSettings of(Map<String, String> text) {
    return StreamsSettings.fromMap(text, "127.0.0.1:9", STATE);
  }

  @Test
  void settingsFailNamingTheKey() {
    var ex =
        assertThrows(
            SettingException.class, () -> of(Map.of("streams.change-poll-interval", "soon")));
    var unknown = assertThrows(SettingException.class, () -> of(Map.of("streams.thread", "2")));

    assertTrue(ex.getMessage().startsWith("streams.change-poll-interval=soon"), ex.getMessage());
    assertTrue(
        unknown.getMessage().contains("unknown setting streams.thread"), unknown.getMessage());
    assertEquals("exactly_once_v2", of(Map.of()).streamsProperties().get("processing.guarantee"));
    assertEquals(
        true, of(Map.of()).streamsProperties().get("ensure.explicit.internal.resource.naming"));
  }

  @Test
  void defaultsAreTheDeclaredOnes() {
    StreamsSettings d = of(Map.of());

    assertEquals("vigil-streams", d.applicationId());
    assertEquals(Duration.ofHours(1), d.fullReevaluationInterval());
    assertEquals(Duration.ofMinutes(5), d.correlationSkew());
    assertEquals(Duration.ofSeconds(1), d.changePollInterval());
    assertEquals(1, d.streamThreads());
  }

  @Test
  void internalTopicsAreReplicatedAsConfigured() {
    var byBroker = of(Map.of()).streamsProperties();
    assertEquals(-1, byBroker.get("replication.factor"));
    assertEquals(null, byBroker.get("topic.min.insync.replicas"));
    var three = of(Map.of("streams.replication-factor", "3")).streamsProperties();
    assertEquals(3, three.get("replication.factor"));
    assertEquals("2", three.get("topic.min.insync.replicas"));
    var ex =
        assertThrows(SettingException.class, () -> of(Map.of("streams.replication-factor", "0")));
    assertTrue(ex.getMessage().startsWith("streams.replication-factor=0"), ex.getMessage());
  }

  @Test
  void streamThreadsBecomeNumStreamThreads() {
    assertEquals(
        4, of(Map.of("streams.threads", "4")).streamsProperties().get("num.stream.threads"));
  }

  @Test
  void aClientConfigSettingNumStreamThreadsIsRefusedNamingTheSettingToUse() {
    StreamsSettings s = of(Map.of());

    var ex =
        assertThrows(
            SettingException.class,
            () -> s.rejectOverrides(Map.of("num.stream.threads", "4", "security.protocol", "SSL")));

    assertTrue(ex.getMessage().contains("num.stream.threads=4"), ex.getMessage());
    assertTrue(ex.getMessage().contains("--stream-threads"), ex.getMessage());
    assertTrue(!ex.getMessage().contains("security.protocol"), ex.getMessage());
  }

  @Test
  void aClientConfigThatAgreesWithTheSettingsIsAccepted() {
    StreamsSettings s = of(Map.of("streams.threads", "4"));

    assertDoesNotThrow(
        () ->
            s.rejectOverrides(
                Map.of(
                    "num.stream.threads",
                    "4",
                    "bootstrap.servers",
                    "127.0.0.1:9",
                    "security.protocol",
                    "SSL",
                    "processing.guarantee",
                    "exactly_once_v2")));
  }

  @Test
  void aClientConfigCannotTurnOffExactlyOnce() {
    var ex =
        assertThrows(
            SettingException.class,
            () -> of(Map.of()).rejectOverrides(Map.of("processing.guarantee", "at_least_once")));

    assertTrue(
        ex.getMessage()
            .contains("processing.guarantee=at_least_once (Vigil sets it to exactly_once_v2)"),
        ex.getMessage());
  }
}
