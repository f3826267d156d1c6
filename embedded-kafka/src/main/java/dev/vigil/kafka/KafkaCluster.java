package dev.vigil.kafka;

/** A running Kafka cluster that clients can reach at {@link #bootstrapServers()}. */
public interface KafkaCluster extends AutoCloseable {

  /** The bootstrap address clients connect to, {@code host:port[,host:port]}. */
  String bootstrapServers();

  /** Stops the cluster; never throws. */
  @Override
  void close();
}
