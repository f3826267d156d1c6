package dev.vigil.cli;

import dev.vigil.cli.bench.Bench;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vigil bench}: Vigil's throughput, latency, revalidation and footprint beside Kafka's own limit. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measures, in one run on one broker (embedded by default): the Kafka Streams passthrough limit, "
        + "Vigil's throughput on the same pod events, latency at a fixed rate, the time to re-evaluate every running "
        + "pod after a policy change, and heap and state-store footprint. Prints a table and writes JSON.",
        "Use a dedicated broker with --bootstrap-servers: the benchmark writes to Vigil's topics."})
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--pods", defaultValue = "10000", description = "Running pods in the store (default ${DEFAULT-VALUE}).")
  int pods;

  @Option(names = "--events", defaultValue = "100000",
      description = "Pod events for the throughput runs: one ADDED per pod, the rest MODIFIED (default ${DEFAULT-VALUE}).")
  long events;

  @Option(names = "--rate", defaultValue = "5000", description = "Pod events per second in the latency run (default ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--latency-seconds", defaultValue = "20", description = "How long the latency run lasts (default ${DEFAULT-VALUE}).")
  int latencySeconds;

  @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the pod-keyed topics (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--instances", defaultValue = "1", description = "Streams instances in this JVM, for both apps (default ${DEFAULT-VALUE}).")
  int instances;

  @Option(names = "--output", description = "Write the measurements as JSON to this file.")
  Path output;

  @Option(names = "--bootstrap-servers", description = "Use this Kafka instead of an embedded broker.")
  String bootstrapServers;

  @Option(names = "--data-dir", description = "Where to keep the broker and state (default: a temporary directory, deleted after).")
  Path dataDir;

  @Option(names = "--keep-data", description = "Do not delete the temporary directory.")
  boolean keepData;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (pods < 1 || events < 1 || rate < 1 || latencySeconds < 1 || partitions < 1 || instances < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--pods, --events, --rate, --latency-seconds, --partitions and --instances must be at least 1");
    }
    return Bench.run(new Bench.Options(pods, events, rate, latencySeconds, partitions, instances, output,
        bootstrapServers, dataDir, keepData), spec.commandLine().getOut());
  }
}
