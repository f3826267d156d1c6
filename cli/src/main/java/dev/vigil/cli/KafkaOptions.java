package dev.vigil.cli;

import picocli.CommandLine.Option;

/** How a command reaches Kafka. */
final class KafkaOptions {

  @Option(
      names = "--bootstrap-servers",
      required = true,
      defaultValue = "${env:VIGIL_BOOTSTRAP_SERVERS}",
      description = "Kafka bootstrap servers, host:port[,host:port] (env VIGIL_BOOTSTRAP_SERVERS).")
  String bootstrapServers;

  @Option(
      names = "--command-config",
      description = "A properties file of Kafka client settings (security.protocol, ssl.*, sasl.*).")
  java.nio.file.Path commandConfig;

  java.util.Properties clientProperties() {
    java.util.Properties p = new java.util.Properties();
    if (commandConfig != null) {
      try (var in = java.nio.file.Files.newBufferedReader(commandConfig)) {
        p.load(in);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("cannot read --command-config " + commandConfig + ": " + e.getMessage(), e);
      }
    }
    p.put("bootstrap.servers", bootstrapServers);
    return p;
  }
}
