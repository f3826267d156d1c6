package dev.vigil.ingest.app;

import dev.vigil.ingest.http.ReceiverSettings;
import dev.vigil.ingest.watch.ClusterClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the ingest side of a process runs: pod watchers (one per connected cluster), the HTTPS
 * receivers, and the policy, attestation and image-metadata feeds. {@link #connect} builds it from
 * the {@link IngestSettings}; tests and the demo build it directly with their own clients.
 */
public record IngestPlan(
    List<Watch> watches,
    List<String> namespaces,
    ReceiverSettings receiver,
    IngestSettings.Feeds feeds) {

  /** One cluster to watch. */
  public record Watch(String clusterId, KubernetesClient client) {}

  public IngestPlan {
    watches = List.copyOf(watches);
    namespaces = List.copyOf(namespaces);
  }

  /**
   * The plan {@code settings} describe: connects to each cluster to watch (failing in one line when
   * one cannot be used) and settles which clusters may post to the receiver.
   */
  public static IngestPlan connect(IngestSettings settings) {
    List<Watch> watches = new ArrayList<>();
    if (settings.watch()) {
      List<String> contexts = settings.contexts();
      if (contexts.isEmpty()) {
        ClusterChecks.requireSomeConfig();
      }
      for (String context :
          contexts.isEmpty() ? Collections.<String>singletonList(null) : contexts) {
        KubernetesClient client = ClusterClients.forContext(context);
        try {
          String current = ClusterChecks.contextOf(client, context);
          ClusterChecks.probe(client, current, settings.namespaces());
          String id = settings.clusterId() != null ? settings.clusterId() : clusterIdOf(current);
          watches.add(new Watch(id, client));
        } catch (RuntimeException e) {
          client.close();
          watches.forEach(w -> w.client().close());
          throw e;
        }
      }
    }
    Set<String> watched = new LinkedHashSet<>();
    watches.forEach(w -> watched.add(w.clusterId()));
    return new IngestPlan(
        watches,
        settings.namespaces(),
        settings.audit() == null ? null : settings.audit().receiver(watched),
        settings.feeds());
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
}
