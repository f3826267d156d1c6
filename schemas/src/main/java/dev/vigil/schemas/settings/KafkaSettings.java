package dev.vigil.schemas.settings;

import dev.vigil.schemas.PodPartitioning;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The Kafka cluster a Vigil process uses, shared by ingest and streams: its bootstrap servers and
 * the client settings of {@code --kafka-config} (security and the like).
 *
 * @param bootstrapServers host:port[,host:port]
 * @param clientProperties Kafka client settings for every client Vigil creates
 * @param podPartitioning which partition a pod's events go to; ingest and streams must agree
 */
public record KafkaSettings(
    String bootstrapServers,
    Map<String, String> clientProperties,
    PodPartitioning podPartitioning) {

  public static final Setting<String> BOOTSTRAP_SERVERS =
      new Setting<>(
          "kafka.bootstrap-servers",
          "--bootstrap-servers",
          "VIGIL_BOOTSTRAP_SERVERS",
          Parsers::string,
          null,
          "Kafka bootstrap servers, host:port[,host:port] (required unless --embedded)");
  public static final Setting<Path> CLIENT_CONFIG =
      new Setting<>(
          "kafka.client-config",
          "--kafka-config",
          "VIGIL_KAFKA_CONFIG",
          Parsers::path,
          null,
          "properties file of Kafka client settings (security.protocol, ssl.*, sasl.*)");

  public static final Setting<PodPartitioning> POD_PARTITIONING =
      new Setting<>(
          "kafka.pod-partitioning",
          "--pod-partitioning",
          "VIGIL_POD_PARTITIONING",
          PodPartitioning::parse,
          "workload",
          "partition of a pod's events and admissions: workload (pods of one ReplicaSet, Job or"
              + " StatefulSet on one partition, so their template is judged once) or pod (by the"
              + " whole key, as builds before it did); ingest and streams must agree, streams refuses to"
              + " start on state of the other layout");

  /** Every Kafka setting, in the order of the README's table. */
  public static final List<Setting<?>> SETTINGS =
      List.of(BOOTSTRAP_SERVERS, CLIENT_CONFIG, POD_PARTITIONING);

  public KafkaSettings {
    Objects.requireNonNull(bootstrapServers, BOOTSTRAP_SERVERS.key());
    clientProperties = Map.copyOf(clientProperties);
    Objects.requireNonNull(podPartitioning, POD_PARTITIONING.key());
  }

  /** A cluster without client settings (an embedded broker, tests). */
  public static KafkaSettings of(String bootstrapServers) {
    return new KafkaSettings(bootstrapServers, Map.of(), PodPartitioning.WORKLOAD);
  }

  /** Reads the settings; the bootstrap servers are required, the client config file is read now. */
  public static KafkaSettings from(SettingValues values) {
    Map<String, String> props =
        values.get(CLIENT_CONFIG).map(KafkaSettings::readProperties).orElse(Map.of());
    return new KafkaSettings(
        values.require(BOOTSTRAP_SERVERS),
        props,
        values.get(POD_PARTITIONING).orElse(PodPartitioning.WORKLOAD));
  }

  /** The client settings of {@code file}, failing naming {@link #CLIENT_CONFIG} when unreadable. */
  public static Map<String, String> readProperties(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException e) {
      throw new SettingException(
          CLIENT_CONFIG.flag() + ": cannot read " + file + ": " + e.getMessage());
    }
    Map<String, String> m = new LinkedHashMap<>();
    p.stringPropertyNames().stream().sorted().forEach(k -> m.put(k, p.getProperty(k)));
    return m;
  }
}
