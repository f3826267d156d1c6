package dev.vigil.cli.run;

import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What {@code /healthz} and {@code /readyz} say about a Kafka Streams instance.
 *
 * <p>Alive: every state except ERROR and PENDING_ERROR (a stream thread or the global thread failed
 * and the client shut itself down; the global thread's death always ends there, since a global
 * thread cannot be replaced) and NOT_RUNNING / PENDING_SHUTDOWN when nobody asked it to stop. A
 * restart is the only cure for those, so the liveness probe must fail.
 *
 * <p>Ready: RUNNING only. Kafka Streams reports RUNNING once every stream thread runs, and a thread
 * runs only after its active tasks' state stores are restored (the global stores are restored
 * before the first thread starts), so REBALANCING covers both the rebalance and the restoration.
 */
public final class StreamsHealth {

  private StreamsHealth() {}

  /** Empty when RUNNING; else the state and what it means. */
  public static Map<String, String> notReady(KafkaStreams streams) {
    return notReady("streams", streams);
  }

  /** As {@link #notReady(KafkaStreams)}, for the application called {@code name}. */
  public static Map<String, String> notReady(String name, KafkaStreams streams) {
    KafkaStreams.State s = streams.state();
    return switch (s) {
      case RUNNING -> Map.of();
      case CREATED, REBALANCING ->
          Map.of(name, s + " (joining the group or restoring state stores)");
      default -> Map.of(name, s.toString());
    };
  }

  /**
   * Empty unless the instance stopped without being asked to (call it only while not closing it).
   */
  public static Map<String, String> unhealthy(KafkaStreams streams) {
    return unhealthy("streams", streams, "validation has stopped");
  }

  /**
   * As {@link #unhealthy(KafkaStreams)}, for the application called {@code name}; {@code
   * consequence} says what stopped with it.
   */
  public static Map<String, String> unhealthy(
      String name, KafkaStreams streams, String consequence) {
    KafkaStreams.State s = streams.state();
    return switch (s) {
      case ERROR, PENDING_ERROR ->
          Map.of(name, s + ": Kafka Streams stopped after a failure (see the log); " + consequence);
      case NOT_RUNNING, PENDING_SHUTDOWN ->
          Map.of(name, s + ": Kafka Streams stopped; " + consequence);
      default -> Map.of();
    };
  }
}
