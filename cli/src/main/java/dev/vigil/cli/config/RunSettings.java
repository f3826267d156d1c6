package dev.vigil.cli.config;

import dev.vigil.streams.SeverityMapping;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Every setting of {@code vigil run}, {@code vigil ingest} and {@code vigil streams}, declared
 * once. Flags, the YAML file ({@code --config}) and {@code VIGIL_*} environment variables are
 * derived from these declarations, and the README's configuration table is checked against them.
 */
public final class RunSettings {

  private RunSettings() {}

  // Kafka
  public static final Setting<String> BOOTSTRAP_SERVERS = new Setting<>("kafka.bootstrap-servers",
      "--bootstrap-servers", "VIGIL_BOOTSTRAP_SERVERS", Parsers::string, null,
      "Kafka bootstrap servers, host:port[,host:port] (required unless --embedded)");
  public static final Setting<Path> KAFKA_CONFIG = new Setting<>("kafka.client-config", "--kafka-config",
      "VIGIL_KAFKA_CONFIG", Parsers::path, null,
      "properties file of Kafka client settings (security.protocol, ssl.*, sasl.*)");
  public static final Setting<Boolean> EMBEDDED = new Setting<>("kafka.embedded", "--embedded", "VIGIL_EMBEDDED",
      Parsers.BOOL, "false",
      "vigil run only: start a one-broker Kafka in this process (replication factor 1, data under --data-dir); "
          + "for development and trials, never production");
  public static final Setting<Path> DATA_DIR = new Setting<>("data-dir", "--data-dir", "VIGIL_DATA_DIR",
      Parsers::path, "vigil-data", "embedded broker data and Kafka Streams state, kept across restarts");
  public static final Setting<Integer> EMBEDDED_PORT = new Setting<>("kafka.embedded-port", "--embedded-port",
      "VIGIL_EMBEDDED_PORT", Parsers::port, "9092",
      "client port of the embedded broker on 127.0.0.1 (0 picks a free one)");

  // Clusters
  public static final Setting<Boolean> WATCH = new Setting<>("kube.watch", "--watch", "VIGIL_KUBE_WATCH",
      Parsers.BOOL, "true", "watch pods through the Kubernetes API (kubeconfig or in-cluster config)");
  public static final Setting<List<String>> CONTEXTS = new Setting<>("kube.contexts", "--context",
      "VIGIL_KUBE_CONTEXTS", Parsers::list, null,
      "kubeconfig contexts to watch, comma-separated; default the current context (or in-cluster config)");
  public static final Setting<String> CLUSTER_ID = new Setting<>("kube.cluster-id", "--cluster-id",
      "VIGIL_CLUSTER_ID", Parsers::string, null,
      "cluster id for a single watched context (default: LOCATION.NAME for GKE contexts, else the context name)");
  public static final Setting<List<String>> NAMESPACES = new Setting<>("kube.namespaces", "--namespace",
      "VIGIL_KUBE_NAMESPACES", Parsers::list, null, "namespaces to watch, comma-separated; default all");

  // Policies and facts
  public static final Setting<Path> POLICY = new Setting<>("policy.file", "--policy", "VIGIL_POLICY",
      Parsers::path, null, "Binary Authorization policy (gcloud container binauthz policy export), watched for changes");
  public static final Setting<Path> PLATFORM_POLICY = new Setting<>("policy.platform-file", "--platform-policy",
      "VIGIL_PLATFORM_POLICY", Parsers::path, null, "continuous-validation platform policy (gkePolicy.checkSets)");
  public static final Setting<Path> ATTESTORS = new Setting<>("policy.attestors", "--attestors",
      "VIGIL_ATTESTORS", Parsers::path, null, "attestor file (gcloud container binauthz attestors describe)");
  public static final Setting<String> POLICY_SCOPE = new Setting<>("policy.scope", "--policy-scope",
      "VIGIL_POLICY_SCOPE", Parsers::string, "*", "cluster id the policy governs, or * for every cluster");
  public static final Setting<Path> ATTESTATIONS = new Setting<>("feeds.attestations", "--attestations",
      "VIGIL_ATTESTATIONS", Parsers::path, null, "Grafeas attestation occurrences: a JSON file or a directory");
  public static final Setting<Path> IMAGE_METADATA = new Setting<>("feeds.image-metadata", "--image-metadata",
      "VIGIL_IMAGE_METADATA", Parsers::path, null, "image metadata (upload time, vulnerabilities): a JSON file or a directory");
  public static final Setting<Duration> FEED_INTERVAL = new Setting<>("feeds.interval", "--feed-interval",
      "VIGIL_FEED_INTERVAL", Parsers::duration, "10s", "how often policy, attestation and metadata files are checked");
  public static final Setting<String> GRAFEAS_PROJECT = new Setting<>("feeds.grafeas-project", "--grafeas-project",
      "VIGIL_GRAFEAS_PROJECT", Parsers::string, null,
      "Google Cloud project whose Container Analysis (Grafeas) ATTESTATION occurrences are polled; off when absent");
  public static final Setting<String> GRAFEAS_ENDPOINT = new Setting<>("feeds.grafeas-endpoint", "--grafeas-endpoint",
      "VIGIL_GRAFEAS_ENDPOINT", Parsers::string, "https://containeranalysis.googleapis.com",
      "root URL of the Grafeas v1 REST API");
  public static final Setting<String> GRAFEAS_CREDENTIALS = new Setting<>("feeds.grafeas-credentials",
      "--grafeas-credentials", "VIGIL_GRAFEAS_CREDENTIALS", Parsers::string, "google",
      "google (Application Default Credentials) or none (a Grafeas server without authentication)");
  public static final Setting<Boolean> COSIGN = new Setting<>("feeds.cosign", "--cosign", "VIGIL_COSIGN",
      Parsers::bool, "false", "read the cosign signatures of running images from their registries (sha256-<digest>.sig)");
  public static final Setting<Duration> COSIGN_TTL = new Setting<>("feeds.cosign-ttl", "--cosign-ttl",
      "VIGIL_COSIGN_TTL", Parsers::duration, "10m", "how long an image's signatures are trusted before they are read again");
  public static final Setting<Path> COSIGN_DOCKER_CONFIG = new Setting<>("feeds.cosign-docker-config",
      "--cosign-docker-config", "VIGIL_COSIGN_DOCKER_CONFIG", Parsers::path, null,
      "docker config file with registry credentials (auths, credHelpers); anonymous when absent");
  public static final Setting<List<String>> COSIGN_PLAIN_HTTP = new Setting<>("feeds.cosign-plain-http",
      "--cosign-plain-http", "VIGIL_COSIGN_PLAIN_HTTP", Parsers::list, null,
      "registries (host:port) that may be read over plain HTTP, comma-separated; for test registries only");
  public static final Setting<Duration> GRAFEAS_INTERVAL = new Setting<>("feeds.grafeas-interval",
      "--grafeas-interval", "VIGIL_GRAFEAS_INTERVAL", Parsers::duration, "60s",
      "how often the Grafeas occurrences are listed");

  // Audit webhook receiver
  public static final Setting<InetSocketAddress> AUDIT_LISTEN = new Setting<>("audit.listen", "--audit-listen",
      "VIGIL_AUDIT_LISTEN", Parsers::address, null,
      "host:port of the HTTPS audit webhook receiver; off when absent");
  public static final Setting<Path> AUDIT_CERT = new Setting<>("audit.tls-cert", "--audit-tls-cert",
      "VIGIL_AUDIT_TLS_CERT", Parsers::path, null, "receiver certificate chain (PEM)");
  public static final Setting<Path> AUDIT_KEY = new Setting<>("audit.tls-key", "--audit-tls-key",
      "VIGIL_AUDIT_TLS_KEY", Parsers::path, null, "receiver private key (PEM, unencrypted)");
  public static final Setting<Path> AUDIT_CLIENT_CA = new Setting<>("audit.client-ca", "--audit-client-ca",
      "VIGIL_AUDIT_CLIENT_CA", Parsers::path, null, "CA bundle for client certificates (mTLS)");
  public static final Setting<Path> AUDIT_TOKENS = new Setting<>("audit.token-file", "--audit-token-file",
      "VIGIL_AUDIT_TOKEN_FILE", Parsers::path, null,
      "file of accepted bearer tokens, one per line; `token => cluster, ...` limits one to those clusters");
  public static final Setting<Path> AUDIT_CLIENT_SUBJECTS = new Setting<>("audit.client-subject-file",
      "--audit-client-subject-file", "VIGIL_AUDIT_CLIENT_SUBJECT_FILE", Parsers::path, null,
      "file of accepted client-certificate subjects, `CN=... => cluster, ...`; absent: any the client CA signed");
  public static final Setting<List<String>> AUDIT_CLUSTERS = new Setting<>("audit.clusters", "--audit-cluster",
      "VIGIL_AUDIT_CLUSTERS", Parsers::list, null, "cluster ids that may post to /audit/<id>, comma-separated");
  public static final Setting<Long> AUDIT_MAX_BODY = new Setting<>("audit.max-body", "--audit-max-body",
      "VIGIL_AUDIT_MAX_BODY", Parsers::bytes, "16MiB", "largest accepted request body (413 above)");
  public static final Setting<Duration> AUDIT_HEADER_TIMEOUT = new Setting<>("audit.header-timeout",
      "--audit-header-timeout", "VIGIL_AUDIT_HEADER_TIMEOUT", Parsers::duration, "10s",
      "a connection is closed if a request line and headers take longer from their first byte (slow clients)");
  public static final Setting<Duration> AUDIT_REQUEST_TIMEOUT = new Setting<>("audit.request-timeout",
      "--audit-request-timeout", "VIGIL_AUDIT_REQUEST_TIMEOUT", Parsers::duration, "30s",
      "a connection is closed if a request body takes longer after its headers");
  public static final Setting<Duration> AUDIT_IDLE_TIMEOUT = new Setting<>("audit.idle-timeout",
      "--audit-idle-timeout", "VIGIL_AUDIT_IDLE_TIMEOUT", Parsers::duration, "30s",
      "a connection is closed if silent this long, or if its TLS handshake and first request take longer");
  public static final Setting<Integer> AUDIT_MAX_CONNECTIONS = new Setting<>("audit.max-connections",
      "--audit-max-connections", "VIGIL_AUDIT_MAX_CONNECTIONS", Parsers::positive, "1000",
      "open connections at most; past it new ones wait while idle ones are closed after 1 s");
  public static final Setting<Boolean> AUDIT_GKE_PUBSUB = new Setting<>("audit.gke-pubsub", "--gke-pubsub",
      "VIGIL_GKE_PUBSUB", Parsers.BOOL, "false", "serve POST /gke/pubsub for a Cloud Audit Log sink's Pub/Sub push");

  // Streams
  public static final Setting<String> APPLICATION_ID = new Setting<>("streams.application-id", "--application-id",
      "VIGIL_APPLICATION_ID", Parsers::string, "vigil-streams", "Kafka Streams application.id shared by all instances");
  public static final Setting<Duration> REEVALUATION_INTERVAL = new Setting<>("streams.reevaluation-interval",
      "--reevaluation-interval", "VIGIL_REEVALUATION_INTERVAL", Parsers::duration, "1h",
      "full re-evaluation of every running pod, as a safety net");
  public static final Setting<Duration> CORRELATION_SKEW = new Setting<>("streams.correlation-skew",
      "--correlation-skew", "VIGIL_CORRELATION_SKEW", Parsers::duration, "5m",
      "how long an admission event waits for its pod event");
  public static final Setting<Integer> STREAMS_REPLICATION_FACTOR = new Setting<>("streams.replication-factor",
      "--streams-replication-factor", "VIGIL_STREAMS_REPLICATION_FACTOR", Parsers::replicationFactor, "-1",
      "replication factor of Kafka Streams' internal topics (changelogs); -1 takes the broker's "
          + "default.replication.factor; production: 3");
  public static final Setting<String> SEVERITY_DECISIONS = new Setting<>("streams.severity.decisions",
      "--severity-decisions", "VIGIL_SEVERITY_DECISIONS", s -> severities(s, "", ""), SeverityMapping.DEFAULT_DECISIONS,
      "severity (critical, high, medium, low) of a policy violation by decision, DECISION=severity comma-separated; "
          + "decisions not named keep their default");
  public static final Setting<String> SEVERITY_NAMESPACES = new Setting<>("streams.severity.namespaces",
      "--severity-namespaces", "VIGIL_SEVERITY_NAMESPACES", s -> severities("", s, ""), null,
      "namespace=severity, comma-separated: the severity of every policy violation in that namespace");
  public static final Setting<String> SEVERITY_RULES = new Setting<>("streams.severity.rules", "--severity-rules",
      "VIGIL_SEVERITY_RULES", s -> severities("", "", s), null,
      "rule=severity, comma-separated (a rule or check as a violation's rules name it, e.g. imageFreshnessCheck): "
          + "before the namespace's; the gravest when several failing rules have one");

  // Operations
  public static final Setting<InetSocketAddress> METRICS_LISTEN = new Setting<>("metrics.listen",
      "--metrics-listen", "VIGIL_METRICS_LISTEN", Parsers::address, "127.0.0.1:9464",
      "host:port of /metrics, /healthz and /readyz (plain HTTP, read-only)");
  public static final Setting<Boolean> FEED = new Setting<>("console.feed", "--feed", "VIGIL_CONSOLE_FEED",
      Parsers.BOOL, "true", "print violation transitions and follow-up changes on the console");

  private static final List<Setting<?>> KAFKA = List.of(BOOTSTRAP_SERVERS, KAFKA_CONFIG);
  private static final List<Setting<?>> EMBEDDED_KAFKA = List.of(EMBEDDED, EMBEDDED_PORT);
  private static final List<Setting<?>> INGEST = List.of(WATCH, CONTEXTS, CLUSTER_ID, NAMESPACES, POLICY,
      PLATFORM_POLICY, ATTESTORS, POLICY_SCOPE, ATTESTATIONS, IMAGE_METADATA, FEED_INTERVAL, GRAFEAS_PROJECT,
      GRAFEAS_ENDPOINT, GRAFEAS_CREDENTIALS, GRAFEAS_INTERVAL, COSIGN, COSIGN_TTL, COSIGN_DOCKER_CONFIG,
      COSIGN_PLAIN_HTTP, AUDIT_LISTEN,
      AUDIT_CERT, AUDIT_KEY, AUDIT_CLIENT_CA, AUDIT_TOKENS, AUDIT_CLIENT_SUBJECTS, AUDIT_CLUSTERS, AUDIT_MAX_BODY, AUDIT_HEADER_TIMEOUT,
      AUDIT_REQUEST_TIMEOUT, AUDIT_IDLE_TIMEOUT, AUDIT_MAX_CONNECTIONS, AUDIT_GKE_PUBSUB);
  private static final List<Setting<?>> STREAMS = List.of(APPLICATION_ID, REEVALUATION_INTERVAL, CORRELATION_SKEW,
      STREAMS_REPLICATION_FACTOR, SEVERITY_DECISIONS, SEVERITY_NAMESPACES, SEVERITY_RULES);
  private static final List<Setting<?>> OPS = List.of(METRICS_LISTEN, FEED);

  /** Settings of {@code vigil run}: all of them. */
  public static List<Setting<?>> run() {
    return concat(KAFKA, EMBEDDED_KAFKA, List.of(DATA_DIR), INGEST, STREAMS, OPS);
  }

  /** Settings of {@code vigil ingest}. */
  public static List<Setting<?>> ingest() {
    return concat(KAFKA, INGEST, OPS);
  }

  /** Settings of {@code vigil streams} (its state lives under the data directory). */
  public static List<Setting<?>> streams() {
    return concat(KAFKA, List.of(DATA_DIR), STREAMS, OPS);
  }

  /** Checks a severity mapping setting (streams' {@link SeverityMapping}); returns its text. */
  private static String severities(String decisions, String namespaces, String rules) {
    SeverityMapping.parse(decisions, namespaces, rules);
    return decisions + namespaces + rules;
  }

  @SafeVarargs
  private static List<Setting<?>> concat(List<Setting<?>>... lists) {
    return java.util.Arrays.stream(lists).flatMap(List::stream).toList();
  }
}
