package dev.vigil.cli;

import dev.vigil.cli.config.Config;
import dev.vigil.cli.config.RunSettings;
import dev.vigil.cli.config.Setting;
import dev.vigil.cli.config.SettingOptions;
import dev.vigil.cli.ops.OpsServer;
import dev.vigil.cli.run.ConsoleFeed;
import dev.vigil.cli.run.IngestPlan;
import dev.vigil.cli.run.IngestRuntime;
import dev.vigil.cli.run.KafkaAccess;
import dev.vigil.cli.run.Lifecycle;
import dev.vigil.cli.run.StreamsRuntime;
import dev.vigil.schemas.Heartbeats;
import dev.vigil.streams.StreamsSettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
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
import picocli.CommandLine;

/**
 * {@code vigil run}, {@code vigil ingest} and {@code vigil streams}: the long-running processes.
 * They differ only in which parts they start.
 */
abstract class ServiceCommand implements Callable<Integer>, Vigil.HasSettings {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  abstract boolean runsIngest();

  abstract boolean runsStreams();

  @Override
  public abstract List<Setting<?>> settings();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Config config = SettingOptions.resolve(spec, settings(), System.getenv());
    KafkaAccess.requireChoice(config, embeddedAllowed());
    if (!config.foreignKeys().isEmpty()) {
      spec.commandLine().getErr().println("vigil " + spec.name() + ": config file: not reading " + config.foreignKeys()
          + " (settings of other vigil commands)");
      spec.commandLine().getErr().flush();
    }
    AtomicBoolean started = new AtomicBoolean();
    try (Lifecycle life = new Lifecycle(new CountDownLatch(1), spec.commandLine().getErr())) {
      PrometheusMeterRegistry registry = OpsServer.newRegistry();
      AtomicReference<IngestRuntime> ingest = new AtomicReference<>();
      AtomicReference<StreamsRuntime> streams = new AtomicReference<>();
      // The operations port first: a port in use stops start-up at once, and /readyz answers 503
      // (not "connection refused") while Kafka, the watchers and Streams are starting.
      OpsServer ops = life.add(OpsServer.start(config.require(RunSettings.METRICS_LISTEN),
          RunSettings.METRICS_LISTEN.flag(), registry,
          () -> streams.get() == null ? Map.of() : streams.get().unhealthy(),
          () -> started.get() ? readiness(ingest.get(), streams.get()) : Map.of("vigil", "starting")));
      // The clusters next (no kubeconfig, unreachable API server: one line, before Kafka is touched).
      IngestPlan plan = runsIngest() ? IngestPlan.from(config) : null;
      if (plan != null) {
        plan.watches().forEach(w -> life.add(w.client()));
      }
      KafkaAccess kafka = life.add(KafkaAccess.open(config, embeddedAllowed()));
      out.println("kafka: " + kafka.bootstrapServers() + (kafka.embedded() ? " (embedded, started by --embedded: one "
          + "broker, replication factor 1, data in " + config.require(RunSettings.DATA_DIR).resolve("kafka")
          .toAbsolutePath() + "; for development and trials only)" : ""));
      if (runsIngest()) {
        ingest.set(life.add(IngestRuntime.start(plan, kafka, registry, Clock.systemUTC())));
        out.println("ingest: " + ingest.get().watcherCount() + " cluster watcher(s)"
            + (ingest.get().receiverPort() > 0 ? ", audit receiver on https port " + ingest.get().receiverPort() : ""));
        // A heartbeat while ingest is ready (watchers synced, receiver up): the report's gaps (ADR 0092).
        Map<String, Object> client = new HashMap<>(kafka.clientProperties());
        client.put("bootstrap.servers", kafka.bootstrapServers());
        life.add(Heartbeats.start(client, "ingest", BuildInfo.current().version(), Heartbeats.DEFAULT_INTERVAL,
            () -> ingest.get().notReady().isEmpty()));
      }
      if (runsStreams()) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(StreamsSettings.Key.APPLICATION_ID.key(), config.require(RunSettings.APPLICATION_ID));
        overrides.put(StreamsSettings.Key.FULL_REEVALUATION_INTERVAL.key(),
            config.require(RunSettings.REEVALUATION_INTERVAL).toString());
        overrides.put(StreamsSettings.Key.CORRELATION_SKEW.key(), config.require(RunSettings.CORRELATION_SKEW).toString());
        overrides.put(StreamsSettings.Key.REPLICATION_FACTOR.key(),
            config.require(RunSettings.STREAMS_REPLICATION_FACTOR).toString());
        overrides.put(StreamsSettings.Key.SEVERITY_DECISIONS.key(), config.require(RunSettings.SEVERITY_DECISIONS));
        config.get(RunSettings.SEVERITY_NAMESPACES).ifPresent(v -> overrides.put(StreamsSettings.Key.SEVERITY_NAMESPACES.key(), v));
        config.get(RunSettings.SEVERITY_RULES).ifPresent(v -> overrides.put(StreamsSettings.Key.SEVERITY_RULES.key(), v));
        streams.set(life.add(StreamsRuntime.start(kafka, config.require(RunSettings.DATA_DIR).resolve("streams-state"),
            overrides, registry)));
      }
      out.println("metrics: http://" + ops.address().getHostString() + ":" + ops.address().getPort() + "/metrics");
      if (streams.get() != null && config.require(RunSettings.FEED)) {
        life.add(ConsoleFeed.start(kafka, out, System.console() != null, registry, Duration.ofSeconds(10)));
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

  /** Only {@code vigil run} may start the embedded broker, and only with {@code --embedded}. */
  boolean embeddedAllowed() {
    return false;
  }

  private static Map<String, String> readiness(IngestRuntime ingest, StreamsRuntime streams) {
    Map<String, String> notReady = new LinkedHashMap<>();
    if (ingest != null) {
      notReady.putAll(ingest.notReady());
    }
    if (streams != null) {
      notReady.putAll(streams.notReady());
    }
    return notReady;
  }

  @CommandLine.Command(name = "run", mixinStandardHelpOptions = true,
      description = "Run ingest and streams in one process (the main job). Needs --bootstrap-servers, or "
          + "--embedded for a one-broker Kafka inside the process (development and trials).")
  static final class Run extends ServiceCommand {
    @Override
    boolean embeddedAllowed() {
      return true;
    }

    boolean runsIngest() {
      return true;
    }

    boolean runsStreams() {
      return true;
    }

    public List<Setting<?>> settings() {
      return RunSettings.run();
    }
  }

  @CommandLine.Command(name = "ingest", mixinStandardHelpOptions = true, description = "Run only ingest: cluster watchers, audit receiver, feeds.")
  static final class Ingest extends ServiceCommand {
    boolean runsIngest() {
      return true;
    }

    boolean runsStreams() {
      return false;
    }

    public List<Setting<?>> settings() {
      return RunSettings.ingest();
    }
  }

  @CommandLine.Command(name = "streams", mixinStandardHelpOptions = true, description = "Run only streams: continuous validation and follow-ups.")
  static final class Streams extends ServiceCommand {
    boolean runsIngest() {
      return false;
    }

    boolean runsStreams() {
      return true;
    }

    public List<Setting<?>> settings() {
      return RunSettings.streams();
    }
  }
}
