package dev.vigil.reliability.faults;

import dev.vigil.streams.StreamsSettings;
import dev.vigil.streams.ValidationEngine;
import dev.vigil.streams.VigilMetrics;
import dev.vigil.streams.VigilTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * One streams instance in its own JVM, for {@link StreamsKillIT}: what {@code VigilStreamsApp.start}
 * does (same topology, same properties, same handler), with a 6 s consumer session so that the
 * group notices the killed member quickly. Arguments: bootstrap servers, state directory,
 * application id. Prints {@code RUNNING} once running; never exits by itself.
 */
public final class StreamsProcessMain {

  private StreamsProcessMain() {}

  public static void main(String[] args) throws Exception {
    StreamsSettings settings = StreamsSettings.defaults(args[0], Path.of(args[1])).withApplicationId(args[2]);
    VigilMetrics metrics = new VigilMetrics(new SimpleMeterRegistry(), Clock.systemUTC());
    Properties props = settings.streamsProperties();
    props.put(VigilMetrics.CONFIG_KEY, metrics);
    props.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6000);
    props.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1000);
    KafkaStreams streams = new KafkaStreams(VigilTopology.build(settings, ValidationEngine.standard(), metrics), props);
    streams.setUncaughtExceptionHandler(
        e -> StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
    CountDownLatch running = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING) {
        running.countDown();
      }
    });
    streams.start();
    running.await();
    System.out.println("RUNNING");
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
