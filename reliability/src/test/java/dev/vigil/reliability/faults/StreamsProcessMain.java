package dev.vigil.reliability.faults;

import dev.vigil.streams.StreamsSettings;
import dev.vigil.streams.ValidationEngine;
import dev.vigil.streams.VigilStreamsApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.StreamsConfig;

/**
 * One streams instance in its own JVM, for {@link StreamsKillIT} and {@link BrokerFailoverIT}:
 * {@code VigilStreamsApp.start} (the policy gate, then the main application), with a 6 s consumer
 * session so that the group notices a killed member quickly. Arguments: bootstrap servers, state
 * directory, application id, and optionally {@code key=value} streams settings ({@link
 * StreamsSettings#SETTINGS}, e.g. {@code streams.replication-factor=3}). Prints {@code RUNNING}
 * once running; never exits by itself. SIGTERM closes the instance as {@code vigil streams} does
 * (commit, leave the group); SIGKILL leaves everything as it is. The JVM halts when the JVM that
 * started it is gone (exited or killed), so that no instance outlives its test.
 */
public final class StreamsProcessMain {

  private StreamsProcessMain() {}

  public static void main(String[] args) throws Exception {
    // No orphan: when the JVM that started this one is gone, this one goes too.
    ProcessHandle.current()
        .parent()
        .ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(1)));
    Map<String, String> values = new HashMap<>();
    for (int i = 3; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      values.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    StreamsSettings settings =
        StreamsSettings.fromMap(values, args[0], Path.of(args[1])).withApplicationId(args[2]);
    VigilStreamsApp app =
        VigilStreamsApp.start(
            settings,
            ValidationEngine.standard(),
            new SimpleMeterRegistry(),
            Map.of(
                StreamsConfig.consumerPrefix("session.timeout.ms"),
                "6000",
                StreamsConfig.consumerPrefix("heartbeat.interval.ms"),
                "1000"));
    Runtime.getRuntime().addShutdownHook(new Thread(app::close, "close-on-sigterm"));
    app.awaitRunning(Duration.ofMinutes(2));
    System.out.println("RUNNING");
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
