package dev.vigil.schemas;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link Heartbeat} of one component instance to {@code vigil.heartbeats} every interval
 * while the instance works (ADR 0092), so that the report can show when Vigil was down. It has its
 * own small producer and a daemon thread; a heartbeat that cannot be written is skipped (logged
 * once until one is written again): the gap then shows, which is the truth.
 */
public final class Heartbeats implements AutoCloseable {

  /** How often an instance writes a heartbeat unless told otherwise. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(Heartbeats.class);

  private final KafkaProducer<String, byte[]> producer;
  private final ScheduledExecutorService timer;
  private final String component;
  private final String instance;
  private final String version;
  private final Instant startedAt;
  private final long intervalSeconds;
  private final BooleanSupplier working;
  private final Clock clock;
  private final AtomicBoolean failing = new AtomicBoolean();

  private Heartbeats(
      Map<String, Object> clientConfig,
      String component,
      String version,
      Duration interval,
      BooleanSupplier working,
      Clock clock) {
    this.component = Objects.requireNonNull(component, "component");
    this.version = version;
    this.working = Objects.requireNonNull(working, "working");
    this.clock = clock;
    this.intervalSeconds = Math.max(1, interval.toSeconds());
    this.instance = instanceName();
    this.startedAt = clock.instant();
    Map<String, Object> p = new HashMap<>(clientConfig);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "vigil-heartbeat-" + component);
    p.put(ProducerConfig.ACKS_CONFIG, "1");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    // A heartbeat that cannot be written in time is worthless: give up within one interval.
    int ms = (int) Math.min(Integer.MAX_VALUE, intervalSeconds * 1000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, ms);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, ms);
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-heartbeat-" + component);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts writing heartbeats of {@code component} every {@code interval} (whole seconds, at least
   * one), the first at once, each only while {@code working} says the instance does its work.
   *
   * @param clientConfig Kafka client settings: {@code bootstrap.servers} and any security settings
   * @param version the tool's version, or {@code null}
   */
  public static Heartbeats start(
      Map<String, Object> clientConfig,
      String component,
      String version,
      Duration interval,
      BooleanSupplier working) {
    Heartbeats h =
        new Heartbeats(clientConfig, component, version, interval, working, Clock.systemUTC());
    h.timer.scheduleAtFixedRate(h::beat, 0, h.intervalSeconds, TimeUnit.SECONDS);
    return h;
  }

  private void beat() {
    try {
      if (!working.getAsBoolean()) {
        return;
      }
      Heartbeat h =
          new Heartbeat(component, instance, version, startedAt, clock.instant(), intervalSeconds);
      producer.send(
          new ProducerRecord<>(
              Topics.HEARTBEATS.name(),
              null,
              h.at().toEpochMilli(),
              h.key(),
              Json.write(h),
              CloudEvents.headers(
                  Topics.HEARTBEATS,
                  h.key() + "/" + h.at().toEpochMilli(),
                  "vigil/" + component,
                  h.at())),
          (metadata, e) -> {
            if (e == null) {
              if (failing.compareAndSet(true, false)) {
                LOG.info(
                    "heartbeats of {} are written to {} again", h.key(), Topics.HEARTBEATS.name());
              }
            } else if (failing.compareAndSet(false, true)) {
              LOG.warn(
                  "heartbeat of {} not written to {}: {} (the report will show a gap)",
                  h.key(),
                  Topics.HEARTBEATS.name(),
                  e.toString());
            }
          });
    } catch (RuntimeException e) {
      if (failing.compareAndSet(false, true)) {
        LOG.warn("heartbeat of {}/{} not written: {}", component, instance, e.toString());
      }
    }
  }

  /** The instance's name: host name and process id. */
  private static String instanceName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown-host";
    }
    return host + "/" + ProcessHandle.current().pid();
  }

  /** Stops writing heartbeats; the report counts the time after the last one as down. */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
