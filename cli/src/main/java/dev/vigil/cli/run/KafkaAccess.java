package dev.vigil.cli.run;

import dev.vigil.cli.config.Config;
import dev.vigil.cli.config.ConfigException;
import dev.vigil.cli.config.RunSettings;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;

/**
 * The Kafka a process uses: the configured cluster, or an embedded broker with its data under the
 * data directory. Topics are created (idempotently) either way.
 */
public final class KafkaAccess implements AutoCloseable {

  private final String bootstrapServers;
  private final Map<String, String> clientProperties;
  private final EmbeddedKafka embedded;

  private KafkaAccess(String bootstrapServers, Map<String, String> clientProperties, EmbeddedKafka embedded) {
    this.bootstrapServers = bootstrapServers;
    this.clientProperties = Map.copyOf(clientProperties);
    this.embedded = embedded;
  }

  /** Connects to the configured Kafka, or starts the embedded broker, and creates the topics. */
  public static KafkaAccess open(Config config) throws Exception {
    Map<String, String> props = config.get(RunSettings.KAFKA_CONFIG).map(KafkaAccess::readProperties).orElse(Map.of());
    KafkaAccess access;
    if (config.get(RunSettings.BOOTSTRAP_SERVERS).isPresent()) {
      access = new KafkaAccess(config.require(RunSettings.BOOTSTRAP_SERVERS), props, null);
    } else {
      Path dir = config.require(RunSettings.DATA_DIR).resolve("kafka");
      EmbeddedKafka kafka = EmbeddedKafka.start(dir, config.require(RunSettings.EMBEDDED_PORT), Map.of());
      access = new KafkaAccess(kafka.bootstrapServers(), Map.of(), kafka);
    }
    access.createTopics();
    return access;
  }

  /** Wraps an already running cluster (the demo's embedded broker). */
  public static KafkaAccess of(String bootstrapServers) {
    return new KafkaAccess(bootstrapServers, Map.of(), null);
  }

  /** Creates Vigil's topics that do not exist yet. */
  public void createTopicsNow() throws Exception {
    createTopics();
  }

  void createTopics() throws Exception {
    Map<String, Object> p = new HashMap<>(clientProperties);
    p.put("bootstrap.servers", bootstrapServers);
    try (Admin admin = Admin.create(p)) {
      new TopicAdmin(admin, (short) (embedded != null ? 1 : defaultReplication(admin))).create(Topics.ALL);
    }
  }

  private static int defaultReplication(Admin admin) throws Exception {
    int brokers = admin.describeCluster().nodes().get().size();
    return Math.min(3, Math.max(1, brokers));
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Client settings from {@code --kafka-config} (security and the like). */
  public Map<String, String> clientProperties() {
    return clientProperties;
  }

  /** True when this process runs the broker itself. */
  public boolean embedded() {
    return embedded != null;
  }

  @Override
  public void close() {
    if (embedded != null) {
      embedded.close();
    }
  }

  private static Map<String, String> readProperties(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException e) {
      throw new ConfigException(RunSettings.KAFKA_CONFIG.flag() + ": cannot read " + file + ": " + e.getMessage());
    }
    Map<String, String> m = new HashMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
    return m;
  }
}
