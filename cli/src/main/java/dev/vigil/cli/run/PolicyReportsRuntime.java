package dev.vigil.cli.run;

import dev.vigil.cli.config.Config;
import dev.vigil.cli.config.RunSettings;
import dev.vigil.policyreports.KubernetesReportSink;
import dev.vigil.policyreports.PolicyReportSettings;
import dev.vigil.policyreports.PolicyReportsApp;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Starts the PolicyReport writer beside the watchers (ADR 0105): each report goes to the API server
 * of the watched context whose cluster id the records carry.
 */
public final class PolicyReportsRuntime {

  private PolicyReportsRuntime() {}

  /** Starts it with the watchers' clients and its Kafka Streams state in {@code stateDir}. */
  public static PolicyReportsApp start(Config config, IngestPlan plan, KafkaAccess kafka, Path stateDir,
      int replicationFactor, MeterRegistry registry) {
    Map<String, KubernetesClient> clients = new LinkedHashMap<>();
    plan.watches().forEach(w -> clients.put(w.clusterId(), w.client()));
    PolicyReportSettings settings = new PolicyReportSettings(kafka.bootstrapServers(),
        PolicyReportSettings.DEFAULT_APPLICATION_ID, config.require(RunSettings.POLICY_REPORTS_INTERVAL),
        config.require(RunSettings.POLICY_REPORTS_RATE), PolicyReportSettings.DEFAULT_RETRY_BACKOFF,
        stateDir, replicationFactor);
    return PolicyReportsApp.start(settings, new KubernetesReportSink(clients), registry, kafka.clientProperties());
  }
}
