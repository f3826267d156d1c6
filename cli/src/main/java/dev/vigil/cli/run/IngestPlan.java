package dev.vigil.cli.run;

import dev.vigil.cli.config.Config;
import dev.vigil.cli.config.ConfigException;
import dev.vigil.cli.config.RunSettings;
import dev.vigil.ingest.http.Access;
import dev.vigil.ingest.http.ReceiverSettings;
import dev.vigil.ingest.watch.ClusterClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the ingest side of a process runs: pod watchers (one per cluster), the HTTPS receivers, and
 * the policy, attestation and image-metadata feeds.
 */
public record IngestPlan(
    List<Watch> watches,
    List<String> namespaces,
    ReceiverSettings receiver,
    Path policy,
    Path platformPolicy,
    Path attestors,
    String policyScope,
    Path attestations,
    Path imageMetadata,
    Duration feedInterval,
    Grafeas grafeas,
    Cosign cosign) {

  /** One cluster to watch. */
  public record Watch(String clusterId, KubernetesClient client) {}

  /** The Container Analysis (Grafeas) project to poll; {@code googleCredentials} false means anonymous. */
  public record Grafeas(String project, URI endpoint, boolean googleCredentials, Duration interval) {}

  /** Cosign signatures of running images: TTL, docker config file or null, plain-HTTP registries. */
  public record Cosign(Duration ttl, Path dockerConfig, List<String> plainHttpRegistries) {}

  public IngestPlan {
    watches = List.copyOf(watches);
    namespaces = List.copyOf(namespaces);
  }

  /** A plan without a Grafeas poller or cosign signatures. */
  public IngestPlan(List<Watch> watches, List<String> namespaces, ReceiverSettings receiver, Path policy,
      Path platformPolicy, Path attestors, String policyScope, Path attestations, Path imageMetadata,
      Duration feedInterval) {
    this(watches, namespaces, receiver, policy, platformPolicy, attestors, policyScope, attestations, imageMetadata,
        feedInterval, null, null);
  }

  /** The plan the configuration describes. */
  public static IngestPlan from(Config config) {
    List<Watch> watches = new ArrayList<>();
    if (config.require(RunSettings.WATCH)) {
      List<String> contexts = config.get(RunSettings.CONTEXTS).orElse(List.of());
      if (contexts.size() > 1 && config.get(RunSettings.CLUSTER_ID).isPresent()) {
        throw new ConfigException(RunSettings.CLUSTER_ID.flag() + " names one cluster but "
            + contexts.size() + " contexts are watched; cluster ids come from the context names then");
      }
      if (contexts.isEmpty()) {
        ClusterChecks.requireSomeConfig();
      }
      List<String> namespaces = config.get(RunSettings.NAMESPACES).orElse(List.of());
      for (String context : contexts.isEmpty() ? java.util.Collections.<String>singletonList(null) : contexts) {
        KubernetesClient client = ClusterClients.forContext(context);
        try {
          String current = ClusterChecks.contextOf(client, context);
          ClusterChecks.probe(client, current, namespaces);
          String id = config.get(RunSettings.CLUSTER_ID).orElse(clusterIdOf(current));
          watches.add(new Watch(id, client));
        } catch (RuntimeException e) {
          client.close();
          watches.forEach(w -> w.client().close());
          throw e;
        }
      }
    }
    return new IngestPlan(watches, config.get(RunSettings.NAMESPACES).orElse(List.of()), receiver(config, watches),
        config.get(RunSettings.POLICY).orElse(null), config.get(RunSettings.PLATFORM_POLICY).orElse(null),
        config.get(RunSettings.ATTESTORS).orElse(null), config.require(RunSettings.POLICY_SCOPE),
        config.get(RunSettings.ATTESTATIONS).orElse(null), config.get(RunSettings.IMAGE_METADATA).orElse(null),
        config.require(RunSettings.FEED_INTERVAL), grafeas(config),
        config.require(RunSettings.COSIGN) ? new Cosign(config.require(RunSettings.COSIGN_TTL),
            config.get(RunSettings.COSIGN_DOCKER_CONFIG).orElse(null),
            config.get(RunSettings.COSIGN_PLAIN_HTTP).orElse(List.of())) : null);
  }

  private static Grafeas grafeas(Config config) {
    if (config.get(RunSettings.GRAFEAS_PROJECT).isEmpty()) {
      return null;
    }
    String endpoint = config.require(RunSettings.GRAFEAS_ENDPOINT);
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (java.net.URISyntaxException e) {
      uri = null;
    }
    if (uri == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new ConfigException(RunSettings.GRAFEAS_ENDPOINT.flag() + ": '" + endpoint + "' is not an http(s) URL");
    }
    String credentials = config.require(RunSettings.GRAFEAS_CREDENTIALS);
    if (!credentials.equals("google") && !credentials.equals("none")) {
      throw new ConfigException(RunSettings.GRAFEAS_CREDENTIALS.flag() + ": '" + credentials
          + "' is neither google nor none");
    }
    return new Grafeas(config.require(RunSettings.GRAFEAS_PROJECT), uri, credentials.equals("google"),
        config.require(RunSettings.GRAFEAS_INTERVAL));
  }

  /** The ids of the clusters watched or received from, for the metrics registered at start-up. */
  public Set<String> clusterIds() {
    Set<String> ids = new LinkedHashSet<>();
    watches.forEach(w -> ids.add(w.clusterId()));
    if (receiver != null) {
      ids.addAll(receiver.clusters());
    }
    return ids;
  }

  /**
   * Binary Authorization names clusters {@code LOCATION.NAME}; GKE kubeconfig contexts are {@code
   * gke_PROJECT_LOCATION_NAME}. Other contexts keep their name.
   */
  static String clusterIdOf(String context) {
    if (context != null && context.startsWith("gke_")) {
      String[] parts = context.split("_", 4);
      if (parts.length == 4) {
        return parts[2] + "." + parts[3];
      }
    }
    return context;
  }

  private static ReceiverSettings receiver(Config config, List<Watch> watches) {
    if (config.get(RunSettings.AUDIT_LISTEN).isEmpty()) {
      return null;
    }
    InetSocketAddress listen = config.require(RunSettings.AUDIT_LISTEN);
    Set<String> clusters = new LinkedHashSet<>(config.get(RunSettings.AUDIT_CLUSTERS).orElse(List.of()));
    if (clusters.isEmpty()) {
      watches.forEach(w -> clusters.add(w.clusterId()));
    }
    Access access = readAccess(config);
    try {
      return new ReceiverSettings(listen.getHostString(), listen.getPort(),
          config.get(RunSettings.AUDIT_CERT).orElseThrow(() -> new ConfigException(
              RunSettings.AUDIT_CERT.flag() + " is required with " + RunSettings.AUDIT_LISTEN.flag()
                  + ": the receiver only speaks HTTPS")),
          config.get(RunSettings.AUDIT_KEY).orElseThrow(() -> new ConfigException(
              RunSettings.AUDIT_KEY.flag() + " is required with " + RunSettings.AUDIT_LISTEN.flag())),
          config.get(RunSettings.AUDIT_CLIENT_CA).orElse(null), access, clusters,
          config.require(RunSettings.AUDIT_MAX_BODY), ReceiverSettings.DEFAULT_DEDUP_WINDOW,
          ReceiverSettings.DEFAULT_THREADS, config.require(RunSettings.AUDIT_GKE_PUBSUB),
          clusters.size() == 1 ? clusters.iterator().next() : null, config.require(RunSettings.AUDIT_HEADER_TIMEOUT),
          config.require(RunSettings.AUDIT_REQUEST_TIMEOUT), config.require(RunSettings.AUDIT_IDLE_TIMEOUT),
          config.require(RunSettings.AUDIT_MAX_CONNECTIONS));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ConfigException("audit receiver: " + e.getMessage());
    }
  }

  private static Access readAccess(Config config) {
    Path tokens = config.get(RunSettings.AUDIT_TOKENS).orElse(null);
    Path subjects = config.get(RunSettings.AUDIT_CLIENT_SUBJECTS).orElse(null);
    try {
      return Access.read(tokens, subjects);
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new ConfigException(RunSettings.AUDIT_TOKENS.flag() + " / " + RunSettings.AUDIT_CLIENT_SUBJECTS.flag()
          + ": " + e.getMessage());
    }
  }
}
