package dev.vigil.streams;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import dev.vigil.schemas.TopicAdmin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The typed configuration of Vigil's Kafka Streams application. Every key is declared once in
 * {@link Key} with its default and documentation; {@link #fromMap} reads them and fails naming the
 * key when a value is unusable.
 *
 * @param applicationId Kafka Streams {@code application.id}; instances with the same id share work
 * @param bootstrapServers the Kafka cluster
 * @param stateDir where local state stores live (one directory per instance)
 * @param changePollInterval how often each task looks for new policy versions and changed facts
 * @param fullReevaluationInterval how often every running pod is re-evaluated as a safety net
 * @param freshnessInterval how often pods whose images have an upload time are re-evaluated, so
 *     that an image crossing its freshness limit is noticed
 * @param correlationSkew how long an admission event waits for its pod event (either may come
 *     first)
 * @param deletedPodRetention how long a deleted pod is remembered, so late or duplicate events for
 *     it are ignored
 * @param followUpFlushInterval how often follow-up pod-count updates are emitted (state changes
 *     are emitted at once; VERIFIED and RESOLVED once no pod was admitted for this long)
 * @param followUpMaxOpenAge a fail-open or dry-run follow-up still OPEN after this long is
 *     ESCALATED; an admission whose pod never came is kept this long (stream time) for a late pod
 * @param streamThreads Kafka Streams {@code num.stream.threads}
 * @param replicationFactor replication factor of Kafka Streams' internal topics (changelogs); -1
 *     leaves it to the broker's {@code default.replication.factor}
 * @param heartbeatInterval how often each instance writes a heartbeat to {@code vigil.heartbeats}
 *     while it runs (the report shows periods without one as gaps)
 * @param severity the severity of policy violations ({@code vigil.streams.severity.*})
 */
public record StreamsSettings(
    String applicationId,
    String bootstrapServers,
    Path stateDir,
    Duration changePollInterval,
    Duration fullReevaluationInterval,
    Duration freshnessInterval,
    Duration correlationSkew,
    Duration deletedPodRetention,
    Duration followUpFlushInterval,
    Duration followUpMaxOpenAge,
    int streamThreads,
    int replicationFactor,
    Duration heartbeatInterval,
    SeverityMapping severity) {

  /** The configuration keys, each with its default and what it means. */
  public enum Key {
    APPLICATION_ID("vigil.streams.application-id", "vigil-streams", "Kafka Streams application.id"),
    BOOTSTRAP_SERVERS("vigil.streams.bootstrap-servers", "127.0.0.1:9092", "Kafka bootstrap servers"),
    STATE_DIR("vigil.streams.state-dir", ".vigil/streams-state", "local state directory"),
    CHANGE_POLL_INTERVAL("vigil.streams.change-poll-interval", "PT1S",
        "how often tasks pick up policy versions and changed attestations or image metadata"),
    FULL_REEVALUATION_INTERVAL("vigil.streams.full-reevaluation-interval", "PT1H",
        "periodic re-evaluation of every running pod"),
    FRESHNESS_INTERVAL("vigil.streams.freshness-interval", "PT10M",
        "re-evaluation of pods whose images have an upload time (freshness checks)"),
    CORRELATION_SKEW("vigil.streams.correlation-skew", "PT5M",
        "how long an admission event waits for its pod event"),
    DELETED_POD_RETENTION("vigil.streams.deleted-pod-retention", "PT1H",
        "how long deleted pods are remembered to ignore late events"),
    FOLLOWUP_FLUSH_INTERVAL("vigil.streams.followup-flush-interval", "PT5S",
        "how often follow-up pod counts are published"),
    FOLLOWUP_MAX_OPEN_AGE("vigil.streams.followup-max-open-age", "PT24H",
        "a fail-open or dry-run follow-up still OPEN after this long is ESCALATED"),
    STREAM_THREADS("vigil.streams.threads", "1", "Kafka Streams num.stream.threads"),
    REPLICATION_FACTOR("vigil.streams.replication-factor", "-1",
        "replication factor of Kafka Streams' internal topics (changelogs); -1 takes the broker's "
            + "default.replication.factor"),
    HEARTBEAT_INTERVAL("vigil.streams.heartbeat-interval", "PT30S",
        "how often each instance writes a heartbeat to vigil.heartbeats while it runs (whole seconds); the "
            + "report shows periods without one as gaps"),
    SEVERITY_DECISIONS("vigil.streams.severity.decisions", SeverityMapping.DEFAULT_DECISIONS,
        "severity (critical, high, medium, low) of a policy violation by decision; decisions not named keep "
            + "their default"),
    SEVERITY_NAMESPACES("vigil.streams.severity.namespaces", "",
        "namespace=severity, comma-separated: the severity of every violation in that namespace"),
    SEVERITY_RULES("vigil.streams.severity.rules", "",
        "rule=severity, comma-separated (rule or check as in a violation's rules): the severity of violations "
            + "failing it, before the namespace's; the gravest when several match");

    private final String key;
    private final String defaultValue;
    private final String doc;

    Key(String key, String defaultValue, String doc) {
      this.key = key;
      this.defaultValue = defaultValue;
      this.doc = doc;
    }

    public String key() {
      return key;
    }

    public String defaultValue() {
      return defaultValue;
    }

    public String doc() {
      return doc;
    }
  }

  /** A setting that cannot be used; the message names the key. */
  public static final class InvalidSettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidSettingException(Key key, String value, String reason) {
      super(key.key() + "=" + value + ": " + reason);
    }
  }

  public StreamsSettings {
    Objects.requireNonNull(applicationId, Key.APPLICATION_ID.key());
    Objects.requireNonNull(bootstrapServers, Key.BOOTSTRAP_SERVERS.key());
    Objects.requireNonNull(stateDir, Key.STATE_DIR.key());
    positive(Key.CHANGE_POLL_INTERVAL, changePollInterval);
    positive(Key.FULL_REEVALUATION_INTERVAL, fullReevaluationInterval);
    positive(Key.FRESHNESS_INTERVAL, freshnessInterval);
    positive(Key.CORRELATION_SKEW, correlationSkew);
    positive(Key.DELETED_POD_RETENTION, deletedPodRetention);
    positive(Key.FOLLOWUP_FLUSH_INTERVAL, followUpFlushInterval);
    positive(Key.FOLLOWUP_MAX_OPEN_AGE, followUpMaxOpenAge);
    positive(Key.HEARTBEAT_INTERVAL, heartbeatInterval);
    if (heartbeatInterval.toSeconds() < 1) {
      throw new InvalidSettingException(Key.HEARTBEAT_INTERVAL, heartbeatInterval.toString(), "must be at least PT1S");
    }
    if (applicationId.isBlank()) {
      throw new InvalidSettingException(Key.APPLICATION_ID, applicationId, "must not be blank");
    }
    if (streamThreads < 1) {
      throw new InvalidSettingException(Key.STREAM_THREADS, String.valueOf(streamThreads),
          "must be at least 1");
    }
    Objects.requireNonNull(severity, Key.SEVERITY_DECISIONS.key());
    if (replicationFactor < 1 && replicationFactor != -1) {
      throw new InvalidSettingException(Key.REPLICATION_FACTOR, String.valueOf(replicationFactor),
          "must be at least 1, or -1 for the broker's default");
    }
  }

  /** The defaults, for a broker at {@code bootstrapServers} and state under {@code stateDir}. */
  public static StreamsSettings defaults(String bootstrapServers, Path stateDir) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(Key.BOOTSTRAP_SERVERS.key(), bootstrapServers);
    m.put(Key.STATE_DIR.key(), stateDir.toString());
    return fromMap(m);
  }

  /** Reads the settings from {@code vigil.streams.*} keys; missing keys take their defaults. */
  public static StreamsSettings fromMap(Map<String, String> values) {
    return new StreamsSettings(
        get(values, Key.APPLICATION_ID),
        get(values, Key.BOOTSTRAP_SERVERS),
        Path.of(get(values, Key.STATE_DIR)),
        duration(values, Key.CHANGE_POLL_INTERVAL),
        duration(values, Key.FULL_REEVALUATION_INTERVAL),
        duration(values, Key.FRESHNESS_INTERVAL),
        duration(values, Key.CORRELATION_SKEW),
        duration(values, Key.DELETED_POD_RETENTION),
        duration(values, Key.FOLLOWUP_FLUSH_INTERVAL),
        duration(values, Key.FOLLOWUP_MAX_OPEN_AGE),
        integer(values, Key.STREAM_THREADS),
        integer(values, Key.REPLICATION_FACTOR),
        duration(values, Key.HEARTBEAT_INTERVAL),
        severity(values));
  }

  /** A copy with another application id (tests run several applications on one broker). */
  public StreamsSettings withApplicationId(String id) {
    return new StreamsSettings(id, bootstrapServers, stateDir, changePollInterval,
        fullReevaluationInterval, freshnessInterval, correlationSkew, deletedPodRetention,
        followUpFlushInterval, followUpMaxOpenAge, streamThreads, replicationFactor, heartbeatInterval,
        severity);
  }

  /** A copy with another state directory (a second instance in the same JVM needs its own). */
  public StreamsSettings withStateDir(Path dir) {
    return new StreamsSettings(applicationId, bootstrapServers, dir, changePollInterval,
        fullReevaluationInterval, freshnessInterval, correlationSkew, deletedPodRetention,
        followUpFlushInterval, followUpMaxOpenAge, streamThreads, replicationFactor, heartbeatInterval,
        severity);
  }

  /** A copy with another change-poll interval. */
  public StreamsSettings withChangePollInterval(Duration d) {
    return new StreamsSettings(applicationId, bootstrapServers, stateDir, d,
        fullReevaluationInterval, freshnessInterval, correlationSkew, deletedPodRetention,
        followUpFlushInterval, followUpMaxOpenAge, streamThreads, replicationFactor, heartbeatInterval,
        severity);
  }

  /**
   * Kafka Streams properties: exactly-once v2, explicit names for every internal resource, and
   * Vigil's dead-letter handlers for records that cannot be read or processed.
   */
  public Properties streamsProperties() {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterHandlers.Deserialization.class.getName());
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterHandlers.Processing.class.getName());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Re-evaluations run in bounded batches (Reevaluations: ~0.5 s each), so transactions stay
    // short; 30 s (Streams' default is 10 s) leaves room on a starved machine, and bounds how long a
    // vanished instance's open transaction can hold back read_committed readers of the verdicts.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 30_000);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
    if (replicationFactor != -1) {
      // As for Vigil's own topics: a changelog write needs two in-sync copies once there are three.
      p.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
          String.valueOf(TopicAdmin.defaultMinInsyncReplicas(replicationFactor)));
    }
    return p;
  }

  /**
   * The properties of the policy gate application: as {@link #streamsProperties()}, with its own
   * application id ({@code <application-id>-policy-gate}).
   */
  public Properties policyGateProperties() {
    Properties p = streamsProperties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, policyGateApplicationId());
    return p;
  }

  /** The application id (consumer group) of the policy gate. */
  public String policyGateApplicationId() {
    return applicationId + "-policy-gate";
  }

  /** Every key with its default and documentation, for the README's configuration table. */
  public static List<Key> keys() {
    return List.of(Key.values());
  }

  private static String get(Map<String, String> values, Key key) {
    String v = values.get(key.key());
    return v == null ? key.defaultValue() : v.trim();
  }

  private static Duration duration(Map<String, String> values, Key key) {
    String v = get(values, key);
    try {
      return Duration.parse(v);
    } catch (DateTimeParseException e) {
      throw new InvalidSettingException(key, v, "not an ISO-8601 duration such as PT1H");
    }
  }

  private static int integer(Map<String, String> values, Key key) {
    String v = get(values, key);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new InvalidSettingException(key, v, "not an integer");
    }
  }

  private static SeverityMapping severity(Map<String, String> values) {
    Key key = Key.SEVERITY_DECISIONS;
    try {
      SeverityMapping.parse(get(values, key), "", "");
      key = Key.SEVERITY_NAMESPACES;
      SeverityMapping.parse("", get(values, key), "");
      key = Key.SEVERITY_RULES;
      SeverityMapping.parse("", "", get(values, key));
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException(key, get(values, key), e.getMessage());
    }
    return SeverityMapping.parse(get(values, Key.SEVERITY_DECISIONS), get(values, Key.SEVERITY_NAMESPACES),
        get(values, Key.SEVERITY_RULES));
  }

  private static void positive(Key key, Duration d) {
    Objects.requireNonNull(d, key.key());
    if (d.isNegative() || d.isZero()) {
      throw new InvalidSettingException(key, d.toString(), "must be positive");
    }
  }
}
