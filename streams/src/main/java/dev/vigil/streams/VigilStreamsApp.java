package dev.vigil.streams;

import dev.vigil.schemas.Heartbeats;
import dev.vigil.schemas.settings.RunningMarker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance of Vigil's streams application. Several instances with the same application
 * id (and their own state directories) share the work; {@code vigil run} and the integration tests
 * start it here.
 */
public final class VigilStreamsApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(VigilStreamsApp.class);

  private final StreamsSettings settings;
  private final VigilMetrics metrics;
  private final KafkaStreams gate;
  private final KafkaStreams streams;
  private final Heartbeats heartbeats;

  /** The component name on the heartbeats streams writes. */
  public static final String HEARTBEAT_COMPONENT = "streams";

  private VigilStreamsApp(
      StreamsSettings settings,
      VigilMetrics metrics,
      KafkaStreams gate,
      KafkaStreams streams,
      Heartbeats heartbeats) {
    this.heartbeats = heartbeats;
    this.settings = settings;
    this.metrics = metrics;
    this.gate = gate;
    this.streams = streams;
  }

  /** Builds and starts an instance with the real validator, metrics in {@code registry}. */
  public static VigilStreamsApp start(StreamsSettings settings, MeterRegistry registry) {
    return start(settings, ValidationEngine.standard(), registry);
  }

  /** Builds and starts an instance with the given validation engine. */
  public static VigilStreamsApp start(
      StreamsSettings settings, ValidationEngine engine, MeterRegistry registry) {
    return start(settings, engine, registry, Map.of());
  }

  /**
   * Builds and starts an instance; {@code clientProperties} are Kafka client settings for every
   * client Streams creates ({@code security.protocol}, {@code ssl.*}, {@code sasl.*}). They cannot
   * replace the settings Vigil depends on (application id, threads, exactly-once, handlers, state
   * dir): one that tries fails start-up naming the setting to use ({@link
   * StreamsSettings#rejectOverrides}).
   *
   * <p>Two applications start: the policy gate, then, once the gate has taken every record that was
   * on {@code vigil.policies}, the main application, whose global policy store is then filled with
   * the accepted policies before it judges any pod (ADR 0010).
   *
   * @throws CoPartitioning.MismatchException when the topics keyed by pod are not co-partitioned
   */
  public static VigilStreamsApp start(
      StreamsSettings settings,
      ValidationEngine engine,
      MeterRegistry registry,
      Map<String, String> clientProperties) {
    settings.rejectOverrides(clientProperties);
    VigilMetrics metrics = new VigilMetrics(registry, Clock.systemUTC());
    Properties props = new Properties();
    props.putAll(clientProperties);
    props.putAll(settings.streamsProperties());
    Map<String, Object> adminConfig = adminConfig(props);
    int podPartitions = podPartitions(adminConfig);
    PodLayoutCheck.check(
        adminConfig, settings.applicationId(), settings.podPartitioning(), Duration.ofSeconds(30));
    Topology topology = VigilTopology.validation(settings, engine, metrics, podPartitions);
    props.put(VigilMetrics.CONFIG_KEY, metrics);
    Properties gateProps = new Properties();
    gateProps.putAll(props);
    gateProps.putAll(settings.policyGateProperties());
    KafkaStreams gate =
        started(
            new KafkaStreams(VigilTopology.policyGate(settings, engine, metrics), gateProps),
            gateProps);
    try {
      PolicyGateWatch.await(adminConfig, settings.policyGateApplicationId(), GATE_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      gate.close(Duration.ofSeconds(10));
      throw new IllegalStateException("interrupted while the policy gate caught up", e);
    } catch (TimeoutException e) {
      gate.close(Duration.ofSeconds(10));
      throw new IllegalStateException(e.getMessage(), e);
    }
    KafkaStreams streams = started(new KafkaStreams(topology, props), props);
    // A sign of life while the instance processes (RUNNING, or REBALANCING between runs): ADR 0092.
    Map<String, Object> producerConfig = new HashMap<>(adminConfig);
    Heartbeats heartbeats =
        Heartbeats.start(
            producerConfig,
            HEARTBEAT_COMPONENT,
            VigilStreamsApp.class.getPackage().getImplementationVersion(),
            settings.heartbeatInterval(),
            () ->
                streams.state() == KafkaStreams.State.RUNNING
                    || streams.state() == KafkaStreams.State.REBALANCING);
    return new VigilStreamsApp(settings, metrics, gate, streams, heartbeats);
  }

  /**
   * How long {@link #start} waits for the policy gate to take what is on {@code vigil.policies}.
   */
  static final Duration GATE_TIMEOUT = Duration.ofSeconds(120);

  /**
   * Starts {@code s}; first, if its last run in this state directory did not close cleanly (killed,
   * crashed: the {@link RunningMarker} is still there), wipes the local state so that every task
   * restores from its changelog (ADR 0120). Under exactly-once such a state has no checkpoint, so
   * Kafka Streams would find each task "corrupted" as it is assigned and close it dirty, which
   * aborts the transaction the thread shares with the tasks already running there.
   */
  private static KafkaStreams started(KafkaStreams s, Properties props) {
    markInUse(s, props);
    s.setUncaughtExceptionHandler(
        e -> {
          LOG.error("stream thread failed; replacing it", e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    s.start();
    return s;
  }

  /**
   * Before {@code s} starts: wipes its local state if a run on this state directory did not close,
   * then marks the state directory in use ({@link RunningMarker}).
   */
  static void markInUse(KafkaStreams s, Properties props) {
    RunningMarker.markInUse(props, s::cleanUp);
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
      throw new IllegalStateException(
          "cannot check the partition counts of the topics keyed by pod: " + e, e);
    }
  }

  /** The settings of an admin client from the streams properties (bootstrap, security). */
  private static Map<String, Object> adminConfig(Properties props) {
    Map<String, Object> all = new HashMap<>();
    props.forEach((k, v) -> all.put((String) k, v));
    return AdminClientConfig.configNames().stream()
        .filter(all::containsKey)
        .collect(Collectors.toMap(k -> k, all::get));
  }

  /** Waits until the instance is RUNNING. */
  public VigilStreamsApp awaitRunning(Duration timeout)
      throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "streams not RUNNING after " + timeout + " (state " + streams.state() + ")");
      }
      if (streams.state() == KafkaStreams.State.ERROR
          || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        throw new IllegalStateException("streams stopped: " + streams.state());
      }
      Thread.sleep(50);
    }
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

  /**
   * The policy gate application ({@code <app>-policy-gate}): health checks watch it too, since
   * policy edits stop being accepted when it stops.
   */
  public KafkaStreams policyGate() {
    return gate;
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
    heartbeats.close();
    closed(streams, settings.streamsProperties());
    closed(gate, settings.policyGateProperties());
  }

  /** Closes {@code s}; once it closed cleanly, its state directory is no longer marked in use. */
  static void closed(KafkaStreams s, Properties props) {
    boolean clean =
        s.close(
            CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    if (clean && s.state() == KafkaStreams.State.NOT_RUNNING) {
      RunningMarker.unmark(props);
    }
  }
}
