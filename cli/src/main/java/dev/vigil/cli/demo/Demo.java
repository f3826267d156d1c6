package dev.vigil.cli.demo;

import dev.vigil.cli.ops.OpsServer;
import dev.vigil.cli.run.ConsoleFeed;
import dev.vigil.cli.run.KafkaAccess;
import dev.vigil.cli.run.Lifecycle;
import dev.vigil.cli.run.StreamsRuntime;
import dev.vigil.ingest.app.IngestApp;
import dev.vigil.ingest.app.IngestPlan;
import dev.vigil.ingest.app.IngestSettings;
import dev.vigil.ingest.http.ReceiverSettings;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.streams.StreamsSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Runs the demo: everything real except the cluster, which is fabric8's mock API server. */
public final class Demo {

  /** What {@code vigil demo} was asked for. */
  public record Options(
      Duration duration, InetSocketAddress metricsListen, Path dataDir, Duration step) {}

  // Strong reference: java.util.logging forgets levels set on loggers nobody holds.
  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private Demo() {}

  /** Plays the demo until its duration ends or the JVM is asked to stop; returns the exit code. */
  public static int run(Options options, PrintWriter out) throws Exception {
    return run(options, out, new CountDownLatch(1), port -> {});
  }

  /**
   * Plays the demo until its duration ends, {@code stop} is counted down, or the JVM is asked to
   * stop. {@code metricsPort} hears the port of {@code /metrics} once it listens.
   */
  public static int run(
      Options options,
      PrintWriter out,
      CountDownLatch stop,
      java.util.function.IntConsumer metricsPort)
      throws Exception {
    MOCK_LOG.setLevel(Level.WARNING);
    long deadline =
        options.duration() == null
            ? Long.MAX_VALUE
            : System.nanoTime() + options.duration().toNanos();
    Path dir =
        options.dataDir() != null ? options.dataDir() : Files.createTempDirectory("vigil-demo-");
    boolean colour = System.console() != null;
    try (Lifecycle life = new Lifecycle(stop, out)) {
      if (options.dataDir() == null) {
        // Closed last (after the broker and Streams let go of their files), on SIGTERM too.
        life.add(() -> deleteRecursively(dir));
      }
      out.println(
          "vigil demo: files in "
              + dir.toAbsolutePath()
              + (options.dataDir() == null ? " (removed on exit)" : ""));
      PrometheusMeterRegistry registry = OpsServer.newRegistry();
      AtomicReference<IngestApp> ingestRef = new AtomicReference<>();
      AtomicReference<StreamsRuntime> streamsRef = new AtomicReference<>();
      // The operations port first: a port in use stops the demo at once, in one line.
      OpsServer ops =
          life.add(
              OpsServer.start(
                  options.metricsListen(),
                  "--metrics-listen",
                  registry,
                  () -> streamsRef.get() == null ? Map.of() : streamsRef.get().unhealthy(),
                  () -> {
                    if (ingestRef.get() == null || streamsRef.get() == null) {
                      return Map.of("vigil", "starting");
                    }
                    Map<String, String> notReady = new LinkedHashMap<>(ingestRef.get().notReady());
                    notReady.putAll(streamsRef.get().notReady());
                    return notReady;
                  }));
      DemoWorld world = DemoWorld.create(dir.resolve("world"));

      EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"));
      life.add(broker);
      KafkaAccess kafka = KafkaAccess.of(broker.bootstrapServers());
      kafka.createTopicsNow();
      out.println("kafka: " + broker.bootstrapServers() + " (embedded)");

      Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
      KubernetesMockServer mock =
          new KubernetesMockServer(
              new Context(),
              new MockWebServer(),
              responses,
              new KubernetesMixedDispatcher(responses),
              false);
      mock.init(InetAddress.getLoopbackAddress(), 0);
      life.add((AutoCloseable) mock::destroy);
      KubernetesClient kube = mock.createClient();
      life.add(kube);
      out.println(
          "kubernetes: mock API server at "
              + kube.getMasterUrl()
              + " (cluster "
              + DemoWorld.CLUSTER
              + ")");

      ReceiverSettings receiver =
          new ReceiverSettings(
              "127.0.0.1",
              0,
              world.certificate,
              world.privateKey,
              null,
              Set.of(world.token),
              Set.of(DemoWorld.CLUSTER),
              ReceiverSettings.DEFAULT_MAX_BODY_BYTES,
              ReceiverSettings.DEFAULT_DEDUP_WINDOW,
              4,
              false,
              null);
      IngestPlan plan =
          new IngestPlan(
              List.of(new IngestPlan.Watch(DemoWorld.CLUSTER, kube)),
              List.of(),
              receiver,
              new IngestSettings.Feeds(
                  world.policy,
                  null,
                  world.attestors,
                  "*",
                  world.attestations,
                  null,
                  Duration.ofSeconds(1),
                  null,
                  null));
      IngestApp ingest =
          IngestApp.start(plan, kafka.settings(), registry, registry::scrape, Clock.systemUTC());
      life.add(ingest);
      ingestRef.set(ingest);
      out.println(
          "ingest: watching the mock cluster; audit receiver on https://127.0.0.1:"
              + ingest.receiverPort());

      Map<String, String> overrides = new LinkedHashMap<>();
      overrides.put(StreamsSettings.APPLICATION_ID.key(), "vigil-demo");
      overrides.put(StreamsSettings.CORRELATION_SKEW.key(), "PT30S");
      overrides.put(StreamsSettings.FOLLOWUP_FLUSH_INTERVAL.key(), "PT1S");
      StreamsRuntime streams =
          StreamsRuntime.start(kafka, dir.resolve("streams-state"), overrides, registry);
      life.add(streams);
      streamsRef.set(streams);
      out.println("metrics: " + ops.metricsUrl());
      metricsPort.accept(ops.address().getPort());
      streams.awaitRunning(Duration.ofSeconds(120));
      life.add(ConsoleFeed.start(kafka, out, colour, registry, Duration.ofSeconds(15)));
      out.println("streams: running. The day begins.");
      out.flush();

      Thread script =
          new Thread(
              () -> {
                try {
                  new DemoScript(
                          world,
                          kube,
                          ingest.receiverPort(),
                          out,
                          options.step(),
                          colour,
                          kafka.bootstrapServers(),
                          kafka.clientProperties())
                      .play();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } catch (Exception e) {
                  out.println("the demo script failed: " + e);
                  out.flush();
                }
              },
              "vigil-demo-script");
      script.setDaemon(true);
      script.start();

      life.await(
          deadline == Long.MAX_VALUE
              ? null
              : Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      script.interrupt();
      return 0;
    } finally {
      out.println("vigil demo stopped.");
      out.flush();
    }
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
