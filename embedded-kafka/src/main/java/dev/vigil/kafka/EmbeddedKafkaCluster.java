package dev.vigil.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A replicated Apache Kafka cluster in KRaft mode, in this JVM: one controller-only node and
 * {@code n} brokers, each with its own data directory and loopback port, all of Kafka's own {@code
 * KafkaRaftServer}.
 *
 * <p>The controller is a node of its own so that stopping a broker (to test what a producer or
 * Kafka Streams does when a replica goes away) never costs the metadata quorum. Kafka's internal
 * topics (consumer offsets, transaction state, share state) are created with replication factor
 * {@code min(3, n)} and {@code min.insync.replicas} one less (at least 1), as a production cluster
 * has them; {@code default.replication.factor} is the same, on the brokers and on the controller
 * (which applies it in KRaft), so Kafka Streams' internal topics are replicated when Streams
 * leaves their replication factor to the cluster. Brokers keep their ports
 * and data across {@link #stopBroker}/{@link #startBroker}.
 */
public final class EmbeddedKafkaCluster implements KafkaCluster {

  /** The controller's node id, apart from the brokers' 1..n. */
  public static final int CONTROLLER_ID = 3000;

  private final KafkaRaftServer controller;
  private final Map<Integer, Properties> brokerSettings;
  private final Map<Integer, KafkaRaftServer> running = new LinkedHashMap<>();

  private EmbeddedKafkaCluster(KafkaRaftServer controller, Map<Integer, Properties> brokerSettings) {
    this.controller = controller;
    this.brokerSettings = brokerSettings;
  }

  /**
   * Starts a controller and {@code brokers} brokers with their data under {@code dir}; returns once
   * every broker is unfenced (ready for clients).
   */
  public static EmbeddedKafkaCluster start(Path dir, int brokers) {
    if (brokers < 1) {
      throw new IllegalArgumentException("a cluster needs at least one broker, not " + brokers);
    }
    String clusterId = Uuid.randomUuid().toString();
    int replication = Math.min(3, brokers);
    String minIsr = String.valueOf(Math.max(1, replication - 1));
    KafkaRaftServer controller = null;
    EmbeddedKafkaCluster cluster = null;
    try {
      int controllerPort = EmbeddedKafka.freePort();
      String quorum = "127.0.0.1:" + controllerPort;

      Path controllerDir = dir.resolve("controller");
      Files.createDirectories(controllerDir);
      Properties c = EmbeddedKafka.commonSettings();
      c.put("process.roles", "controller");
      c.put("node.id", String.valueOf(CONTROLLER_ID));
      c.put("controller.quorum.bootstrap.servers", quorum);
      c.put("listeners", "CONTROLLER://" + quorum);
      c.put("log.dirs", controllerDir.resolve("data").toString());
      // In KRaft the controller creates topics: a CreateTopics without a replication factor or
      // partition count (Kafka Streams' internal topics with replication.factor -1) gets the
      // controller's defaults, not the brokers'.
      c.put("default.replication.factor", String.valueOf(replication));
      c.put("num.partitions", "1");
      EmbeddedKafka.format(controllerDir, c, clusterId, "--standalone");
      controller = new KafkaRaftServer(KafkaConfig.fromProps(c), Time.SYSTEM);
      controller.startup();

      Map<Integer, Properties> settings = new LinkedHashMap<>();
      for (int id = 1; id <= brokers; id++) {
        Path brokerDir = dir.resolve("broker-" + id);
        Files.createDirectories(brokerDir);
        int port = EmbeddedKafka.freePort();
        Properties b = EmbeddedKafka.commonSettings();
        b.put("process.roles", "broker");
        b.put("node.id", String.valueOf(id));
        b.put("controller.quorum.bootstrap.servers", quorum);
        b.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
        b.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        b.put("inter.broker.listener.name", "PLAINTEXT");
        b.put("log.dirs", brokerDir.resolve("data").toString());
        b.put("num.partitions", "1");
        b.put("default.replication.factor", String.valueOf(replication));
        b.put("offsets.topic.replication.factor", String.valueOf(replication));
        b.put("offsets.topic.num.partitions", "4");
        b.put("transaction.state.log.replication.factor", String.valueOf(replication));
        b.put("transaction.state.log.min.isr", minIsr);
        b.put("transaction.state.log.num.partitions", "4");
        b.put("share.coordinator.state.topic.replication.factor", String.valueOf(replication));
        b.put("share.coordinator.state.topic.min.isr", minIsr);
        b.put("group.initial.rebalance.delay.ms", "0");
        b.put("auto.create.topics.enable", "false");
        // A stopped broker's replicas leave the ISR at once (controlled shutdown); a follower that
        // stops fetching leaves it after this long.
        b.put("replica.lag.time.max.ms", "10000");
        EmbeddedKafka.format(brokerDir, b, clusterId);
        settings.put(id, b);
      }
      cluster = new EmbeddedKafkaCluster(controller, settings);
      // Brokers start side by side: each waits mostly for the controller to unfence it.
      EmbeddedKafkaCluster starting = cluster;
      List<CompletableFuture<Void>> started = new ArrayList<>();
      for (int id : settings.keySet()) {
        started.add(CompletableFuture.runAsync(() -> starting.startBroker(id)));
      }
      try {
        CompletableFuture.allOf(started.toArray(new CompletableFuture<?>[0])).join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
      return cluster;
    } catch (IOException e) {
      closeQuietly(cluster, controller);
      throw new UncheckedIOException("cannot prepare Kafka data directories under " + dir, e);
    } catch (RuntimeException e) {
      closeQuietly(cluster, controller);
      throw e;
    }
  }

  /** The running brokers' addresses, comma-separated. */
  @Override
  public synchronized String bootstrapServers() {
    return running.keySet().stream().map(this::address).collect(Collectors.joining(","));
  }

  /** {@code 127.0.0.1:port} of broker {@code id}, running or not. */
  public String address(int id) {
    return settings(id).getProperty("advertised.listeners").substring("PLAINTEXT://".length());
  }

  /** Ids of every broker, 1..n. */
  public List<Integer> brokerIds() {
    return List.copyOf(brokerSettings.keySet());
  }

  /** Ids of the brokers running now. */
  public synchronized List<Integer> runningBrokers() {
    return new ArrayList<>(running.keySet());
  }

  /** Stops broker {@code id} with a controlled shutdown (its partitions' leadership moves first). */
  public void stopBroker(int id) {
    KafkaRaftServer server;
    synchronized (this) {
      settings(id);
      server = running.remove(id);
    }
    if (server != null) {
      shutdown(server);
    }
  }

  /** Starts broker {@code id} again on its port and data; returns once it is unfenced. */
  public void startBroker(int id) {
    Properties p = settings(id);
    synchronized (this) {
      if (running.containsKey(id)) {
        return;
      }
    }
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p), Time.SYSTEM);
    server.startup();
    synchronized (this) {
      running.put(id, server);
    }
  }

  @Override
  public void close() {
    List<Integer> ids = runningBrokers();
    CompletableFuture.allOf(ids.stream()
        .map(id -> CompletableFuture.runAsync(() -> stopBroker(id)))
        .toArray(CompletableFuture<?>[]::new)).join();
    shutdown(controller);
  }

  private Properties settings(int id) {
    Properties p = brokerSettings.get(id);
    if (p == null) {
      throw new IllegalArgumentException("no broker " + id + "; brokers are " + brokerSettings.keySet());
    }
    return p;
  }

  private static void closeQuietly(EmbeddedKafkaCluster cluster, KafkaRaftServer controller) {
    if (cluster != null) {
      cluster.close();
    } else if (controller != null) {
      shutdown(controller);
    }
  }

  private static void shutdown(KafkaRaftServer server) {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      // Best effort, as for a single broker.
    }
  }
}
