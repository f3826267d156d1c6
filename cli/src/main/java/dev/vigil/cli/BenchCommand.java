package dev.vigil.cli;

import dev.vigil.cli.bench.Bench;
import dev.vigil.cli.bench.IngestBench;
import dev.vigil.streams.StreamsSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vigil bench}: Vigil's throughput, latency, revalidation and footprint beside Kafka's own
 * limit.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    subcommands = BenchCommand.Ingest.class,
    description = {
      "Measures, in one run on one broker (embedded by default): the Kafka Streams passthrough limit, "
          + "Vigil's throughput on the same pod events, latency at a fixed rate, the time to re-evaluate every running "
          + "pod after a policy change, and heap and state-store footprint. Prints a table and writes JSON.",
      "Use a dedicated broker with --bootstrap-servers: the benchmark writes to Vigil's topics.",
      "`vigil bench ingest` measures the HTTPS audit receiver instead."
    })
final class BenchCommand implements Callable<Integer> {

  @Option(
      names = "--pods",
      defaultValue = "10000",
      description =
          "Running pods of the fleet, in Deployments of 1-50 replicas (default ${DEFAULT-VALUE}).")
  int pods;

  @Option(
      names = "--events",
      defaultValue = "100000",
      description =
          "Pod events for the throughput runs: the list (one ADDED per running pod), then the watch "
              + "(pods created to ready, restarts, evictions, rollouts) (default ${DEFAULT-VALUE}).")
  long events;

  @Option(
      names = "--rate",
      defaultValue = "5000",
      description = "Watch events per second in the latency run (default ${DEFAULT-VALUE}).")
  int rate;

  @Option(
      names = "--latency-seconds",
      defaultValue = "20",
      description = "How long the latency run lasts (default ${DEFAULT-VALUE}).")
  int latencySeconds;

  @Option(
      names = "--partitions",
      defaultValue = "6",
      description = "Partitions of the pod-keyed topics (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--instances",
      defaultValue = "1",
      description = "Streams instances in this JVM, for both apps (default ${DEFAULT-VALUE}).")
  int instances;

  @Option(
      names = "--stream-threads",
      defaultValue = "1",
      description =
          "Vigil's streams.threads, stream threads per instance (the passthroughs keep one;"
              + " default ${DEFAULT-VALUE}).")
  int streamThreads;

  @Option(
      names = "--verdicts",
      defaultValue = "changes",
      description =
          "Vigil's streams.verdicts: changes (a status-only pod event publishes no verdict) or all"
              + " (default ${DEFAULT-VALUE}).")
  String verdicts;

  @Option(
      names = "--streams-property",
      paramLabel = "KEY=VALUE",
      description =
          "A Kafka client property for Vigil's streams app, as a --kafka-config file gives it to"
              + " `vigil streams` (e.g. producer.linger.ms=5); repeatable. The passthroughs keep"
              + " Kafka's defaults.")
  java.util.Map<String, String> streamsProperties = new java.util.LinkedHashMap<>();

  @Option(
      names = "--streams-setting",
      paramLabel = "KEY=VALUE",
      description =
          "One of Vigil's streams settings, by key, for its streams app (e.g."
              + " streams.freshness-interval=30s, to have the routine scans run during the latency"
              + " window); repeatable.")
  java.util.Map<String, String> streamsSettings = new java.util.LinkedHashMap<>();

  @Option(
      names = "--broker-property",
      paramLabel = "KEY=VALUE",
      description =
          "A setting of the embedded broker over its defaults (e.g."
              + " log.cleaner.dedupe.buffer.size=134217728, Kafka's default, where the embedded"
              + " broker keeps 4 MiB); repeatable. Not with --bootstrap-servers.")
  java.util.Map<String, String> brokerProperties = new java.util.LinkedHashMap<>();

  @CommandLine.Mixin Where where = new Where();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (pods < 1
        || events < 1
        || rate < 1
        || latencySeconds < 1
        || partitions < 1
        || instances < 1
        || streamThreads < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--pods, --events, --rate, --latency-seconds, --partitions, --instances and"
              + " --stream-threads must be at least 1");
    }
    try {
      StreamsSettings.VERDICTS.parser().parse(verdicts);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--verdicts: " + e.getMessage());
    }
    if (!brokerProperties.isEmpty() && where.bootstrapServers != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--broker-property is for the embedded broker: not with --bootstrap-servers");
    }
    try {
      StreamsSettings.fromMap(streamsSettings, "127.0.0.1:9", java.nio.file.Path.of("."));
    } catch (RuntimeException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--streams-setting: " + e.getMessage());
    }
    return Bench.run(
        new Bench.Options(
            pods,
            events,
            rate,
            latencySeconds,
            partitions,
            instances,
            streamThreads,
            verdicts,
            streamsSettings,
            streamsProperties,
            brokerProperties,
            where.output,
            where.bootstrapServers,
            where.dataDir,
            where.keepData),
        spec.commandLine().getOut());
  }

  /** {@code vigil bench ingest}: audit events per second through the HTTPS receiver to Kafka. */
  @Command(
      name = "ingest",
      mixinStandardHelpOptions = true,
      description = {
        "Measures the HTTPS audit receiver: several keep-alive clients post pre-built batches of a busy "
            + "API server's audit mix (90 % events Vigil discards, 10 % pod creates) to /audit/<cluster> (to Kafka, 200 "
            + "after the acknowledgement) and, in turns in the same run, the same bytes to an endpoint that only reads "
            + "them (the TLS and HTTP limit). Prints a table and writes JSON (measurement `ingest`)."
      })
  static final class Ingest implements Callable<Integer> {

    @Option(
        names = "--seconds",
        defaultValue = "20",
        description =
            "Time posting to each endpoint, split over the rounds (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(
        names = "--rounds",
        defaultValue = "2",
        description = "Turns of discard endpoint then receiver (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
        names = "--clients",
        defaultValue = "4",
        description = "Keep-alive clients (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(
        names = "--batch",
        defaultValue = "400",
        description = "Events per batch; the API server's default (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(
        names = "--bodies",
        defaultValue = "32",
        description = "Distinct pre-built batches (default ${DEFAULT-VALUE}).")
    int bodies;

    @Option(
        names = "--threads",
        defaultValue = "8",
        description = "The receiver's request threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(
        names = "--watch-pods",
        defaultValue = "0",
        description =
            "Also measure the heap the pod watcher keeps for this many pods in a mock API server "
                + "(measurement `watch`; 0: not measured, the default).")
    int watchPods;

    @CommandLine.Mixin Where where = new Where();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (watchPods < 0) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--watch-pods must not be negative");
      }
      if (seconds < 1 || rounds < 1 || clients < 1 || batch < 10 || bodies < 1 || threads < 1) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--seconds, --rounds, --clients, --bodies and --threads must be at least 1, --batch at least 10");
      }
      return IngestBench.run(
          new IngestBench.Options(
              seconds,
              rounds,
              clients,
              batch,
              bodies,
              threads,
              watchPods,
              where.output,
              where.bootstrapServers,
              where.dataDir,
              where.keepData),
          spec.commandLine().getOut());
    }
  }

  /** Where a benchmark writes and which broker it uses: the options both benchmarks share. */
  static final class Where {
    @Option(names = "--output", description = "Write the measurements as JSON to this file.")
    Path output;

    @Option(
        names = "--bootstrap-servers",
        description = "Use this Kafka instead of an embedded broker.")
    String bootstrapServers;

    @Option(
        names = "--data-dir",
        description =
            "Where to keep the broker and state (default: a temporary directory, deleted after).")
    Path dataDir;

    @Option(names = "--keep-data", description = "Do not delete the temporary directory.")
    boolean keepData;
  }
}
