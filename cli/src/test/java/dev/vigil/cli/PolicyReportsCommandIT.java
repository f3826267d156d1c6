package dev.vigil.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.policyreports.ApplyingMockServer;
import dev.vigil.policyreports.Records;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil run --policy-reports} as a user starts it, against fabric8's mock API server (CRUD,
 * with the PolicyReport CRD and server-side apply): the pods it watches and judges get their
 * results in a PolicyReport in their own namespace, written to the cluster it watches.
 */
class PolicyReportsCommandIT {

  static final String IMAGE = "us-docker.pkg.dev/acme/app/api@sha256:" + "d4".repeat(32);

  @TempDir Path dir;

  static void runPod(ApplyingMockServer api, String ns, String name) {
    api.client
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withNamespace(ns)
                .withName(name)
                .withUid(UUID.randomUUID().toString())
                .endMetadata()
                .withNewSpec()
                .withContainers(new ContainerBuilder().withName("app").withImage(IMAGE).build())
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withContainerStatuses(
                    new ContainerStatusBuilder()
                        .withName("app")
                        .withImage(IMAGE)
                        .withImageID(IMAGE)
                        .withReady(true)
                        .build())
                .endStatus()
                .build())
        .create();
  }

  static String result(ApplyingMockServer api, String ns) {
    var report = api.report(ns);
    return report == null ? null : (String) ApplyingMockServer.results(report).get(0).get("result");
  }

  @Test
  void runWithPolicyReportsWritesAReportPerNamespaceOfTheWatchedCluster() throws Exception {
    try (ApplyingMockServer api = new ApplyingMockServer()) {
      runPod(api, "prod", "api");
      runPod(api, "shop", "web");
      Path home = Files.createDirectories(dir.resolve("home"));
      Files.createDirectories(home.resolve(".kube"));
      Files.writeString(
          home.resolve(".kube/config"),
          """
          apiVersion: v1
          kind: Config
          clusters: [{name: mock, cluster: {server: "%s"}}]
          users: [{name: vigil, user: {token: test}}]
          contexts: [{name: policy-reports, context: {cluster: mock, user: vigil}}]
          current-context: policy-reports
          """
              .formatted(api.url()));
      Path policy = Files.writeString(dir.resolve("policy.yaml"), Records.POLICY);

      try (VigilProcess run =
          VigilProcess.start(
              List.of(
                  "run",
                  "--embedded",
                  "--embedded-port",
                  "0",
                  "--data-dir",
                  dir.resolve("data").toString(),
                  "--policy",
                  policy.toString(),
                  "--cluster-id",
                  "test.mock",
                  "--policy-reports",
                  "--policy-reports-interval",
                  "1s",
                  "--metrics-listen",
                  "127.0.0.1:0",
                  "--feed",
                  "false"),
              Map.of(),
              home)) {
        run.awaitOut(
            "policy-reports: one PolicyReport per namespace in each of 1 watched cluster",
            Duration.ofSeconds(120));

        await()
            .atMost(Duration.ofSeconds(120))
            .until(() -> "fail".equals(result(api, "prod")) && "pass".equals(result(api, "shop")));
        var bad = ApplyingMockServer.results(api.report("prod")).get(0);
        assertEquals("kubernetesNamespaceAdmissionRules[prod]", bad.get("rule"));
        assertEquals("api", ((Map<?, ?>) ((List<?>) bad.get("resources")).get(0)).get("name"));
      }
    }
  }
}
