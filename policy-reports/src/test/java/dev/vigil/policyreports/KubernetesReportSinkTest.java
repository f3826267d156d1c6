package dev.vigil.policyreports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reports go to the API server of the cluster they name, by apply; an empty one is deleted. */
class KubernetesReportSinkTest {

  @Test
  void eachClusterGetsOnlyItsReportsAndAnEmptyReportIsDeleted() {
    try (ApplyingMockServer prod = new ApplyingMockServer()) {
      KubernetesReportSink sink = new KubernetesReportSink(Map.of(Records.CLUSTER, prod.client));

      assertEquals(ReportSink.Outcome.APPLIED, sink.write(ReportWriterTest.report("prod", "a")));
      assertEquals(
          ReportSink.Outcome.NO_CLUSTER,
          sink.write(
              new NamespaceReport(
                  "europe-west1-b.other", "prod", ReportWriterTest.report("prod", "b").pods())));

      assertEquals(1, prod.reports("prod").size());
      assertEquals(
          List.of("a"),
          ApplyingMockServer.results(prod.report("prod")).stream()
              .map(r -> ((Map<?, ?>) ((List<?>) r.get("resources")).get(0)).get("name"))
              .toList(),
          "the other cluster's report went nowhere");
      assertEquals(
          List.of(
              new ApplyingMockServer.Apply(
                  "/apis/wgpolicyk8s.io/v1alpha2/namespaces/prod/policyreports/vigil-binary-authorization",
                  "vigil",
                  true)),
          prod.applies);

      assertEquals(
          ReportSink.Outcome.DELETED,
          sink.write(new NamespaceReport(Records.CLUSTER, "prod", List.of())));
      assertNull(prod.report("prod"));
    }
  }

  @Test
  void anApiServerThatFailsMakesTheWriteFail() {
    try (ApplyingMockServer api = new ApplyingMockServer()) {
      api.down.set(true);
      // without fabric8's own retries (10, with backoff), which only make the test slow
      try (KubernetesClient once =
          new KubernetesClientBuilder()
              .withConfig(
                  new ConfigBuilder(api.client.getConfiguration())
                      .withRequestRetryBackoffLimit(0)
                      .build())
              .build()) {
        KubernetesReportSink sink = new KubernetesReportSink(Map.of(Records.CLUSTER, once));

        assertThrows(
            RuntimeException.class, () -> sink.write(ReportWriterTest.report("prod", "a")));
      }
    }
  }
}
