package dev.vigil.policyreports;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;

/**
 * Writes each namespace's PolicyReport to the API server of the cluster it belongs to, by
 * server-side apply with the field manager {@code vigil} (forcing conflicts: Vigil owns the report
 * it names), and deletes the report of a namespace left without pods.
 */
public final class KubernetesReportSink implements ReportSink {

  /** The field manager of every apply: the report's fields belong to Vigil. */
  public static final String FIELD_MANAGER = "vigil";

  static final ResourceDefinitionContext POLICY_REPORTS =
      new ResourceDefinitionContext.Builder()
          .withGroup("wgpolicyk8s.io")
          .withVersion("v1alpha2")
          .withKind(NamespaceReport.KIND)
          .withPlural("policyreports")
          .withNamespaced(true)
          .build();

  private final Map<String, KubernetesClient> clients;
  private final KubernetesSerialization serialization = new KubernetesSerialization();

  /** {@code clients}: the API server of each cluster id, as the watchers name the clusters. */
  public KubernetesReportSink(Map<String, KubernetesClient> clients) {
    this.clients = Map.copyOf(clients);
  }

  @Override
  public Outcome write(NamespaceReport report) {
    KubernetesClient client = clients.get(report.clusterId());
    if (client == null) {
      return Outcome.NO_CLUSTER;
    }
    var reports = client.genericKubernetesResources(POLICY_REPORTS).inNamespace(report.namespace());
    if (report.empty()) {
      reports.withName(NamespaceReport.NAME).delete();
      return Outcome.DELETED;
    }
    GenericKubernetesResource doc =
        serialization.convertValue(report.document(), GenericKubernetesResource.class);
    reports.resource(doc).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    return Outcome.APPLIED;
  }
}
