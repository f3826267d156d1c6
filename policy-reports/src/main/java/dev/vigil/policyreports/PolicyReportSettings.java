package dev.vigil.policyreports;

import dev.vigil.schemas.settings.Parsers;
import dev.vigil.schemas.settings.Setting;
import dev.vigil.schemas.settings.SettingValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * Settings of the PolicyReport writer.
 *
 * @param applicationId the Kafka Streams application id (its own, beside the validation's)
 * @param flushInterval how often changed namespaces are handed to the writer (their changes are
 *     batched into one write per namespace)
 * @param writesPerSecond the most API-server writes per second, over all clusters
 * @param retryBackoff how long a failed write waits before it is tried again
 * @param stateDir Kafka Streams state directory
 * @param replicationFactor replication factor of the internal topics; -1: the broker's default
 */
public record PolicyReportSettings(
    String bootstrapServers,
    String applicationId,
    Duration flushInterval,
    double writesPerSecond,
    Duration retryBackoff,
    Path stateDir,
    int replicationFactor) {

  public static final Setting<Boolean> ENABLED =
      new Setting<>(
          "policy-reports.enabled",
          "--policy-reports",
          "VIGIL_POLICY_REPORTS",
          Parsers.BOOL,
          "false",
          "keep one PolicyReport per namespace in each watched cluster (needs the PolicyReport CRD and RBAC)");
  public static final Setting<Duration> INTERVAL =
      new Setting<>(
          "policy-reports.interval",
          "--policy-reports-interval",
          "VIGIL_POLICY_REPORTS_INTERVAL",
          Parsers::duration,
          "5s",
          "changes to a namespace within this long become one write of its PolicyReport");
  public static final Setting<Integer> RATE =
      new Setting<>(
          "policy-reports.writes-per-second",
          "--policy-reports-rate",
          "VIGIL_POLICY_REPORTS_RATE",
          Parsers::positive,
          "5",
          "most PolicyReport writes per second to the API servers, over all clusters");

  /** Every setting of the PolicyReport writer, in the order of the README's table. */
  public static final List<Setting<?>> SETTINGS = List.of(ENABLED, INTERVAL, RATE);

  public static final String DEFAULT_APPLICATION_ID = "vigil-policy-reports";
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(5);
  public static final double DEFAULT_WRITES_PER_SECOND = 5;
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(10);

  /** How long a gone pod is remembered, so its late verdicts cannot bring it back. */
  static final Duration GONE_RETENTION = Duration.ofHours(1);

  public PolicyReportSettings {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(stateDir, "stateDir");
    if (flushInterval.isNegative() || flushInterval.isZero()) {
      throw new IllegalArgumentException(
          "policy-reports flush interval must be positive, was " + flushInterval);
    }
    if (!(writesPerSecond > 0)) {
      throw new IllegalArgumentException(
          "policy-reports writes per second must be positive, was " + writesPerSecond);
    }
  }

  /**
   * The settings {@code values} give (flags, file, environment), for the writer's Kafka and state.
   */
  public static PolicyReportSettings from(
      SettingValues values, String bootstrapServers, Path stateDir, int replicationFactor) {
    return new PolicyReportSettings(
        bootstrapServers,
        DEFAULT_APPLICATION_ID,
        values.require(INTERVAL),
        values.require(RATE),
        DEFAULT_RETRY_BACKOFF,
        stateDir,
        replicationFactor);
  }

  /** The defaults, for {@code bootstrapServers} and {@code stateDir}. */
  public static PolicyReportSettings defaults(String bootstrapServers, Path stateDir) {
    return new PolicyReportSettings(
        bootstrapServers,
        DEFAULT_APPLICATION_ID,
        DEFAULT_FLUSH_INTERVAL,
        DEFAULT_WRITES_PER_SECOND,
        DEFAULT_RETRY_BACKOFF,
        stateDir,
        -1);
  }

  /**
   * The Kafka Streams properties; {@code client} (security settings) goes first and is overridden.
   */
  public Properties streamsProperties(Map<String, String> client) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, String.valueOf(replicationFactor));
    p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    // The inputs are written by Vigil's own producers and dead-lettered upstream when unreadable;
    // here an unreadable record is logged, counted by Kafka Streams and skipped.
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class);
    return p;
  }
}
