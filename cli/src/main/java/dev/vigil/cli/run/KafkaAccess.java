package dev.vigil.cli.run;

import dev.vigil.cli.config.Config;
import dev.vigil.cli.config.ConfigException;
import dev.vigil.cli.config.ProcessSettings;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.BootstrapProbe;
import dev.vigil.schemas.PodPartitioning;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.settings.KafkaSettings;
import dev.vigil.schemas.settings.StartupException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * The Kafka a process uses: the configured cluster, or, when asked ({@code vigil run --embedded}),
 * an embedded broker with its data under the data directory. Topics are created (idempotently)
 * either way.
 */
public final class KafkaAccess implements AutoCloseable {

  private final String bootstrapServers;
  private final Map<String, String> clientProperties;
  private final EmbeddedKafka embedded;

  private KafkaAccess(
      String bootstrapServers, Map<String, String> clientProperties, EmbeddedKafka embedded) {
    this.bootstrapServers = bootstrapServers;
    this.clientProperties = Map.copyOf(clientProperties);
    this.embedded = embedded;
  }

  /** How long start-up waits for a broker to answer. */
  static final Duration REACH_TIMEOUT = Duration.ofSeconds(8);

  /** Connects to the configured Kafka and creates the topics. */
  public static KafkaAccess open(KafkaSettings settings) throws Exception {
    KafkaAccess access =
        new KafkaAccess(settings.bootstrapServers(), settings.clientProperties(), null);
    access.createTopics();
    return access;
  }

  /**
   * Starts the embedded broker ({@code vigil run --embedded}) with its data under {@code dataDir},
   * and creates the topics.
   */
  public static KafkaAccess embedded(Path dataDir, int port) throws Exception {
    EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, port, Map.of());
    KafkaAccess access = new KafkaAccess(kafka.bootstrapServers(), Map.of(), kafka);
    try {
      access.createTopics();
    } catch (Exception | Error e) {
      access.close();
      throw e;
    }
    return access;
  }

  /**
   * Checks that the configuration names one Kafka: bootstrap servers, or (when {@code mayEmbed})
   * {@code --embedded}; true for the embedded broker. Fails with one line otherwise.
   */
  public static boolean requireChoice(Config config, boolean mayEmbed) {
    boolean embedded = mayEmbed && config.require(ProcessSettings.EMBEDDED);
    Optional<String> servers = config.get(KafkaSettings.BOOTSTRAP_SERVERS);
    if (embedded && servers.isPresent()) {
      throw new ConfigException(
          ProcessSettings.EMBEDDED.flag()
              + " and "
              + KafkaSettings.BOOTSTRAP_SERVERS.flag()
              + " exclude each other: give one");
    }
    if (!embedded && servers.isEmpty()) {
      throw new ConfigException(
          "no Kafka: give "
              + KafkaSettings.BOOTSTRAP_SERVERS.flag()
              + " HOST:PORT (or "
              + KafkaSettings.BOOTSTRAP_SERVERS.env()
              + ")"
              + (mayEmbed
                  ? ", or "
                      + ProcessSettings.EMBEDDED.flag()
                      + " for a one-broker Kafka inside this process (development only)"
                  : ""));
    }
    if (embedded) {
      // Before the cluster checks: the production build says at once that it has no embedded
      // broker.
      dev.vigil.cli.DevTools.requireEmbeddedKafka(ProcessSettings.EMBEDDED.flag());
    }
    return embedded;
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
    // Few reconnection attempts (each logs a warning) while nothing answers.
    p.putIfAbsent("reconnect.backoff.ms", "2000");
    p.putIfAbsent("reconnect.backoff.max.ms", "4000");
    String refused =
        embedded != null ? null : BootstrapProbe.unreachable(bootstrapServers, REACH_TIMEOUT);
    if (refused != null) {
      throw unreachable(refused); // at once, where the client would retry until its timeout
    }
    Admin admin;
    try {
      admin = Admin.create(p);
    } catch (KafkaException e) {
      throw unreachable(rootMessage(e));
    }
    try {
      int brokers = brokers(admin);
      new TopicAdmin(admin, (short) (embedded != null ? 1 : Math.min(3, Math.max(1, brokers))))
          .create(Topics.ALL);
    } finally {
      admin.close(Duration.ZERO); // every call made was awaited: nothing to wait for
    }
  }

  /**
   * Asks the cluster for its brokers, failing in one line when none answers within {@link
   * #REACH_TIMEOUT}.
   */
  private int brokers(Admin admin) throws InterruptedException {
    try {
      return admin
          .describeCluster(new DescribeClusterOptions().timeoutMs((int) REACH_TIMEOUT.toMillis()))
          .nodes()
          .get()
          .size();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TimeoutException) {
        throw unreachable("no broker answered within " + REACH_TIMEOUT.toSeconds() + " s");
      }
      throw new StartupException(
          "Kafka at "
              + bootstrapServers
              + " refused Vigil: "
              + rootMessage(e)
              + " (check "
              + KafkaSettings.CLIENT_CONFIG.flag()
              + ": security.protocol, ssl.*, sasl.*)");
    }
  }

  private StartupException unreachable(String why) {
    return new StartupException(
        "Kafka unreachable at "
            + bootstrapServers
            + " (check "
            + KafkaSettings.BOOTSTRAP_SERVERS.flag()
            + "): "
            + why);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Client settings from {@code --kafka-config} (security and the like). */
  public Map<String, String> clientProperties() {
    return clientProperties;
  }

  /** The cluster, for the modules: bootstrap servers and client settings; pods by workload. */
  public KafkaSettings settings() {
    return settings(PodPartitioning.WORKLOAD);
  }

  /**
   * The cluster, for the modules, with {@code podPartitioning} ({@code kafka.pod-partitioning}).
   */
  public KafkaSettings settings(PodPartitioning podPartitioning) {
    return new KafkaSettings(bootstrapServers, clientProperties, podPartitioning);
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
}
