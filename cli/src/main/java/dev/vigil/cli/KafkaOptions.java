package dev.vigil.cli;

import org.apache.kafka.clients.producer.ProducerConfig;
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
      description =
          "A properties file of Kafka client settings (security.protocol, ssl.*, sasl.*).")
  java.nio.file.Path commandConfig;

  java.util.Properties clientProperties() {
    java.util.Properties p = new java.util.Properties();
    if (commandConfig != null) {
      try (var in = java.nio.file.Files.newBufferedReader(commandConfig)) {
        p.load(in);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException(
            "cannot read --command-config " + commandConfig + ": " + e.getMessage(), e);
      }
    }
    p.put("bootstrap.servers", bootstrapServers);
    return p;
  }

  /**
   * Settings of a producer that writes a few records for a person: {@code acks=all}, idempotent,
   * and giving up after {@code timeoutSeconds}.
   */
  java.util.Properties producerProperties(int timeoutSeconds, String clientId) {
    java.util.Properties props = clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    long waitMs = timeoutSeconds * 1000L;
    long requestMs = Math.min(30_000L, waitMs);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(waitMs));
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(requestMs));
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    // delivery.timeout.ms must be at least linger.ms + request.timeout.ms.
    props.put(
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(waitMs, requestMs + 1)));
    props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    return props;
  }
}
