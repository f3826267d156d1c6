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
import dev.vigil.streams.StreamsSettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
    try (Lifecycle life = new Lifecycle(new CountDownLatch(1), spec.commandLine().getErr())) {
      PrometheusMeterRegistry registry = OpsServer.newRegistry();
      KafkaAccess kafka = KafkaAccess.open(config);
      life.add(kafka);
      out.println("kafka: " + kafka.bootstrapServers() + (kafka.embedded() ? " (embedded, data in "
          + config.require(RunSettings.DATA_DIR).resolve("kafka").toAbsolutePath() + ")" : ""));
      IngestRuntime ingest = null;
      StreamsRuntime streams = null;
      if (runsIngest()) {
        ingest = IngestRuntime.start(IngestPlan.from(config), kafka, registry, Clock.systemUTC());
        life.add(ingest);
        out.println("ingest: " + ingest.watcherCount() + " cluster watcher(s)"
            + (ingest.receiverPort() > 0 ? ", audit receiver on https port " + ingest.receiverPort() : ""));
      }
      if (runsStreams()) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(StreamsSettings.Key.APPLICATION_ID.key(), config.require(RunSettings.APPLICATION_ID));
        overrides.put(StreamsSettings.Key.FULL_REEVALUATION_INTERVAL.key(),
            config.require(RunSettings.REEVALUATION_INTERVAL).toString());
        overrides.put(StreamsSettings.Key.CORRELATION_SKEW.key(), config.require(RunSettings.CORRELATION_SKEW).toString());
        streams = StreamsRuntime.start(kafka, config.require(RunSettings.DATA_DIR).resolve("streams-state"), overrides,
            registry);
        life.add(streams);
      }
      final IngestRuntime i = ingest;
      final StreamsRuntime s = streams;
      OpsServer ops = OpsServer.start(config.require(RunSettings.METRICS_LISTEN), registry, () -> {
        Map<String, String> notReady = new LinkedHashMap<>();
        if (i != null) {
          notReady.putAll(i.notReady());
        }
        if (s != null) {
          notReady.putAll(s.notReady());
        }
        return notReady;
      });
      life.add(ops);
      out.println("metrics: http://" + ops.address().getHostString() + ":" + ops.address().getPort() + "/metrics");
      if (streams != null && config.require(RunSettings.FEED)) {
        life.add(ConsoleFeed.start(kafka, out, System.console() != null, registry, Duration.ofSeconds(10)));
      }
      out.println("vigil " + spec.name() + " is running; Ctrl-C (SIGTERM) stops it.");
      out.flush();
      life.await(null);
      out.println("vigil " + spec.name() + " stopping.");
      out.flush();
      return 0;
    } finally {
      out.println("vigil " + spec.name() + " stopped.");
      out.flush();
    }
  }

  @CommandLine.Command(name = "run", description = "Run ingest and streams in one process (the main job).")
  static final class Run extends ServiceCommand {
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

  @CommandLine.Command(name = "ingest", description = "Run only ingest: cluster watchers, audit receiver, feeds.")
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

  @CommandLine.Command(name = "streams", description = "Run only streams: continuous validation and follow-ups.")
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
