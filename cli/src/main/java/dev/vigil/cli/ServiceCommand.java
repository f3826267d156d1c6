package dev.vigil.cli;

import dev.vigil.cli.config.CommandSettings;
import dev.vigil.cli.config.Config;
import dev.vigil.cli.config.ConfigException;
import dev.vigil.cli.config.ProcessSettings;
import dev.vigil.cli.config.SettingOptions;
import dev.vigil.cli.ops.OpsServer;
import dev.vigil.cli.run.ConsoleFeed;
import dev.vigil.cli.run.KafkaAccess;
import dev.vigil.cli.run.Lifecycle;
import dev.vigil.cli.run.PolicyReportsRuntime;
import dev.vigil.cli.run.StreamsRuntime;
import dev.vigil.ingest.app.IngestApp;
import dev.vigil.ingest.app.IngestPlan;
import dev.vigil.ingest.app.IngestSettings;
import dev.vigil.policyreports.PolicyReportSettings;
import dev.vigil.policyreports.PolicyReportsApp;
import dev.vigil.schemas.Heartbeats;
import dev.vigil.schemas.settings.KafkaSettings;
import dev.vigil.schemas.settings.Setting;
import dev.vigil.streams.StreamsSettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * {@code vigil run}, {@code vigil ingest} and {@code vigil streams}: the long-running processes.
 * They differ only in which parts they start. Each part reads its own declared settings ({@link
 * IngestSettings}, {@link StreamsSettings}) from the resolved configuration; this class only starts
 * them in order.
 */
abstract class ServiceCommand implements Callable<Integer>, Vigil.HasSettings {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final boolean withIngest;
  private final boolean withStreams;
  private final boolean embeddedAllowed;
  private final Supplier<List<Setting<?>>> declared;

  /**
   * @param ingest whether it runs ingest (and, with {@code --policy-reports}, the PolicyReports
   *     beside its watchers)
   * @param streams whether it runs streams
   * @param embeddedAllowed whether it may start the embedded broker ({@code --embedded})
   * @param settings the settings it reads
   */
  ServiceCommand(
      boolean ingest,
      boolean streams,
      boolean embeddedAllowed,
      Supplier<List<Setting<?>>> settings) {
    this.withIngest = ingest;
    this.withStreams = streams;
    this.embeddedAllowed = embeddedAllowed;
    this.declared = settings;
  }

  boolean runsIngest() {
    return withIngest;
  }

  boolean runsStreams() {
    return withStreams;
  }

  @Override
  public List<Setting<?>> settings() {
    return declared.get();
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Config config = SettingOptions.resolve(spec, settings(), System.getenv());
    boolean embedded = KafkaAccess.requireChoice(config, embeddedAllowed());
    // Every setting is read and checked before anything starts: a bad value or a contradiction
    // stops start-up in one line (exit 2) before a cluster or Kafka is touched.
    KafkaSettings configured = embedded ? null : KafkaSettings.from(config);
    IngestSettings ingestSettings = runsIngest() ? IngestSettings.from(config) : null;
    if (runsStreams() && configured != null) {
      streamsSettings(config, configured.bootstrapServers())
          .rejectOverrides(configured.clientProperties());
    }
    if (!config.foreignKeys().isEmpty()) {
      spec.commandLine()
          .getErr()
          .println(
              "vigil "
                  + spec.name()
                  + ": config file: not reading "
                  + config.foreignKeys()
                  + " (settings of other vigil commands)");
      spec.commandLine().getErr().flush();
    }
    AtomicBoolean started = new AtomicBoolean();
    try (Lifecycle life = new Lifecycle(new CountDownLatch(1), spec.commandLine().getErr())) {
      PrometheusMeterRegistry registry = OpsServer.newRegistry();
      AtomicReference<IngestApp> ingest = new AtomicReference<>();
      AtomicReference<StreamsRuntime> streams = new AtomicReference<>();
      AtomicReference<PolicyReportsApp> reports = new AtomicReference<>();
      // The operations port first: a port in use stops start-up at once, and /readyz answers 503
      // (not "connection refused") while Kafka, the watchers and Streams are starting.
      OpsServer ops =
          life.add(
              OpsServer.start(
                  config.require(ProcessSettings.METRICS_LISTEN),
                  ProcessSettings.METRICS_LISTEN.flag(),
                  registry,
                  () -> unhealthy(streams.get(), reports.get()),
                  () ->
                      started.get()
                          ? readiness(ingest.get(), streams.get())
                          : Map.of("vigil", "starting")));
      // The clusters next (no kubeconfig, unreachable API server: one line, before Kafka is
      // touched).
      IngestPlan plan = runsIngest() ? IngestPlan.connect(ingestSettings) : null;
      if (plan != null) {
        plan.watches().forEach(w -> life.add(w.client()));
      }
      if (runsPolicyReports(config) && (plan == null || plan.watches().isEmpty())) {
        throw new ConfigException(
            PolicyReportSettings.ENABLED.flag()
                + " writes to the watched clusters: it needs "
                + IngestSettings.WATCH.flag()
                + " true");
      }
      Path brokerDir = embedded ? config.require(ProcessSettings.DATA_DIR).resolve("kafka") : null;
      KafkaAccess kafka =
          life.add(
              embedded
                  ? KafkaAccess.embedded(brokerDir, config.require(ProcessSettings.EMBEDDED_PORT))
                  : KafkaAccess.open(configured));
      out.println(
          "kafka: "
              + kafka.bootstrapServers()
              + (embedded
                  ? " (embedded, started by --embedded: one "
                      + "broker, replication factor 1, data in "
                      + brokerDir.toAbsolutePath()
                      + "; for development and trials only)"
                  : ""));
      if (runsIngest()) {
        ingest.set(
            life.add(
                IngestApp.start(
                    plan,
                    kafka.settings(config.require(KafkaSettings.POD_PARTITIONING)),
                    registry,
                    registry::scrape,
                    Clock.systemUTC())));
        out.println(
            "ingest: "
                + ingest.get().watcherCount()
                + " cluster watcher(s)"
                + (ingest.get().receiverPort() > 0
                    ? ", audit receiver on https port " + ingest.get().receiverPort()
                    : ""));
        // A heartbeat while ingest is ready (watchers synced, receiver up): the report's gaps (ADR
        // 0092).
        Map<String, Object> client = new HashMap<>(kafka.clientProperties());
        client.put("bootstrap.servers", kafka.bootstrapServers());
        life.add(
            Heartbeats.start(
                client,
                "ingest",
                BuildInfo.current().version(),
                Heartbeats.DEFAULT_INTERVAL,
                () -> ingest.get().notReady().isEmpty()));
      }
      if (runsStreams()) {
        streams.set(
            life.add(
                StreamsRuntime.start(
                    kafka, streamsSettings(config, kafka.bootstrapServers()), registry)));
      }
      if (runsPolicyReports(config)) {
        // Kafka Streams state under the data directory where the command keeps one; else (vigil
        // ingest)
        // a fresh directory, filled again from the changelog at each start.
        Path stateDir;
        if (settings().contains(ProcessSettings.DATA_DIR)) {
          stateDir = config.require(ProcessSettings.DATA_DIR).resolve("policy-reports-state");
        } else {
          Path temporary = Files.createTempDirectory("vigil-policy-reports-");
          life.add(
              () -> deleteTree(temporary)); // closed after the application, which is added next
          stateDir = temporary;
        }
        int replication =
            settings().contains(StreamsSettings.REPLICATION_FACTOR)
                ? config.require(StreamsSettings.REPLICATION_FACTOR)
                : -1;
        reports.set(
            life.add(
                PolicyReportsRuntime.start(
                    PolicyReportSettings.from(
                        config, kafka.bootstrapServers(), stateDir, replication),
                    plan,
                    kafka,
                    registry)));
        out.println(
            "policy-reports: one PolicyReport per namespace in each of "
                + plan.watches().size()
                + " watched cluster(s)");
      }
      out.println("metrics: " + ops.metricsUrl());
      if (streams.get() != null && config.require(ProcessSettings.FEED)) {
        life.add(
            ConsoleFeed.start(
                kafka, out, System.console() != null, registry, Duration.ofSeconds(10)));
      }
      started.set(true);
      out.println("vigil " + spec.name() + " is running; Ctrl-C (SIGTERM) stops it.");
      out.flush();
      life.await(null);
      out.println("vigil " + spec.name() + " stopping.");
      out.flush();
      return 0;
    } finally {
      if (started.get()) { // a failed start-up says so in one line on stderr, nothing more
        out.println("vigil " + spec.name() + " stopped.");
        out.flush();
      }
    }
  }

  /** The streams settings of the configuration; the state lives under the data directory. */
  static StreamsSettings streamsSettings(Config config, String bootstrapServers) {
    return StreamsSettings.from(
        config,
        bootstrapServers,
        config.require(ProcessSettings.DATA_DIR).resolve("streams-state"));
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Whether this command writes PolicyReports: {@code vigil run|ingest --policy-reports}. */
  boolean runsPolicyReports(Config config) {
    return withIngest && config.require(PolicyReportSettings.ENABLED);
  }

  /** Only {@code vigil run} may start the embedded broker, and only with {@code --embedded}. */
  boolean embeddedAllowed() {
    return embeddedAllowed;
  }

  private static Map<String, String> unhealthy(StreamsRuntime streams, PolicyReportsApp reports) {
    return merged(
        streams == null ? null : streams.unhealthy(), reports == null ? null : reports.unhealthy());
  }

  private static Map<String, String> readiness(IngestApp ingest, StreamsRuntime streams) {
    return merged(
        ingest == null ? null : ingest.notReady(), streams == null ? null : streams.notReady());
  }

  /** The reasons of the parts that run ({@code null}: the part does not run here). */
  @SafeVarargs
  private static Map<String, String> merged(Map<String, String>... parts) {
    Map<String, String> all = new LinkedHashMap<>();
    for (Map<String, String> p : parts) {
      if (p != null) {
        all.putAll(p);
      }
    }
    return all;
  }

  @CommandLine.Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description =
          "Run ingest and streams in one process (the main job). Needs --bootstrap-servers, or "
              + "--embedded for a one-broker Kafka inside the process (development and trials).")
  static final class Run extends ServiceCommand {
    Run() {
      super(true, true, true, CommandSettings::run);
    }
  }

  @CommandLine.Command(
      name = "ingest",
      mixinStandardHelpOptions = true,
      description = "Run only ingest: cluster watchers, audit receiver, feeds.")
  static final class Ingest extends ServiceCommand {
    Ingest() {
      super(true, false, false, CommandSettings::ingest);
    }
  }

  @CommandLine.Command(
      name = "streams",
      mixinStandardHelpOptions = true,
      description = "Run only streams: continuous validation and follow-ups.")
  static final class Streams extends ServiceCommand {
    Streams() {
      super(false, true, false, CommandSettings::streams);
    }
  }
}
