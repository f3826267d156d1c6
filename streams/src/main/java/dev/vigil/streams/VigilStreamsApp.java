package dev.vigil.streams;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance of Vigil's streams application. Several instances with the same
 * application id (and their own state directories) share the work; {@code vigil run} and the
 * integration tests start it here.
 */
public final class VigilStreamsApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(VigilStreamsApp.class);

  private final StreamsSettings settings;
  private final VigilMetrics metrics;
  private final KafkaStreams streams;
  private final Map<String, Object> adminConfig;

  private VigilStreamsApp(StreamsSettings settings, VigilMetrics metrics, KafkaStreams streams,
      Map<String, Object> adminConfig) {
    this.settings = settings;
    this.metrics = metrics;
    this.streams = streams;
    this.adminConfig = adminConfig;
  }

  /** Builds and starts an instance with the real validator, metrics in {@code registry}. */
  public static VigilStreamsApp start(StreamsSettings settings, MeterRegistry registry) {
    return start(settings, ValidationEngine.standard(), registry);
  }

  /** Builds and starts an instance with the given validation engine. */
  public static VigilStreamsApp start(StreamsSettings settings, ValidationEngine engine, MeterRegistry registry) {
    return start(settings, engine, registry, Map.of());
  }

  /**
   * Builds and starts an instance; {@code clientProperties} are Kafka client settings for every
   * client Streams creates ({@code security.protocol}, {@code ssl.*}, {@code sasl.*}). They cannot
   * replace the settings Vigil depends on (application id, exactly-once, handlers, state dir).
   */
  public static VigilStreamsApp start(StreamsSettings settings, ValidationEngine engine, MeterRegistry registry,
      Map<String, String> clientProperties) {
    VigilMetrics metrics = new VigilMetrics(registry, Clock.systemUTC());
    Properties props = new Properties();
    props.putAll(clientProperties);
    props.putAll(settings.streamsProperties());
    Map<String, Object> adminConfig = adminConfig(props);
    Topology topology = VigilTopology.build(settings, engine, metrics, podPartitions(adminConfig));
    props.put(VigilMetrics.CONFIG_KEY, metrics);
    KafkaStreams streams = new KafkaStreams(topology, props);
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("stream thread failed; replacing it", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.start();
    return new VigilStreamsApp(settings, metrics, streams, adminConfig);
  }

  /**
   * The partition count the topics keyed by pod share.
   *
   * @throws CoPartitioning.MismatchException naming the topics when they differ: Vigil does not run
   */
  private static int podPartitions(Map<String, Object> adminConfig) {
    try (Admin admin = Admin.create(adminConfig)) {
      return CoPartitioning.check(admin);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking the topics", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("cannot check the partition counts of the topics keyed by pod: " + e, e);
    }
  }

  /** The settings of an admin client from the streams properties (bootstrap, security). */
  private static Map<String, Object> adminConfig(Properties props) {
    Map<String, Object> all = new HashMap<>();
    props.forEach((k, v) -> all.put((String) k, v));
    return AdminClientConfig.configNames().stream().filter(all::containsKey)
        .collect(Collectors.toMap(k -> k, all::get));
  }

  /**
   * Waits until the instance is RUNNING and the policies on {@code vigil.policies} when it started
   * are in force: the policy gate has taken every record there, and the global policy store holds
   * what the gate wrote to {@code vigil.policies.accepted}. Only the first start of an application
   * has to wait for the gate; afterwards the global store is filled before RUNNING.
   */
  public VigilStreamsApp awaitRunning(Duration timeout) throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("streams not RUNNING after " + timeout + " (state " + streams.state() + ")");
      }
      if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        throw new IllegalStateException("streams stopped: " + streams.state());
      }
      Thread.sleep(50);
    }
    PolicyGateWatch.await(streams, adminConfig, settings.applicationId(), deadline, timeout);
    return this;
  }

  /** The Kafka Streams state. */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /** The underlying Kafka Streams instance (task assignment, metadata). */
  public KafkaStreams kafkaStreams() {
    return streams;
  }

  /** The instance's metrics. */
  public VigilMetrics metrics() {
    return metrics;
  }

  /** The settings it runs with. */
  public StreamsSettings settings() {
    return settings;
  }

  /**
   * Stops the instance, committing what it processed, and leaves the consumer group so that the
   * other instances take over its partitions at once (by default Kafka Streams does not leave, and
   * its partitions would wait for the 45 s session timeout: StreamsTakeoverIT).
   */
  @Override
  public void close() {
    streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(Duration.ofSeconds(30)));
  }
}
