package dev.vigil.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A replicated Apache Kafka cluster in KRaft mode, in this JVM: one controller-only node and {@code
 * n} brokers, each with its own data directory and loopback port, all of Kafka's own {@code
 * KafkaRaftServer}.
 *
 * <p>The controller is a node of its own so that stopping a broker (to test what a producer or
 * Kafka Streams does when a replica goes away) never costs the metadata quorum. Kafka's internal
 * topics (consumer offsets, transaction state, share state) are created with replication factor
 * {@code min(3, n)} and {@code min.insync.replicas} one less (at least 1), as a production cluster
 * has them; {@code default.replication.factor} is the same, on the brokers and on the controller
 * (which applies it in KRaft), so Kafka Streams' internal topics are replicated when Streams leaves
 * their replication factor to the cluster. Brokers keep their ports and data across {@link
 * #stopBroker}/{@link #startBroker}.
 *
 * <p>The brokers run in this JVM ({@link Brokers#IN_PROCESS}, the default) or each in a JVM of its
 * own ({@link Brokers#SEPARATE_JVMS}: Kafka's {@code kafka.Kafka} on this JVM's class path), where
 * {@link #killBroker} kills one with SIGKILL: no controlled shutdown, its leaderships move only
 * once the controller notices it is gone, and it recovers its logs when started again.
 */
public final class EmbeddedKafkaCluster implements KafkaCluster {

  /** The controller's node id, apart from the brokers' 1..n. */
  public static final int CONTROLLER_ID = 3000;

  /** Where the brokers run. */
  public enum Brokers {
    /** In this JVM; a broker can only be stopped with a controlled shutdown. */
    IN_PROCESS,
    /** Each in a JVM of its own, which {@link #killBroker} can kill with SIGKILL. */
    SEPARATE_JVMS
  }

  /** How long a broker may take to start and be unfenced. */
  static final Duration BROKER_START_TIMEOUT = Duration.ofMinutes(2);

  private final KafkaRaftServer controller;
  private final Map<Integer, Properties> brokerSettings;
  private final Brokers mode;
  private final Map<Integer, RunningBroker> running = new LinkedHashMap<>();

  private EmbeddedKafkaCluster(
      KafkaRaftServer controller, Map<Integer, Properties> brokerSettings, Brokers mode) {
    this.controller = controller;
    this.brokerSettings = brokerSettings;
    this.mode = mode;
  }

  /**
   * Starts a controller and {@code brokers} brokers in this JVM with their data under {@code dir};
   * returns once every broker is unfenced (ready for clients).
   */
  public static EmbeddedKafkaCluster start(Path dir, int brokers) {
    return start(dir, brokers, Brokers.IN_PROCESS);
  }

  /**
   * Starts a controller (in this JVM) and {@code brokers} brokers where {@code mode} says, with
   * their data under {@code dir}; returns once every broker is unfenced (ready for clients).
   */
  public static EmbeddedKafkaCluster start(Path dir, int brokers, Brokers mode) {
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
      cluster = new EmbeddedKafkaCluster(controller, settings, mode);
      // Brokers start side by side: each waits mostly for the controller to unfence it.
      EmbeddedKafkaCluster starting = cluster;
      try {
        eachAtOnce(settings.keySet(), starting::startBroker);
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

  /**
   * Stops broker {@code id} with a controlled shutdown (its partitions' leadership moves first).
   */
  public void stopBroker(int id) {
    RunningBroker broker = remove(id);
    if (broker != null) {
      broker.stop();
    }
  }

  /**
   * Kills broker {@code id} with SIGKILL (brokers in {@link Brokers#SEPARATE_JVMS} only): no
   * controlled shutdown, nothing flushed; returns once the process is gone.
   *
   * @throws UnsupportedOperationException when the brokers run in this JVM
   */
  public void killBroker(int id) {
    if (mode != Brokers.SEPARATE_JVMS) {
      throw new UnsupportedOperationException(
          "brokers run in this JVM and cannot be killed; start the cluster with "
              + "Brokers.SEPARATE_JVMS");
    }
    RunningBroker broker = remove(id);
    if (broker != null) {
      broker.kill();
    }
  }

  /** Takes broker {@code id} off the running ones; null if it was not running. */
  private synchronized RunningBroker remove(int id) {
    settings(id);
    return running.remove(id);
  }

  /** Starts broker {@code id} again on its port and data; returns once it is unfenced. */
  public void startBroker(int id) {
    Properties p = settings(id);
    synchronized (this) {
      if (running.containsKey(id)) {
        return;
      }
    }
    RunningBroker broker;
    if (mode == Brokers.SEPARATE_JVMS) {
      broker = BrokerProcess.start(id, p, address(id));
    } else {
      KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p), Time.SYSTEM);
      server.startup();
      broker = new InProcess(server);
    }
    synchronized (this) {
      running.put(id, broker);
    }
  }

  /**
   * Stops the brokers, then the controller. Brokers in this JVM get a controlled shutdown; brokers
   * in JVMs of their own are killed (SIGKILL, immediate: a closed cluster is not started again, and
   * a controlled shutdown of every broker at once took seconds each).
   */
  @Override
  public void close() {
    try {
      eachAtOnce(
          runningBrokers(), mode == Brokers.SEPARATE_JVMS ? this::killBroker : this::stopBroker);
    } catch (CompletionException e) {
      // best effort, as for a single broker
    }
    shutdown(controller);
  }

  /**
   * Runs {@code action} for every id at the same time, a thread each (the common pool runs one task
   * at a time on a 2-core machine), and waits for all.
   */
  private static void eachAtOnce(
      java.util.Collection<Integer> ids, java.util.function.IntConsumer action) {
    ExecutorService threads = Executors.newFixedThreadPool(Math.max(1, ids.size()));
    try {
      CompletableFuture.allOf(
              ids.stream()
                  .map(id -> CompletableFuture.runAsync(() -> action.accept(id), threads))
                  .toArray(CompletableFuture<?>[]::new))
          .join();
    } finally {
      threads.shutdown();
    }
  }

  private Properties settings(int id) {
    Properties p = brokerSettings.get(id);
    if (p == null) {
      throw new IllegalArgumentException(
          "no broker " + id + "; brokers are " + brokerSettings.keySet());
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

  /** A broker that runs, in this JVM or in its own. */
  private interface RunningBroker {
    /** Controlled shutdown; never throws. */
    void stop();

    /** SIGKILL. */
    void kill();
  }

  private record InProcess(KafkaRaftServer server) implements RunningBroker {

    @Override
    public void stop() {
      shutdown(server);
    }

    @Override
    public void kill() {
      throw new UnsupportedOperationException("a broker in this JVM cannot be killed");
    }
  }

  /**
   * A broker in its own JVM ({@link BrokerProcessMain}), its output appended to {@code broker.log}
   * next to its {@code server.properties}.
   */
  private record BrokerProcess(int id, Process process) implements RunningBroker {

    static BrokerProcess start(int id, Properties settings, String address) {
      Path brokerDir = Path.of(settings.getProperty("log.dirs")).getParent();
      List<String> command =
          new ArrayList<>(
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx512m",
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1"));
      String logging = System.getProperty("log4j2.configurationFile");
      if (logging != null) {
        command.add("-Dlog4j2.configurationFile=" + logging);
      }
      command.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              BrokerProcessMain.class.getName(),
              brokerDir.resolve("server.properties").toString()));
      Process p;
      try {
        p =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(brokerDir.resolve("broker.log").toFile()))
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start broker " + id, e);
      }
      BrokerProcess broker = new BrokerProcess(id, p);
      try {
        broker.awaitUnfenced(address);
      } catch (RuntimeException e) {
        broker.kill();
        throw e;
      }
      return broker;
    }

    /** Waits until the broker lists itself among the cluster's (unfenced) brokers. */
    private void awaitUnfenced(String address) {
      long deadline = System.nanoTime() + BROKER_START_TIMEOUT.toNanos();
      try (Admin admin =
          Admin.create(
              Map.of(
                  "bootstrap.servers",
                  address,
                  "request.timeout.ms",
                  5000,
                  "default.api.timeout.ms",
                  10000))) {
        while (System.nanoTime() < deadline) {
          if (!process.isAlive()) {
            throw new IllegalStateException(
                "broker "
                    + id
                    + " exited with "
                    + process.exitValue()
                    + " while starting; see broker.log in its directory");
          }
          try {
            if (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).stream()
                .map(Node::id)
                .anyMatch(n -> n == id)) {
              return;
            }
          } catch (ExecutionException | TimeoutException e) {
            // not listening yet, or not yet unfenced
          }
          Thread.sleep(200);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while broker " + id + " started", e);
      }
      throw new IllegalStateException("broker " + id + " not ready after " + BROKER_START_TIMEOUT);
    }

    /** SIGTERM: Kafka's controlled shutdown; SIGKILL if it takes over a minute. */
    @Override
    public void stop() {
      process.destroy();
      try {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }

    @Override
    public void kill() {
      process.destroyForcibly();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("broker " + id + " still runs 30 s after SIGKILL");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
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
