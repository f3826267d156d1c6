package dev.vigil.ingest.app;

import dev.vigil.ingest.http.Access;
import dev.vigil.ingest.http.ReceiverSettings;
import dev.vigil.schemas.settings.Parsers;
import dev.vigil.schemas.settings.Setting;
import dev.vigil.schemas.settings.SettingException;
import dev.vigil.schemas.settings.SettingValues;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The typed configuration of ingest ({@code vigil ingest}, and the ingest half of {@code vigil
 * run}): which clusters to watch, the policy and fact feeds, the HTTPS audit receiver. Every key is
 * declared once below with its flag, variable, default and documentation; {@link #from} reads them
 * and fails naming the flag when settings contradict each other.
 *
 * @param watch whether pods are watched through the Kubernetes API
 * @param contexts kubeconfig contexts to watch; empty: the current context (or in-cluster config)
 * @param clusterId the cluster id of a single watched context, or {@code null} to derive it
 * @param namespaces namespaces to watch; empty: all
 * @param feeds the policy and fact feeds
 * @param audit the HTTPS audit receiver, or {@code null} when off
 */
public record IngestSettings(
    boolean watch,
    List<String> contexts,
    String clusterId,
    List<String> namespaces,
    Feeds feeds,
    Audit audit) {

  // Clusters
  public static final Setting<Boolean> WATCH =
      new Setting<>(
          "kube.watch",
          "--watch",
          "VIGIL_KUBE_WATCH",
          Parsers.BOOL,
          "true",
          "watch pods through the Kubernetes API (kubeconfig or in-cluster config)");
  public static final Setting<List<String>> CONTEXTS =
      new Setting<>(
          "kube.contexts",
          "--context",
          "VIGIL_KUBE_CONTEXTS",
          Parsers::list,
          null,
          "kubeconfig contexts to watch, comma-separated; default the current context (or in-cluster config)");
  public static final Setting<String> CLUSTER_ID =
      new Setting<>(
          "kube.cluster-id",
          "--cluster-id",
          "VIGIL_CLUSTER_ID",
          Parsers::string,
          null,
          "cluster id for a single watched context (default: LOCATION.NAME for GKE contexts, else the context name)");
  public static final Setting<List<String>> NAMESPACES =
      new Setting<>(
          "kube.namespaces",
          "--namespace",
          "VIGIL_KUBE_NAMESPACES",
          Parsers::list,
          null,
          "namespaces to watch, comma-separated; default all");

  // Policies and facts
  public static final Setting<Path> POLICY =
      new Setting<>(
          "policy.file",
          "--policy",
          "VIGIL_POLICY",
          Parsers::path,
          null,
          "Binary Authorization policy (gcloud container binauthz policy export), watched for changes");
  public static final Setting<Path> PLATFORM_POLICY =
      new Setting<>(
          "policy.platform-file",
          "--platform-policy",
          "VIGIL_PLATFORM_POLICY",
          Parsers::path,
          null,
          "continuous-validation platform policy (gkePolicy.checkSets)");
  public static final Setting<Path> ATTESTORS =
      new Setting<>(
          "policy.attestors",
          "--attestors",
          "VIGIL_ATTESTORS",
          Parsers::path,
          null,
          "attestor file (gcloud container binauthz attestors describe)");
  public static final Setting<String> POLICY_SCOPE =
      new Setting<>(
          "policy.scope",
          "--policy-scope",
          "VIGIL_POLICY_SCOPE",
          Parsers::string,
          "*",
          "cluster id the policy governs, or * for every cluster");
  public static final Setting<Path> ATTESTATIONS =
      new Setting<>(
          "feeds.attestations",
          "--attestations",
          "VIGIL_ATTESTATIONS",
          Parsers::path,
          null,
          "Grafeas attestation occurrences: a JSON file or a directory");
  public static final Setting<Path> IMAGE_METADATA =
      new Setting<>(
          "feeds.image-metadata",
          "--image-metadata",
          "VIGIL_IMAGE_METADATA",
          Parsers::path,
          null,
          "image metadata (upload time, vulnerabilities): a JSON file or a directory");
  public static final Setting<Duration> FEED_INTERVAL =
      new Setting<>(
          "feeds.interval",
          "--feed-interval",
          "VIGIL_FEED_INTERVAL",
          Parsers::duration,
          "10s",
          "how often policy, attestation and metadata files are checked");
  public static final Setting<String> GRAFEAS_PROJECT =
      new Setting<>(
          "feeds.grafeas-project",
          "--grafeas-project",
          "VIGIL_GRAFEAS_PROJECT",
          Parsers::string,
          null,
          "Google Cloud project whose Container Analysis (Grafeas) ATTESTATION occurrences are polled; off when absent");
  public static final Setting<String> GRAFEAS_ENDPOINT =
      new Setting<>(
          "feeds.grafeas-endpoint",
          "--grafeas-endpoint",
          "VIGIL_GRAFEAS_ENDPOINT",
          Parsers::string,
          "https://containeranalysis.googleapis.com",
          "root URL of the Grafeas v1 REST API");
  public static final Setting<String> GRAFEAS_CREDENTIALS =
      new Setting<>(
          "feeds.grafeas-credentials",
          "--grafeas-credentials",
          "VIGIL_GRAFEAS_CREDENTIALS",
          Parsers::string,
          "google",
          "google (Application Default Credentials) or none (a Grafeas server without authentication)");
  public static final Setting<Duration> GRAFEAS_INTERVAL =
      new Setting<>(
          "feeds.grafeas-interval",
          "--grafeas-interval",
          "VIGIL_GRAFEAS_INTERVAL",
          Parsers::duration,
          "60s",
          "how often the Grafeas occurrences are listed");
  public static final Setting<Boolean> COSIGN =
      new Setting<>(
          "feeds.cosign",
          "--cosign",
          "VIGIL_COSIGN",
          Parsers::bool,
          "false",
          "read the cosign signatures of running images from their registries (sha256-<digest>.sig)");
  public static final Setting<Duration> COSIGN_TTL =
      new Setting<>(
          "feeds.cosign-ttl",
          "--cosign-ttl",
          "VIGIL_COSIGN_TTL",
          Parsers::duration,
          "10m",
          "how long an image's signatures are trusted before they are read again");
  public static final Setting<Path> COSIGN_DOCKER_CONFIG =
      new Setting<>(
          "feeds.cosign-docker-config",
          "--cosign-docker-config",
          "VIGIL_COSIGN_DOCKER_CONFIG",
          Parsers::path,
          null,
          "docker config file with registry credentials (auths, credHelpers); anonymous when absent");
  public static final Setting<List<String>> COSIGN_PLAIN_HTTP =
      new Setting<>(
          "feeds.cosign-plain-http",
          "--cosign-plain-http",
          "VIGIL_COSIGN_PLAIN_HTTP",
          Parsers::list,
          null,
          "registries (host:port) that may be read over plain HTTP, comma-separated; for test registries only");

  // Audit webhook receiver
  public static final Setting<InetSocketAddress> AUDIT_LISTEN =
      new Setting<>(
          "audit.listen",
          "--audit-listen",
          "VIGIL_AUDIT_LISTEN",
          Parsers::address,
          null,
          "host:port of the HTTPS audit webhook receiver; off when absent");
  public static final Setting<Path> AUDIT_CERT =
      new Setting<>(
          "audit.tls-cert",
          "--audit-tls-cert",
          "VIGIL_AUDIT_TLS_CERT",
          Parsers::path,
          null,
          "receiver certificate chain (PEM)");
  public static final Setting<Path> AUDIT_KEY =
      new Setting<>(
          "audit.tls-key",
          "--audit-tls-key",
          "VIGIL_AUDIT_TLS_KEY",
          Parsers::path,
          null,
          "receiver private key (PEM, unencrypted)");
  public static final Setting<Path> AUDIT_CLIENT_CA =
      new Setting<>(
          "audit.client-ca",
          "--audit-client-ca",
          "VIGIL_AUDIT_CLIENT_CA",
          Parsers::path,
          null,
          "CA bundle for client certificates (mTLS)");
  public static final Setting<Path> AUDIT_TOKENS =
      new Setting<>(
          "audit.token-file",
          "--audit-token-file",
          "VIGIL_AUDIT_TOKEN_FILE",
          Parsers::path,
          null,
          "file of accepted bearer tokens, one per line; `token => cluster, ...` limits one to those clusters");
  public static final Setting<Path> AUDIT_CLIENT_SUBJECTS =
      new Setting<>(
          "audit.client-subject-file",
          "--audit-client-subject-file",
          "VIGIL_AUDIT_CLIENT_SUBJECT_FILE",
          Parsers::path,
          null,
          "file of accepted client-certificate subjects, `CN=... => cluster, ...`; absent: any the client CA signed");
  public static final Setting<List<String>> AUDIT_CLUSTERS =
      new Setting<>(
          "audit.clusters",
          "--audit-cluster",
          "VIGIL_AUDIT_CLUSTERS",
          Parsers::list,
          null,
          "cluster ids that may post to /audit/<id>, comma-separated");
  public static final Setting<Long> AUDIT_MAX_BODY =
      new Setting<>(
          "audit.max-body",
          "--audit-max-body",
          "VIGIL_AUDIT_MAX_BODY",
          Parsers::bytes,
          "16MiB",
          "largest accepted request body (413 above)");
  public static final Setting<Duration> AUDIT_HEADER_TIMEOUT =
      new Setting<>(
          "audit.header-timeout",
          "--audit-header-timeout",
          "VIGIL_AUDIT_HEADER_TIMEOUT",
          Parsers::duration,
          "10s",
          "a connection is closed if a request line and headers take longer from their first byte (slow clients)");
  public static final Setting<Duration> AUDIT_REQUEST_TIMEOUT =
      new Setting<>(
          "audit.request-timeout",
          "--audit-request-timeout",
          "VIGIL_AUDIT_REQUEST_TIMEOUT",
          Parsers::duration,
          "30s",
          "a connection is closed if a request body takes longer after its headers");
  public static final Setting<Duration> AUDIT_IDLE_TIMEOUT =
      new Setting<>(
          "audit.idle-timeout",
          "--audit-idle-timeout",
          "VIGIL_AUDIT_IDLE_TIMEOUT",
          Parsers::duration,
          "30s",
          "a connection is closed if silent this long, or if its TLS handshake and first request take longer");
  public static final Setting<Integer> AUDIT_MAX_CONNECTIONS =
      new Setting<>(
          "audit.max-connections",
          "--audit-max-connections",
          "VIGIL_AUDIT_MAX_CONNECTIONS",
          Parsers::positive,
          "1000",
          "open connections at most; past it new ones wait while idle ones are closed after 1 s");
  public static final Setting<Boolean> AUDIT_GKE_PUBSUB =
      new Setting<>(
          "audit.gke-pubsub",
          "--gke-pubsub",
          "VIGIL_GKE_PUBSUB",
          Parsers.BOOL,
          "false",
          "serve POST /gke/pubsub for a Cloud Audit Log sink's Pub/Sub push");

  /** Every ingest setting, in the order of the README's table. A new one goes here too. */
  public static final List<Setting<?>> SETTINGS =
      List.of(
          WATCH,
          CONTEXTS,
          CLUSTER_ID,
          NAMESPACES,
          POLICY,
          PLATFORM_POLICY,
          ATTESTORS,
          POLICY_SCOPE,
          ATTESTATIONS,
          IMAGE_METADATA,
          FEED_INTERVAL,
          GRAFEAS_PROJECT,
          GRAFEAS_ENDPOINT,
          GRAFEAS_CREDENTIALS,
          GRAFEAS_INTERVAL,
          COSIGN,
          COSIGN_TTL,
          COSIGN_DOCKER_CONFIG,
          COSIGN_PLAIN_HTTP,
          AUDIT_LISTEN,
          AUDIT_CERT,
          AUDIT_KEY,
          AUDIT_CLIENT_CA,
          AUDIT_TOKENS,
          AUDIT_CLIENT_SUBJECTS,
          AUDIT_CLUSTERS,
          AUDIT_MAX_BODY,
          AUDIT_HEADER_TIMEOUT,
          AUDIT_REQUEST_TIMEOUT,
          AUDIT_IDLE_TIMEOUT,
          AUDIT_MAX_CONNECTIONS,
          AUDIT_GKE_PUBSUB);

  /**
   * The policy and fact feeds.
   *
   * @param policy Binary Authorization policy file, or {@code null}
   * @param platformPolicy continuous-validation platform policy file, or {@code null}
   * @param attestors attestor file, or {@code null}
   * @param policyScope cluster id the policy governs, or {@code *}
   * @param attestations attestation occurrences (file or directory), or {@code null}
   * @param imageMetadata image metadata (file or directory), or {@code null}
   * @param interval how often the files are checked
   * @param grafeas the Grafeas project to poll, or {@code null}
   * @param cosign cosign signature reading, or {@code null} when off
   */
  public record Feeds(
      Path policy,
      Path platformPolicy,
      Path attestors,
      String policyScope,
      Path attestations,
      Path imageMetadata,
      Duration interval,
      Grafeas grafeas,
      Cosign cosign) {
    public Feeds {
      Objects.requireNonNull(policyScope, POLICY_SCOPE.key());
      Objects.requireNonNull(interval, FEED_INTERVAL.key());
    }
  }

  /**
   * The Container Analysis (Grafeas) project to poll; {@code googleCredentials} false means
   * anonymous.
   */
  public record Grafeas(
      String project, URI endpoint, boolean googleCredentials, Duration interval) {}

  /**
   * Cosign signatures of running images: TTL, docker config file or null, plain-HTTP registries.
   */
  public record Cosign(Duration ttl, Path dockerConfig, List<String> plainHttpRegistries) {
    public Cosign {
      plainHttpRegistries = List.copyOf(plainHttpRegistries);
    }
  }

  /**
   * The HTTPS audit receiver as configured; {@code clusters} empty means the watched clusters (see
   * {@link #receiver}).
   */
  public record Audit(
      InetSocketAddress listen,
      Path certificate,
      Path privateKey,
      Path clientCa,
      Access access,
      List<String> clusters,
      long maxBodyBytes,
      boolean gkePubSub,
      Duration headerTimeout,
      Duration requestTimeout,
      Duration idleTimeout,
      int maxConnections) {
    public Audit {
      clusters = List.copyOf(clusters);
    }

    /**
     * The receiver's settings; the clusters that may post are the configured ones, else {@code
     * watched}. A single cluster is also the one Pub/Sub pushes are attributed to.
     */
    public ReceiverSettings receiver(Set<String> watched) {
      Set<String> ids = new LinkedHashSet<>(clusters.isEmpty() ? watched : clusters);
      try {
        return new ReceiverSettings(
            listen.getHostString(),
            listen.getPort(),
            certificate,
            privateKey,
            clientCa,
            access,
            ids,
            maxBodyBytes,
            ReceiverSettings.DEFAULT_DEDUP_WINDOW,
            ReceiverSettings.DEFAULT_THREADS,
            gkePubSub,
            ids.size() == 1 ? ids.iterator().next() : null,
            headerTimeout,
            requestTimeout,
            idleTimeout,
            maxConnections);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new SettingException("audit receiver: " + e.getMessage());
      }
    }
  }

  public IngestSettings {
    contexts = List.copyOf(contexts);
    namespaces = List.copyOf(namespaces);
    Objects.requireNonNull(feeds, "feeds");
    if (watch && contexts.size() > 1 && clusterId != null) {
      throw new SettingException(
          CLUSTER_ID.flag()
              + " names one cluster but "
              + contexts.size()
              + " contexts are watched; cluster ids come from the context names then");
    }
  }

  /** Reads the settings, failing naming the flag when they cannot be used together. */
  public static IngestSettings from(SettingValues values) {
    return new IngestSettings(
        values.require(WATCH),
        values.get(CONTEXTS).orElse(List.of()),
        values.get(CLUSTER_ID).orElse(null),
        values.get(NAMESPACES).orElse(List.of()),
        new Feeds(
            values.get(POLICY).orElse(null),
            values.get(PLATFORM_POLICY).orElse(null),
            values.get(ATTESTORS).orElse(null),
            values.require(POLICY_SCOPE),
            values.get(ATTESTATIONS).orElse(null),
            values.get(IMAGE_METADATA).orElse(null),
            values.require(FEED_INTERVAL),
            grafeas(values),
            values.require(COSIGN)
                ? new Cosign(
                    values.require(COSIGN_TTL),
                    values.get(COSIGN_DOCKER_CONFIG).orElse(null),
                    values.get(COSIGN_PLAIN_HTTP).orElse(List.of()))
                : null),
        audit(values));
  }

  private static Grafeas grafeas(SettingValues values) {
    if (values.get(GRAFEAS_PROJECT).isEmpty()) {
      return null;
    }
    String endpoint = values.require(GRAFEAS_ENDPOINT);
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (URISyntaxException e) {
      uri = null;
    }
    if (uri == null
        || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new SettingException(
          GRAFEAS_ENDPOINT.flag() + ": '" + endpoint + "' is not an http(s) URL");
    }
    String credentials = values.require(GRAFEAS_CREDENTIALS);
    if (!credentials.equals("google") && !credentials.equals("none")) {
      throw new SettingException(
          GRAFEAS_CREDENTIALS.flag() + ": '" + credentials + "' is neither google nor none");
    }
    return new Grafeas(
        values.require(GRAFEAS_PROJECT),
        uri,
        credentials.equals("google"),
        values.require(GRAFEAS_INTERVAL));
  }

  private static Audit audit(SettingValues values) {
    if (values.get(AUDIT_LISTEN).isEmpty()) {
      return null;
    }
    Path cert =
        values
            .get(AUDIT_CERT)
            .orElseThrow(
                () ->
                    new SettingException(
                        AUDIT_CERT.flag()
                            + " is required with "
                            + AUDIT_LISTEN.flag()
                            + ": the receiver only speaks HTTPS"));
    Path key =
        values
            .get(AUDIT_KEY)
            .orElseThrow(
                () ->
                    new SettingException(
                        AUDIT_KEY.flag() + " is required with " + AUDIT_LISTEN.flag()));
    Access access;
    try {
      access =
          Access.read(
              values.get(AUDIT_TOKENS).orElse(null),
              values.get(AUDIT_CLIENT_SUBJECTS).orElse(null));
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new SettingException(
          AUDIT_TOKENS.flag() + " / " + AUDIT_CLIENT_SUBJECTS.flag() + ": " + e.getMessage());
    }
    return new Audit(
        values.require(AUDIT_LISTEN),
        cert,
        key,
        values.get(AUDIT_CLIENT_CA).orElse(null),
        access,
        values.get(AUDIT_CLUSTERS).orElse(List.of()),
        values.require(AUDIT_MAX_BODY),
        values.require(AUDIT_GKE_PUBSUB),
        values.require(AUDIT_HEADER_TIMEOUT),
        values.require(AUDIT_REQUEST_TIMEOUT),
        values.require(AUDIT_IDLE_TIMEOUT),
        values.require(AUDIT_MAX_CONNECTIONS));
  }
}
