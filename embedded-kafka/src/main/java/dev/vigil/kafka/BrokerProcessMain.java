package dev.vigil.kafka;

/**
 * A broker of {@link EmbeddedKafkaCluster} in its own JVM: Kafka's own {@code kafka.Kafka} with the
 * broker's {@code server.properties} as its argument. The JVM halts when the JVM that started it is
 * gone (exited or killed), so that no broker outlives the test that started it.
 */
public final class BrokerProcessMain {

  private BrokerProcessMain() {}

  public static void main(String[] args) {
    // No orphan: when the JVM that started this one is gone, this one goes too.
    ProcessHandle.current()
        .parent()
        .ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(1)));
    kafka.Kafka.main(args);
  }
}
