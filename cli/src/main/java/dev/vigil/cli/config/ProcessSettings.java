package dev.vigil.cli.config;

import dev.vigil.schemas.settings.Parsers;
import dev.vigil.schemas.settings.Setting;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * The settings of the {@code vigil} process itself, not of a module: the embedded broker of {@code
 * vigil run --embedded}, the data directory, the operations port and the console feed. Ingest's
 * settings are declared in {@code IngestSettings}, streams' in {@code StreamsSettings}, the Kafka
 * cluster's in {@code KafkaSettings}; {@link CommandSettings} says which command reads which.
 */
public final class ProcessSettings {

  private ProcessSettings() {}

  public static final Setting<Boolean> EMBEDDED =
      new Setting<>(
          "kafka.embedded",
          "--embedded",
          "VIGIL_EMBEDDED",
          Parsers.BOOL,
          "false",
          "vigil run only: start a one-broker Kafka in this process (replication factor 1, data under --data-dir); "
              + "for development and trials, never production");
  public static final Setting<Integer> EMBEDDED_PORT =
      new Setting<>(
          "kafka.embedded-port",
          "--embedded-port",
          "VIGIL_EMBEDDED_PORT",
          Parsers::port,
          "9092",
          "client port of the embedded broker on 127.0.0.1 (0 picks a free one)");
  public static final Setting<Path> DATA_DIR =
      new Setting<>(
          "data-dir",
          "--data-dir",
          "VIGIL_DATA_DIR",
          Parsers::path,
          "vigil-data",
          "embedded broker data and Kafka Streams state, kept across restarts");

  public static final Setting<InetSocketAddress> METRICS_LISTEN =
      new Setting<>(
          "metrics.listen",
          "--metrics-listen",
          "VIGIL_METRICS_LISTEN",
          Parsers::address,
          "127.0.0.1:9464",
          "host:port of /metrics, /healthz and /readyz (plain HTTP, read-only)");
  public static final Setting<Boolean> FEED =
      new Setting<>(
          "console.feed",
          "--feed",
          "VIGIL_CONSOLE_FEED",
          Parsers.BOOL,
          "true",
          "print violation transitions and follow-up changes on the console");

  /** The embedded broker's settings ({@code vigil run} only). */
  static final List<Setting<?>> EMBEDDED_KAFKA = List.of(EMBEDDED, EMBEDDED_PORT);

  /** Operations: read by every long-running command. */
  static final List<Setting<?>> OPERATIONS = List.of(METRICS_LISTEN, FEED);
}
