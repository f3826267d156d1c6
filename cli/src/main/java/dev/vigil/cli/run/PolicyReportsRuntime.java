package dev.vigil.cli.run;

import dev.vigil.ingest.app.IngestPlan;
import dev.vigil.policyreports.KubernetesReportSink;
import dev.vigil.policyreports.PolicyReportSettings;
import dev.vigil.policyreports.PolicyReportsApp;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Starts the PolicyReport writer beside the watchers (ADR 0105): each report goes to the API server
 * of the watched context whose cluster id the records carry.
 */
public final class PolicyReportsRuntime {

  private PolicyReportsRuntime() {}

  /** Starts it with the watchers' clients. */
  public static PolicyReportsApp start(
      PolicyReportSettings settings, IngestPlan plan, KafkaAccess kafka, MeterRegistry registry) {
    Map<String, KubernetesClient> clients = new LinkedHashMap<>();
    plan.watches().forEach(w -> clients.put(w.clusterId(), w.client()));
    return PolicyReportsApp.start(
        settings, new KubernetesReportSink(clients), registry, kafka.clientProperties());
  }
}
