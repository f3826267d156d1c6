package dev.vigil.reliability.faults;

import dev.vigil.streams.StreamsSettings;
import dev.vigil.streams.ValidationEngine;
import dev.vigil.streams.VigilStreamsApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.StreamsConfig;

/**
 * One streams instance in its own JVM, for {@link StreamsKillIT}: {@code VigilStreamsApp.start}
 * (the policy gate, then the main application), with a 6 s consumer session so that the group
 * notices the killed member quickly. Arguments: bootstrap servers, state directory,
 * application id. Prints {@code RUNNING} once running; never exits by itself.
 */
public final class StreamsProcessMain {

  private StreamsProcessMain() {}

  public static void main(String[] args) throws Exception {
    StreamsSettings settings = StreamsSettings.defaults(args[0], Path.of(args[1])).withApplicationId(args[2]);
    VigilStreamsApp app = VigilStreamsApp.start(settings, ValidationEngine.standard(), new SimpleMeterRegistry(),
        Map.of(StreamsConfig.consumerPrefix("session.timeout.ms"), "6000",
            StreamsConfig.consumerPrefix("heartbeat.interval.ms"), "1000"));
    app.awaitRunning(Duration.ofMinutes(2));
    System.out.println("RUNNING");
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
