package dev.vigil.streams;

import dev.vigil.schemas.PodPartitioning;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.WireNames;
import dev.vigil.schemas.settings.KafkaSettings;
import dev.vigil.schemas.settings.Parsers;
import dev.vigil.schemas.settings.Setting;
import dev.vigil.schemas.settings.SettingException;
import dev.vigil.schemas.settings.SettingValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The typed configuration of Vigil's Kafka Streams application ({@code vigil streams}, and the
 * streams half of {@code vigil run}). Every key is declared once below as a {@link Setting} with
 * its flag, variable, default and documentation; {@link #from} reads them, and a value that cannot
 * be used fails naming the key. The Kafka cluster ({@link KafkaSettings}) and the state directory
 * come from the process.
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
 * @param followUpFlushInterval how often follow-up pod-count updates are emitted (state changes are
 *     emitted at once; VERIFIED and RESOLVED once no pod was admitted for this long)
 * @param followUpMaxOpenAge a fail-open or dry-run follow-up still OPEN after this long is
 *     ESCALATED; an admission whose pod never came is kept this long (stream time) for a late pod
 * @param bypassDenials how many denials of an image by one principal, followed by a fail-open
 *     admission of it by the same principal within {@code bypassWindow}, make a suspected bypass
 * @param bypassWindow how far back (event time) denials count for a fail-open or breakglass
 *     admission
 * @param streamThreads Kafka Streams {@code num.stream.threads}
 * @param replicationFactor replication factor of Kafka Streams' internal topics (changelogs); -1
 *     leaves it to the broker's {@code default.replication.factor}
 * @param heartbeatInterval how often each instance writes a heartbeat to {@code vigil.heartbeats}
 *     while it runs (the report shows periods without one as gaps)
 * @param hygiene which registry-hygiene rules run, and the Artifact Registry / Container Registry
 *     host patterns (ADR 0115)
 * @param severity the severity of policy violations ({@code streams.severity.*}, ADR 0100)
 * @param verdicts which pod events publish a verdict ({@code streams.verdicts}, ADR 0131)
 * @param podPartitioning the partition of a pod's events ({@code kafka.pod-partitioning}, shared
 *     with ingest; ADR 0160)
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
    int bypassDenials,
    Duration bypassWindow,
    int streamThreads,
    int replicationFactor,
    Duration heartbeatInterval,
    HygieneSettings hygiene,
    SeverityMapping severity,
    Verdicts verdicts,
    PodPartitioning podPartitioning) {

  public static final Setting<String> APPLICATION_ID =
      new Setting<>(
          "streams.application-id",
          "--application-id",
          "VIGIL_APPLICATION_ID",
          Parsers::string,
          "vigil-streams",
          "Kafka Streams application.id shared by all instances (the policy gate runs as `<id>-policy-gate`)");
  public static final Setting<Duration> REEVALUATION_INTERVAL =
      new Setting<>(
          "streams.reevaluation-interval",
          "--reevaluation-interval",
          "VIGIL_REEVALUATION_INTERVAL",
          Parsers::duration,
          "1h",
          "full re-evaluation of every running pod, as a safety net");
  public static final Setting<Duration> CORRELATION_SKEW =
      new Setting<>(
          "streams.correlation-skew",
          "--correlation-skew",
          "VIGIL_CORRELATION_SKEW",
          Parsers::duration,
          "5m",
          "how long an admission event waits for its pod event; then (audit-only mode, `--watch false`) its "
              + "follow-up is judged from the images in the admission event");
  public static final Setting<Integer> REPLICATION_FACTOR =
      new Setting<>(
          "streams.replication-factor",
          "--streams-replication-factor",
          "VIGIL_STREAMS_REPLICATION_FACTOR",
          Parsers::replicationFactor,
          "-1",
          "replication factor of Kafka Streams' internal topics (changelogs); -1 takes the broker's "
              + "default.replication.factor; production: 3");
  public static final Setting<Integer> STREAM_THREADS =
      new Setting<>(
          "streams.threads",
          "--stream-threads",
          "VIGIL_STREAM_THREADS",
          Parsers::positive,
          "1",
          "Kafka Streams num.stream.threads of this instance (tasks are spread over instances x threads)");
  public static final Setting<Duration> CHANGE_POLL_INTERVAL =
      new Setting<>(
          "streams.change-poll-interval",
          "--change-poll-interval",
          "VIGIL_CHANGE_POLL_INTERVAL",
          Parsers::duration,
          "1s",
          "how often tasks pick up policy versions and changed attestations or image metadata");
  public static final Setting<Duration> FRESHNESS_INTERVAL =
      new Setting<>(
          "streams.freshness-interval",
          "--freshness-interval",
          "VIGIL_FRESHNESS_INTERVAL",
          Parsers::duration,
          "10m",
          "re-evaluation of pods whose images have an upload time (freshness checks)");
  public static final Setting<Duration> DELETED_POD_RETENTION =
      new Setting<>(
          "streams.deleted-pod-retention",
          "--deleted-pod-retention",
          "VIGIL_DELETED_POD_RETENTION",
          Parsers::duration,
          "1h",
          "how long deleted pods are remembered to ignore late events");
  public static final Setting<Duration> FOLLOWUP_FLUSH_INTERVAL =
      new Setting<>(
          "streams.followup-flush-interval",
          "--followup-flush-interval",
          "VIGIL_FOLLOWUP_FLUSH_INTERVAL",
          Parsers::duration,
          "5s",
          "how often follow-up pod counts are published; a state change waits until no pod was admitted for this long");
  public static final Setting<Duration> FOLLOWUP_MAX_OPEN_AGE =
      new Setting<>(
          "streams.followup-max-open-age",
          "--followup-max-open-age",
          "VIGIL_FOLLOWUP_MAX_OPEN_AGE",
          Parsers::duration,
          "24h",
          "a fail-open or dry-run follow-up still OPEN after this long is ESCALATED; an admission whose pod has not "
              + "come is kept this long (stream time)");
  public static final Setting<Integer> BYPASS_DENIALS =
      new Setting<>(
          "streams.bypass-denials",
          "--bypass-denials",
          "VIGIL_BYPASS_DENIALS",
          Parsers::positive,
          "3",
          "denials of an image by one principal that, followed by a fail-open admission of it by the same "
              + "principal within --bypass-window, make a suspected bypass");
  public static final Setting<Duration> BYPASS_WINDOW =
      new Setting<>(
          "streams.bypass-window",
          "--bypass-window",
          "VIGIL_BYPASS_WINDOW",
          Parsers::duration,
          "10m",
          "how far back (admission request time) denials count for a fail-open or breakglass admission");
  public static final Setting<Duration> HEARTBEAT_INTERVAL =
      new Setting<>(
          "streams.heartbeat-interval",
          "--heartbeat-interval",
          "VIGIL_HEARTBEAT_INTERVAL",
          Parsers::duration,
          "30s",
          "how often each instance writes a heartbeat to vigil.heartbeats while it runs (whole seconds); the report "
              + "shows periods without one as gaps");
  public static final Setting<String> SEVERITY_DECISIONS =
      new Setting<>(
          "streams.severity.decisions",
          "--severity-decisions",
          "VIGIL_SEVERITY_DECISIONS",
          s -> severities(s, "", ""),
          SeverityMapping.DEFAULT_DECISIONS,
          "severity (critical, high, medium, low) of a policy violation by decision, DECISION=severity comma-separated; "
              + "decisions not named keep their default");
  public static final Setting<String> SEVERITY_NAMESPACES =
      new Setting<>(
          "streams.severity.namespaces",
          "--severity-namespaces",
          "VIGIL_SEVERITY_NAMESPACES",
          s -> severities("", s, ""),
          null,
          "namespace=severity, comma-separated: the severity of every policy violation in that namespace");
  public static final Setting<String> SEVERITY_RULES =
      new Setting<>(
          "streams.severity.rules",
          "--severity-rules",
          "VIGIL_SEVERITY_RULES",
          s -> severities("", "", s),
          null,
          "rule=severity, comma-separated (a rule or check as a violation's rules name it, e.g. imageFreshnessCheck): "
              + "before the namespace's; the gravest when several failing rules have one");

  // Registry hygiene (ADR 0115)
  public static final Setting<Boolean> HYGIENE_IMAGE_BY_TAG =
      new Setting<>(
          "hygiene.image-by-tag",
          "--hygiene-image-by-tag",
          "VIGIL_HYGIENE_IMAGE_BY_TAG",
          Parsers.BOOL,
          "true",
          "hygiene/image-by-tag findings (low): a container whose spec names its image by tag, not by digest");
  public static final Setting<Boolean> HYGIENE_TAG_MOVED =
      new Setting<>(
          "hygiene.tag-moved",
          "--hygiene-tag-moved",
          "VIGIL_HYGIENE_TAG_MOVED",
          Parsers.BOOL,
          "true",
          "hygiene/tag-moved findings (medium): pods of one workload run different digests under one tag");
  public static final Setting<Boolean> HYGIENE_PULL_SECRET =
      new Setting<>(
          "hygiene.pull-secret-for-artifact-registry",
          "--hygiene-pull-secret-for-artifact-registry",
          "VIGIL_HYGIENE_PULL_SECRET_FOR_ARTIFACT_REGISTRY",
          Parsers.BOOL,
          "true",
          "hygiene/pull-secret-for-artifact-registry findings (medium): a pod with imagePullSecrets pulls from "
              + "Artifact Registry or Container Registry");
  public static final Setting<List<String>> HYGIENE_GOOGLE_REGISTRIES =
      new Setting<>(
          "hygiene.google-registries",
          "--hygiene-google-registries",
          "VIGIL_HYGIENE_GOOGLE_REGISTRIES",
          HygieneSettings::hostPatterns,
          "*-docker.pkg.dev,gcr.io,*.gcr.io",
          "registry hosts GKE pulls from with the node's service account or "
              + "Workload Identity, comma-separated (* is any characters but a dot)");

  /** Which pod events publish a verdict (ADR 0131). */
  public enum Verdicts {
    /**
     * A pod event is judged and its verdict published unless nothing the outcome depends on changed
     * since the pod was last judged (a status-only event): first judgements, changed pods and
     * re-evaluations publish.
     */
    CHANGES,
    /** Every pod event is judged and publishes a verdict (the cost is in docs/benchmarks.md). */
    ALL;

    static Verdicts parse(String text) {
      return WireNames.parse(Verdicts.class, text, "verdicts");
    }
  }

  public static final Setting<Verdicts> VERDICTS =
      new Setting<>(
          "streams.verdicts",
          "--verdicts",
          "VIGIL_VERDICTS",
          Verdicts::parse,
          "changes",
          "`changes`: a pod event that changes nothing the outcome depends on (a status-only update)"
              + " is not judged again and publishes no verdict; `all`: a verdict for every pod event");

  /** Every streams setting, in the order of the README's table. A new one goes here too. */
  public static final List<Setting<?>> SETTINGS =
      List.of(
          APPLICATION_ID,
          REEVALUATION_INTERVAL,
          CORRELATION_SKEW,
          REPLICATION_FACTOR,
          STREAM_THREADS,
          CHANGE_POLL_INTERVAL,
          FRESHNESS_INTERVAL,
          DELETED_POD_RETENTION,
          FOLLOWUP_FLUSH_INTERVAL,
          FOLLOWUP_MAX_OPEN_AGE,
          BYPASS_DENIALS,
          BYPASS_WINDOW,
          HEARTBEAT_INTERVAL,
          HYGIENE_IMAGE_BY_TAG,
          HYGIENE_TAG_MOVED,
          HYGIENE_PULL_SECRET,
          HYGIENE_GOOGLE_REGISTRIES,
          SEVERITY_DECISIONS,
          SEVERITY_NAMESPACES,
          SEVERITY_RULES,
          VERDICTS);

  public StreamsSettings {
    Objects.requireNonNull(applicationId, APPLICATION_ID.key());
    Objects.requireNonNull(bootstrapServers, KafkaSettings.BOOTSTRAP_SERVERS.key());
    Objects.requireNonNull(stateDir, "state directory");
    Objects.requireNonNull(hygiene, "hygiene");
    positive(CHANGE_POLL_INTERVAL, changePollInterval);
    positive(REEVALUATION_INTERVAL, fullReevaluationInterval);
    positive(FRESHNESS_INTERVAL, freshnessInterval);
    positive(CORRELATION_SKEW, correlationSkew);
    positive(DELETED_POD_RETENTION, deletedPodRetention);
    positive(FOLLOWUP_FLUSH_INTERVAL, followUpFlushInterval);
    positive(FOLLOWUP_MAX_OPEN_AGE, followUpMaxOpenAge);
    positive(HEARTBEAT_INTERVAL, heartbeatInterval);
    positive(BYPASS_WINDOW, bypassWindow);
    if (bypassDenials < 1) {
      throw invalid(BYPASS_DENIALS, String.valueOf(bypassDenials), "must be at least 1");
    }
    if (heartbeatInterval.toSeconds() < 1) {
      throw invalid(HEARTBEAT_INTERVAL, heartbeatInterval.toString(), "must be at least 1s");
    }
    if (applicationId.isBlank()) {
      throw invalid(APPLICATION_ID, applicationId, "must not be blank");
    }
    if (streamThreads < 1) {
      throw invalid(STREAM_THREADS, String.valueOf(streamThreads), "must be at least 1");
    }
    Objects.requireNonNull(severity, SEVERITY_DECISIONS.key());
    Objects.requireNonNull(verdicts, VERDICTS.key());
    Objects.requireNonNull(podPartitioning, KafkaSettings.POD_PARTITIONING.key());
    if (replicationFactor < 1 && replicationFactor != -1) {
      throw invalid(
          REPLICATION_FACTOR,
          String.valueOf(replicationFactor),
          "must be at least 1, or -1 for the broker's default");
    }
  }

  /** The defaults, for a broker at {@code bootstrapServers} and state under {@code stateDir}. */
  public static StreamsSettings defaults(String bootstrapServers, Path stateDir) {
    return fromMap(Map.of(), bootstrapServers, stateDir);
  }

  /** Reads the declared settings from {@code values}. */
  public static StreamsSettings from(SettingValues values, String bootstrapServers, Path stateDir) {
    return new StreamsSettings(
        values.require(APPLICATION_ID),
        bootstrapServers,
        stateDir,
        values.require(CHANGE_POLL_INTERVAL),
        values.require(REEVALUATION_INTERVAL),
        values.require(FRESHNESS_INTERVAL),
        values.require(CORRELATION_SKEW),
        values.require(DELETED_POD_RETENTION),
        values.require(FOLLOWUP_FLUSH_INTERVAL),
        values.require(FOLLOWUP_MAX_OPEN_AGE),
        values.require(BYPASS_DENIALS),
        values.require(BYPASS_WINDOW),
        values.require(STREAM_THREADS),
        values.require(REPLICATION_FACTOR),
        values.require(HEARTBEAT_INTERVAL),
        new HygieneSettings(
            values.require(HYGIENE_IMAGE_BY_TAG),
            values.require(HYGIENE_TAG_MOVED),
            values.require(HYGIENE_PULL_SECRET),
            values.require(HYGIENE_GOOGLE_REGISTRIES)),
        SeverityMapping.parse(
            values.require(SEVERITY_DECISIONS),
            values.get(SEVERITY_NAMESPACES).orElse(""),
            values.get(SEVERITY_RULES).orElse("")),
        values.require(VERDICTS),
        values.require(KafkaSettings.POD_PARTITIONING));
  }

  /**
   * Reads the settings from their text by key ({@code streams.correlation-skew} → {@code 30s});
   * missing keys take their defaults, unknown keys and unusable values fail naming the key.
   */
  public static StreamsSettings fromMap(
      Map<String, String> textByKey, String bootstrapServers, Path stateDir) {
    List<Setting<?>> declared = new ArrayList<>(SETTINGS);
    declared.add(KafkaSettings.POD_PARTITIONING); // shared with ingest, declared there
    return from(SettingValues.parse(declared, textByKey), bootstrapServers, stateDir);
  }

  /** A copy with another application id (tests run several applications on one broker). */
  public StreamsSettings withApplicationId(String id) {
    return new StreamsSettings(
        id,
        bootstrapServers,
        stateDir,
        changePollInterval,
        fullReevaluationInterval,
        freshnessInterval,
        correlationSkew,
        deletedPodRetention,
        followUpFlushInterval,
        followUpMaxOpenAge,
        bypassDenials,
        bypassWindow,
        streamThreads,
        replicationFactor,
        heartbeatInterval,
        hygiene,
        severity,
        verdicts,
        podPartitioning);
  }

  /** A copy with another state directory (a second instance in the same JVM needs its own). */
  public StreamsSettings withStateDir(Path dir) {
    return new StreamsSettings(
        applicationId,
        bootstrapServers,
        dir,
        changePollInterval,
        fullReevaluationInterval,
        freshnessInterval,
        correlationSkew,
        deletedPodRetention,
        followUpFlushInterval,
        followUpMaxOpenAge,
        bypassDenials,
        bypassWindow,
        streamThreads,
        replicationFactor,
        heartbeatInterval,
        hygiene,
        severity,
        verdicts,
        podPartitioning);
  }

  /** A copy with another change-poll interval. */
  public StreamsSettings withChangePollInterval(Duration d) {
    return new StreamsSettings(
        applicationId,
        bootstrapServers,
        stateDir,
        d,
        fullReevaluationInterval,
        freshnessInterval,
        correlationSkew,
        deletedPodRetention,
        followUpFlushInterval,
        followUpMaxOpenAge,
        bypassDenials,
        bypassWindow,
        streamThreads,
        replicationFactor,
        heartbeatInterval,
        hygiene,
        severity,
        verdicts,
        podPartitioning);
  }

  /**
   * Fails when Kafka client settings ({@code --kafka-config}) would change a property that these
   * settings decide: it would otherwise be reset without a word (a {@code num.stream.threads} there
   * lost to {@link #STREAM_THREADS}). The message names the setting to use instead.
   */
  public void rejectOverrides(Map<String, String> clientProperties) {
    Properties own = streamsProperties();
    List<String> clashes = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(clientProperties).entrySet()) {
      Object ours = own.get(e.getKey());
      if (ours != null && !String.valueOf(ours).equals(e.getValue().trim())) {
        Setting<?> instead = OWNED_BY.get(e.getKey());
        clashes.add(
            e.getKey()
                + "="
                + e.getValue()
                + (instead != null
                    ? " (set it with "
                        + instead.flag()
                        + ", "
                        + instead.env()
                        + " or "
                        + instead.key()
                        + ")"
                    : " (Vigil sets it to " + ours + ")"));
      }
    }
    if (!clashes.isEmpty()) {
      throw new SettingException(
          KafkaSettings.CLIENT_CONFIG.flag()
              + ": "
              + String.join(", ", clashes)
              + ": Vigil's streams settings decide these; remove them from the client config");
    }
  }

  /** Kafka Streams properties set from a declared setting, for {@link #rejectOverrides}. */
  private static final Map<String, Setting<?>> OWNED_BY =
      Map.of(
          StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID,
          StreamsConfig.NUM_STREAM_THREADS_CONFIG, STREAM_THREADS,
          StreamsConfig.REPLICATION_FACTOR_CONFIG, REPLICATION_FACTOR,
          StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaSettings.BOOTSTRAP_SERVERS);

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
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterHandlers.Deserialization.class.getName());
    p.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterHandlers.Processing.class.getName());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, VigilRocksDbConfig.class.getName());
    // A task never waits for an input partition to catch up before processing another's records
    // (ADR 0150): every processor is correct in any interleaving of its inputs (ADR 0110, 0130),
    // and the wait's bookkeeping (log messages formatted for every record) was a tenth of the
    // stream thread.
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    // Re-evaluations run in bounded batches (Reevaluations: ~0.5 s each), so transactions stay
    // short; 30 s (Streams' default is 10 s) leaves room on a starved machine, and bounds how long
    // a
    // vanished instance's open transaction can hold back read_committed readers of the verdicts.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 30_000);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
    if (replicationFactor != -1) {
      // As for Vigil's own topics: a changelog write needs two in-sync copies once there are three.
      p.put(
          StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
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

  /** Checks one severity setting ({@link SeverityMapping#parse}); returns its text. */
  private static String severities(String decisions, String namespaces, String rules) {
    SeverityMapping.parse(decisions, namespaces, rules);
    return decisions + namespaces + rules;
  }

  private static SettingException invalid(Setting<?> setting, String value, String reason) {
    return new SettingException(setting.key() + "=" + value + ": " + reason);
  }

  private static void positive(Setting<Duration> setting, Duration d) {
    Objects.requireNonNull(d, setting.key());
    if (d.isNegative() || d.isZero()) {
      throw invalid(setting, d.toString(), "must be positive");
    }
  }
}
