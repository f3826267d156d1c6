package dev.vigil.ingest.watch;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/** Kubernetes clients for the clusters ingest watches: kubeconfig contexts or in-cluster config. */
public final class ClusterClients {

  private ClusterClients() {}

  /**
   * A client for a kubeconfig context ({@code KUBECONFIG} or {@code ~/.kube/config}), or, with
   * {@code context == null}, the current context or the in-cluster service account.
   */
  public static KubernetesClient forContext(String context) {
    return new KubernetesClientBuilder().withConfig(Config.autoConfigure(context)).build();
  }
}
