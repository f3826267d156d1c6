package dev.vigil.kafka;

import org.testcontainers.kafka.KafkaContainer;

/** Kafka in Docker through Testcontainers, for contributors who have a Docker engine. */
final class TestcontainersKafka implements KafkaCluster {

  static final String IMAGE = "apache/kafka:4.1.1";

  private final KafkaContainer container;

  private TestcontainersKafka(KafkaContainer container) {
    this.container = container;
  }

  static KafkaCluster start() {
    KafkaContainer container = new KafkaContainer(IMAGE);
    container.start();
    return new TestcontainersKafka(container);
  }

  @Override
  public String bootstrapServers() {
    return container.getBootstrapServers();
  }

  @Override
  public void close() {
    container.stop();
  }
}
