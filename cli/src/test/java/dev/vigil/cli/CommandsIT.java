package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.schemas.Heartbeat;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Commands explain themselves: help for every command, and one line (no stack trace) saying what
 * was tried and what to do when Kafka, the cluster or a port is not there.
 */
class CommandsIT {

  @TempDir Path dir;

  @Test
  void everyCommandPrintsItsHelp() {
    List<String> problems = new ArrayList<>();
    for (String name : new CommandLine(new Vigil()).getSubcommands().keySet()) {
      VigilRun run = vigil(name, "--help");
      if (run.code() != 0 || !run.out().contains("Usage: vigil " + name)) {
        problems.add(name + ": exit " + run.code() + ", " + run.err().strip());
      }
    }

    assertEquals(List.of(), problems);
  }

  @Test
  void runWithoutKafkaStopsAtOnceSayingHowToGiveIt() {
    VigilRun none = vigil("run", "--metrics-listen", "127.0.0.1:0");
    VigilRun both = vigil("run", "--embedded", "--bootstrap-servers", "127.0.0.1:9092");
    VigilRun ingest = vigil("ingest", "--embedded");

    assertEquals(2, none.code());
    assertEquals(
        "vigil run: no Kafka: give --bootstrap-servers HOST:PORT (or VIGIL_BOOTSTRAP_SERVERS), or "
            + "--embedded for a one-broker Kafka inside this process (development only)",
        none.err().strip());
    assertEquals(2, both.code());
    assertTrue(
        both.err().contains("--embedded and --bootstrap-servers exclude each other"), both.err());
    assertEquals(2, ingest.code(), "only vigil run may start an embedded broker");
  }

  @Test
  void runEmbeddedSaysSoWhenItStarts() throws Exception {
    try (VigilProcess run =
        VigilProcess.start(
            List.of(
                "run",
                "--embedded",
                "--embedded-port",
                "0",
                "--watch",
                "false",
                "--data-dir",
                dir.resolve("data").toString(),
                "--metrics-listen",
                "127.0.0.1:0",
                "--feed",
                "false"),
            Map.of(),
            home())) {
      run.awaitReady(Duration.ofSeconds(180));

      assertTrue(
          run.out()
              .contains(
                  "(embedded, started by --embedded: one broker, replication factor 1, data in "),
          run.out());
      // ingest and streams both write heartbeats, which the report's "When Vigil was down" is made
      // of
      Matcher m = Pattern.compile("kafka: (\\S+) \\(embedded").matcher(run.out());
      assertTrue(m.find(), run.out());
      assertEquals(
          Set.of("ingest", "streams"), heartbeatComponents(m.group(1), Duration.ofSeconds(60)));
      assertEquals(0, run.stop(), run.err());
    }
  }

  /**
   * The components of the heartbeats on {@code vigil.heartbeats}, once both wrote one (or the time
   * is up).
   */
  private static Set<String> heartbeatComponents(String bootstrap, Duration timeout) {
    Set<String> seen = new TreeSet<>();
    try (var consumer =
        new KafkaConsumer<String, byte[]>(
            Map.of("bootstrap.servers", bootstrap),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      var partition = new TopicPartition(Topics.HEARTBEATS.name(), 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (seen.size() < 2 && System.nanoTime() < deadline) {
        for (var r : consumer.poll(Duration.ofMillis(500))) {
          seen.add(Json.read(r.value(), Heartbeat.class).component());
        }
      }
    }
    return seen;
  }

  @Test
  void unreachableKafkaIsOneLineWithinAboutTenSeconds() {
    long start = System.nanoTime();
    VigilRun run =
        vigil(
            "ingest",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--watch",
            "false",
            "--metrics-listen",
            "127.0.0.1:0");
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertEquals(1, run.code());
    assertEquals(
        "vigil ingest: Kafka unreachable at 127.0.0.1:1 (check --bootstrap-servers): 127.0.0.1:1: "
            + "connection refused, nothing listens there",
        run.err().strip());
    assertEquals("", run.out(), "nothing else");
    // The user-visible bound of issue 21: "within about 10 s". A refused address is known at once
    // (a
    // TCP probe before the Kafka client, which would retry until its 8 s timeout): about 1 s on a
    // quiet
    // machine, so 10 s leaves a loaded 2-core machine room. Before: 60 s, then 16.5 s under load.
    assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "took " + took);
  }

  @Test
  void noKubeconfigSaysWhatWasLookedForAndWhatToDo() throws Exception {
    String err =
        oneLineFailure(
            List.of(
                "ingest", "--bootstrap-servers", "127.0.0.1:1", "--metrics-listen", "127.0.0.1:0"),
            Map.of());

    assertTrue(
        err.startsWith(
            "vigil ingest: no Kubernetes cluster to watch: no kubeconfig (KUBECONFIG unset, "
                + "looked at "
                + home().resolve(".kube/config")
                + ") and not in a cluster"),
        err);
    for (String hint :
        List.of("KUBERNETES_SERVICE_HOST", "--context NAME", "--watch false", "vigil demo")) {
      assertTrue(err.contains(hint), hint + " in " + err);
    }
  }

  @Test
  void unreachableClusterNamesTheContextAndTheApiServer() throws Exception {
    Path kubeconfig = kubeconfig("nowhere", "https://127.0.0.1:1");

    String err =
        oneLineFailure(
            List.of(
                "ingest", "--bootstrap-servers", "127.0.0.1:1", "--metrics-listen", "127.0.0.1:0"),
            Map.of("KUBECONFIG", kubeconfig.toString()));

    assertTrue(
        err.startsWith(
            "vigil ingest: cannot reach the Kubernetes API server https://127.0.0.1:1/ "
                + "(context nowhere): "),
        err);
    assertTrue(err.endsWith("check the context, or --watch false for audit-only"), err);
  }

  @Test
  void unknownContextIsNamedWithTheKubeconfigItWasLookedFor() throws Exception {
    Path kubeconfig = kubeconfig("real", "https://127.0.0.1:1");

    String err =
        oneLineFailure(
            List.of(
                "ingest",
                "--context",
                "typo",
                "--bootstrap-servers",
                "127.0.0.1:1",
                "--metrics-listen",
                "127.0.0.1:0"),
            Map.of("KUBECONFIG", kubeconfig.toString()));

    assertTrue(
        err.startsWith(
            "vigil ingest: context typo is not in the kubeconfig ("
                + kubeconfig
                + "): give "
                + "--context NAME"),
        err);
  }

  @Test
  void refusedCredentialsNameTheContextTheApiServerAndTheStatus() throws Exception {
    HttpServer api =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    api.createContext(
        "/",
        ex -> {
          byte[] body =
              "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Unauthorized\",\"code\":401}"
                  .getBytes();
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(401, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    api.start();
    try {
      String server = "http://127.0.0.1:" + api.getAddress().getPort();
      Path kubeconfig = kubeconfig("expired", server);

      String err =
          oneLineFailure(
              List.of("run", "--embedded", "--metrics-listen", "127.0.0.1:0"),
              Map.of("KUBECONFIG", kubeconfig.toString()));

      assertTrue(
          err.startsWith(
              "vigil run: the Kubernetes API server "
                  + server
                  + "/ (context expired) refused to "
                  + "list pods: HTTP 401"),
          err);
    } finally {
      api.stop(0);
    }
  }

  @Test
  void policyReportsWithoutWatchedClustersStopsStartUpNamingTheFlags() {
    VigilRun run =
        vigil(
            "ingest",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--watch",
            "false",
            "--policy-reports",
            "--metrics-listen",
            "127.0.0.1:0");

    assertEquals(2, run.code());
    assertEquals(
        "vigil ingest: --policy-reports writes to the watched clusters: it needs --watch true",
        run.err().strip());
  }

  @Test
  void portInUseNamesThePortAndTheFlag() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + taken.getLocalPort();

      VigilRun run =
          vigil(
              "ingest",
              "--bootstrap-servers",
              "127.0.0.1:1",
              "--watch",
              "false",
              "--metrics-listen",
              address);

      assertEquals(2, run.code());
      assertEquals(
          "vigil ingest: "
              + address
              + " is in use (or not an address of this machine): choose another "
              + "with --metrics-listen HOST:PORT",
          run.err().strip());
    }
  }

  @Test
  void demoOnATakenPortSaysSoAndLeavesNoTemporaryDirectory() throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        VigilProcess demo =
            VigilProcess.start(
                List.of("demo", "--metrics-listen", "127.0.0.1:" + taken.getLocalPort()),
                Map.of(),
                home(),
                "-Djava.io.tmpdir=" + tmp)) {
      int code = demo.awaitExit(Duration.ofSeconds(60));

      assertEquals(2, code, demo.err());
      assertTrue(
          demo.err()
              .strip()
              .endsWith(
                  "is in use (or not an address of this machine): choose another with "
                      + "--metrics-listen HOST:PORT"),
          demo.err());
      assertFalse(demo.err().contains("\tat "), demo.err());
    }
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(
          List.of(),
          left.filter(p -> p.getFileName().toString().startsWith("vigil-demo-")).toList());
    }
  }

  @Test
  void demoRemovesItsTemporaryDirectoryWhenItEnds() throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    try (VigilProcess demo =
        VigilProcess.start(
            List.of("demo", "--duration", "1s", "--metrics-listen", "127.0.0.1:0"),
            Map.of(),
            home(),
            "-Djava.io.tmpdir=" + tmp)) {
      String files =
          demo.awaitOut(
              "vigil demo: files in (\\S+) \\(removed on exit\\)", Duration.ofSeconds(60));
      int code = demo.awaitExit(Duration.ofSeconds(240));

      assertEquals(0, code, demo.err());
      assertTrue(files.startsWith(tmp.toString()), files);
      assertFalse(Files.exists(Path.of(files)), files + " left behind");
    }
  }

  /**
   * Runs vigil in its own JVM (own home, no kubeconfig unless given); it must fail at start-up with
   * one line.
   */
  private String oneLineFailure(List<String> args, Map<String, String> env) throws Exception {
    try (VigilProcess p = VigilProcess.start(args, env, home())) {
      int code = p.awaitExit(Duration.ofSeconds(60));
      List<String> lines = p.err().lines().filter(l -> l.startsWith("vigil ")).toList();

      assertEquals(1, code, p.err());
      assertFalse(p.err().contains("\tat "), "no stack trace: " + p.err());
      assertEquals(1, lines.size(), p.err());
      return lines.get(0);
    }
  }

  private Path home() throws Exception {
    return Files.createDirectories(dir.resolve("home"));
  }

  private Path kubeconfig(String context, String server) throws Exception {
    Path f = dir.resolve(context + ".kubeconfig");
    Files.writeString(
        f,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
        users: [{name: u, user: {token: stale}}]
        contexts: [{name: %s, context: {cluster: c, user: u}}]
        current-context: %s
        """
            .formatted(server, context, context));
    return f;
  }
}
