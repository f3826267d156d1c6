package dev.vigil.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real Apache Kafka broker in KRaft mode (combined broker and controller), running in this JVM.
 *
 * <p>It formats its storage with Kafka's own {@code StorageTool} and starts Kafka's own {@code
 * KafkaRaftServer}: no fake, no Docker. Settings are those a single broker needs for idempotent
 * producers, transactions and exactly-once Streams (replication factor 1 for the internal topics),
 * with the log cleaner's dedupe buffer cut from 128 MiB to 4 MiB so that it fits small heaps. Data
 * stays in the directory given; nothing is deleted on close.
 */
public final class EmbeddedKafka implements KafkaCluster {

  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private final Path dataDir;

  private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers, Path dataDir) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    this.dataDir = dataDir;
  }

  /** Starts a broker on free loopback ports with its data under {@code dataDir}. */
  public static EmbeddedKafka start(Path dataDir) {
    return start(dataDir, 0, Map.of());
  }

  /**
   * Starts a broker with its data under {@code dataDir}.
   *
   * @param port the client port on 127.0.0.1, or 0 for a free one
   * @param overrides broker settings that replace the defaults
   */
  public static EmbeddedKafka start(Path dataDir, int port, Map<String, String> overrides) {
    try {
      Files.createDirectories(dataDir);
      int clientPort = port == 0 ? freePort() : port;
      int controllerPort = freePort();
      Properties p = commonSettings();
      p.put("process.roles", "broker,controller");
      p.put("node.id", "1");
      p.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
      p.put(
          "listeners",
          "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
      p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
      p.put("inter.broker.listener.name", "PLAINTEXT");
      p.put("log.dirs", dataDir.resolve("data").toString());
      p.put("num.partitions", "1");
      p.put("offsets.topic.replication.factor", "1");
      p.put("offsets.topic.num.partitions", "4");
      p.put("transaction.state.log.replication.factor", "1");
      p.put("transaction.state.log.min.isr", "1");
      p.put("transaction.state.log.num.partitions", "4");
      p.put("share.coordinator.state.topic.replication.factor", "1");
      p.put("share.coordinator.state.topic.min.isr", "1");
      p.put("group.initial.rebalance.delay.ms", "0");
      p.put("auto.create.topics.enable", "false");
      p.putAll(overrides);

      format(dataDir, p, Uuid.randomUuid().toString(), "--standalone");
      KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p), Time.SYSTEM);
      server.startup();
      return new EmbeddedKafka(server, "127.0.0.1:" + clientPort, dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare Kafka data directory " + dataDir, e);
    }
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Where the broker keeps its logs and metadata. */
  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      // Shutting down is best effort; the JVM may be exiting.
    }
  }

  /**
   * Writes {@code p} to {@code dir/server.properties} and formats the node's storage with Kafka's
   * {@code StorageTool} unless {@code dir/data} is formatted already (a restart keeps its data).
   */
  static void format(Path dir, Properties p, String clusterId, String... extraArgs)
      throws IOException {
    Path config = dir.resolve("server.properties");
    try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
      p.store(w, "written by Vigil's embedded broker");
    }
    if (Files.exists(Path.of(p.getProperty("log.dirs")).resolve("meta.properties"))) {
      return;
    }
    String[] args = new String[5 + extraArgs.length];
    args[0] = "format";
    args[1] = "-t";
    args[2] = clusterId;
    args[3] = "-c";
    args[4] = config.toString();
    System.arraycopy(extraArgs, 0, args, 5, extraArgs.length);
    int rc = StorageTool.execute(args, new PrintStream(OutputStream.nullOutputStream()));
    if (rc != 0) {
      throw new IllegalStateException("formatting Kafka storage in " + dir + " failed: rc " + rc);
    }
  }

  /** Settings every embedded node shares: plain loopback listeners, a small log-cleaner buffer. */
  static Properties commonSettings() {
    Properties p = new Properties();
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
    return p;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
