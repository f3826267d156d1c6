package dev.vigil.cli;

import dev.vigil.cli.demo.Demo;
import dev.vigil.schemas.settings.Parsers;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vigil demo}: the real ingest and streams against an embedded broker and a mock cluster.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "A first look, with no cluster and no Kafka: starts the embedded broker and a mock Kubernetes API "
          + "server, runs the real ingest and streams against them, and plays a scripted day (compliant deployments, "
          + "a blocked image, an enforcer outage that admits pods fail-open, breakglass, a policy change, a late "
          + "attestation). Violations and follow-ups appear on the console as they happen; /metrics is live."
    })
final class DemoCommand implements Callable<Integer> {

  @Option(
      names = "--duration",
      converter = DurationConverter.class,
      description = "Stop after this long (e.g. 90s, 5m); default: until Ctrl-C.")
  Duration duration;

  @Option(
      names = "--metrics-listen",
      defaultValue = "127.0.0.1:9464",
      converter = AddressConverter.class,
      description =
          "host:port of /metrics, /healthz and /readyz (default ${DEFAULT-VALUE}; port 0 picks one).")
  InetSocketAddress metricsListen;

  @Option(
      names = "--data-dir",
      description =
          "Where the demo keeps its broker, state and generated files "
              + "(default: a new temporary directory).")
  Path dataDir;

  @Option(
      names = "--step",
      defaultValue = "4s",
      converter = DurationConverter.class,
      description = "Pause between the acts of the script (default ${DEFAULT-VALUE}).")
  Duration step;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    return Demo.run(
        new Demo.Options(duration, metricsListen, dataDir, step), spec.commandLine().getOut());
  }

  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Parsers.duration(value);
    }
  }

  static final class AddressConverter implements CommandLine.ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      return Parsers.address(value);
    }
  }
}
