package dev.vigil.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules, the Grafana dashboard and the docker-compose stack we ship are checked here,
 * with Prometheus' own promtool (Debian's {@code prometheus} package, which {@code .ci/run}
 * installs): the compose stack cannot run on machines without Docker, so it is checked statically.
 */
class ShippedMonitoringTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path RULES = ROOT.resolve("monitoring/prometheus/vigil-rules.yml");
  static final Path COMPOSE = ROOT.resolve("compose/docker-compose.yml");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  record Result(int code, String output) {}

  static Result promtool(Path dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("promtool");
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      fail("promtool is not installed: apt-get install -y prometheus (.ci/run does it): " + e.getMessage());
      throw e;
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("promtool did not finish in 60 s");
    }
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void alertRulesAreValidAndTheirUnitTestsPass() throws Exception {
    Result check = promtool(RULES.getParent(), "check", "rules", "vigil-rules.yml");
    Result test = promtool(RULES.getParent(), "test", "rules", "vigil-rules.test.yml");

    assertEquals(0, check.code(), check.output());
    assertEquals(0, test.code(), test.output());
    assertTrue(test.output().contains("SUCCESS"), test.output());
  }

  @Test
  void everyAlertHasAUnitTest() throws Exception {
    JsonNode rules = YAML.readTree(RULES.toFile());
    String tests = Files.readString(RULES.resolveSibling("vigil-rules.test.yml"));
    List<String> untested = new ArrayList<>();
    for (JsonNode group : rules.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String name = rule.path("alert").asText();
        if (!name.isEmpty() && !tests.contains("alertname: " + name)) {
          untested.add(name);
        }
      }
    }
    assertEquals(List.of(), untested);
  }

  @Test
  void composeMountsOnlyFilesThatExistAndDeclaresImagesAndPorts() throws Exception {
    JsonNode compose = YAML.readTree(COMPOSE.toFile());
    Path dir = COMPOSE.getParent();
    List<String> problems = new ArrayList<>();
    compose.path("services").fields().forEachRemaining(e -> {
      String name = e.getKey();
      JsonNode svc = e.getValue();
      if (!svc.has("image") && !svc.has("build")) {
        problems.add(name + ": no image and no build");
      }
      for (JsonNode v : svc.path("volumes")) {
        String source = v.asText().split(":")[0];
        if (source.startsWith(".") && !Files.exists(dir.resolve(source).normalize())) {
          problems.add(name + ": mounts missing " + source);
        }
      }
      if (svc.has("build") && !Files.exists(dir.resolve(svc.path("build").path("context").asText())
          .resolve(svc.path("build").path("dockerfile").asText()).normalize())) {
        problems.add(name + ": Dockerfile missing");
      }
    });
    for (String svc : List.of("kafka", "ingest", "streams", "prometheus", "grafana")) {
      if (!compose.path("services").has(svc)) {
        problems.add("no service " + svc);
      } else if (!compose.path("services").path(svc).has("ports")) {
        problems.add(svc + ": no ports");
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void kubernetesManifestsParseAndHoldEachPartOnce() throws Exception {
    List<String> objects = new ArrayList<>();
    try (var parser = YAML.getFactory().createParser(ROOT.resolve("deploy/kubernetes/vigil.yaml").toFile())) {
      var docs = YAML.readValues(parser, JsonNode.class);
      while (docs.hasNext()) {
        JsonNode d = docs.next();
        objects.add(d.path("kind").asText() + "/" + d.path("metadata").path("name").asText());
      }
    }
    // Whether the commands start with these files: ShippedStacksIT.
    assertEquals(List.of("ConfigMap/vigil-config", "Deployment/vigil-watcher", "Deployment/vigil-receiver",
        "Service/vigil-audit", "StatefulSet/vigil-streams", "Service/vigil-streams",
        "PodDisruptionBudget/vigil-receiver", "PodDisruptionBudget/vigil-streams",
        "NetworkPolicy/vigil-default-deny", "NetworkPolicy/vigil-kafka-dns-metrics",
        "NetworkPolicy/vigil-receiver-audit", "NetworkPolicy/vigil-watcher-apiserver"), objects);
  }

  @Test
  void composePrometheusConfigPassesPromtoolAsMounted(@TempDir Path etc) throws Exception {
    // Lay the files out as the prometheus service mounts them.
    Files.copy(COMPOSE.resolveSibling("prometheus/prometheus.yml"), etc.resolve("prometheus.yml"));
    Files.copy(RULES, etc.resolve("vigil-rules.yml"));

    Result check = promtool(etc, "check", "config", "prometheus.yml");

    assertEquals(0, check.code(), check.output());
  }

  @Test
  void dashboardIsProvisionableGrafanaJsonAndQueriesVigilMetrics() throws Exception {
    JsonNode dash = new ObjectMapper().readTree(ROOT.resolve("monitoring/grafana/vigil-dashboard.json").toFile());
    assertFalse(dash.path("uid").asText().isEmpty());
    assertTrue(dash.path("panels").size() >= 8, "panels");
    List<String> titles = new ArrayList<>();
    for (JsonNode p : dash.path("panels")) {
      titles.add(p.path("title").asText());
      for (JsonNode t : p.path("targets")) {
        assertFalse(t.path("expr").asText().isEmpty(), p.path("title").asText() + " has a target without expr");
      }
    }
    for (String wanted : List.of("Events in", "Evaluation rate", "Open violations", "Open follow-ups",
        "Re-evaluation duration", "Consumer lag", "Dead letters")) {
      assertTrue(titles.stream().anyMatch(t -> t.startsWith(wanted)), "dashboard lacks " + wanted + ": " + titles);
    }
  }

  /** The dashboard's queries with Grafana's variables replaced as Grafana would. */
  static Map<String, String> dashboardQueries() throws Exception {
    JsonNode dash = new ObjectMapper().readTree(ROOT.resolve("monitoring/grafana/vigil-dashboard.json").toFile());
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode p : dash.path("panels")) {
      for (JsonNode t : p.path("targets")) {
        queries.put(p.path("title").asText() + " " + t.path("refId").asText(), t.path("expr").asText()
            .replace("$__rate_interval", "5m").replace("$cluster", ".*").replace("$namespace", ".*"));
      }
    }
    return queries;
  }

  @Test
  void dashboardQueriesAreValidPromQL(@TempDir Path dir) throws Exception {
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    int i = 0;
    for (String expr : dashboardQueries().values()) {
      rules.append("      - record: dashboard:q").append(i++).append("\n        expr: ")
          .append(new ObjectMapper().writeValueAsString(expr)).append('\n');
    }
    Files.writeString(dir.resolve("dashboard-rules.yml"), rules);

    Result check = promtool(dir, "check", "rules", "dashboard-rules.yml");

    assertEquals(0, check.code(), check.output());
  }

  @Test
  void dashboardPanelsShowTheFirstEventOfASeriesBornCounting(@TempDir Path dir) throws Exception {
    Map<String, String> q = dashboardQueries();
    Files.writeString(dir.resolve("none.yml"), "groups: []\n");
    ObjectMapper json = new ObjectMapper();
    // Series whose first sample already holds the first events; the other side of the sum is missing.
    Files.writeString(dir.resolve("panels.test.yml"), """
        rule_files: [none.yml]
        evaluation_interval: 1m
        tests:
          - interval: 1m
            input_series:
              - series: 'vigil_ingest_admissions_total{cluster="prod",signal="failed_open",mechanism="validating_webhook"}'
                values: '_ _ 5 5 5 5 5 5 5 5'
              - series: 'vigil_ingest_admissions_total{cluster="prod",signal="breakglass",mechanism=""}'
                values: '_ _ _ 1 1 1 1 1 1 1'
              - series: 'vigil_policies_rejected_total'
                values: '_ _ 1 1 1 1 1 1 1 1'
              - series: 'vigil_dead_letters_total{source="vigil.pod-events",reason="unreadable"}'
                values: '_ _ 60 60 60 60 60 60 60 60'
            promql_expr_test:
              - expr: %s
                eval_time: 4m
                exp_samples:
                  - labels: '{cluster="prod",signal="failed_open"}'
                    value: 5
                  - labels: '{cluster="prod",signal="breakglass"}'
                    value: 1
              - expr: %s
                eval_time: 4m
                exp_samples:
                  - labels: '{}'
                    value: 1
              - expr: %s
                eval_time: 4m
                exp_samples:
                  - labels: '{source="vigil.pod-events",reason="unreadable"}'
                    value: 60
        """.formatted(json.writeValueAsString(q.get("Fail-open and breakglass admissions A")),
        json.writeValueAsString(q.get("Policies rejected A")), json.writeValueAsString(q.get("Dead letters A"))));

    Result test = promtool(dir, "test", "rules", "panels.test.yml");

    assertEquals(0, test.code(), test.output());
  }

  @Test
  void dashboardImportsIntoAnyGrafanaAndFiltersByClusterAndNamespace() throws Exception {
    JsonNode dash = new ObjectMapper().readTree(ROOT.resolve("monitoring/grafana/vigil-dashboard.json").toFile());
    JsonNode input = dash.path("__inputs").path(0);
    assertEquals("datasource", input.path("type").asText());
    assertEquals("prometheus", input.path("pluginId").asText());
    List<String> variables = new ArrayList<>();
    dash.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
    assertEquals(List.of("datasource", "cluster", "namespace"), variables);
    assertEquals("datasource", dash.path("templating").path("list").path(0).path("type").asText());
    List<String> uids = new ArrayList<>();
    dash.findParents("datasource").forEach(n -> {
      if (n.path("datasource").isObject()) {
        uids.add(n.path("datasource").path("uid").asText());
      }
    });
    assertFalse(uids.isEmpty());
    assertEquals(List.of("${datasource}"), uids.stream().distinct().toList(), "hard-coded datasource uid");
    Map<String, String> q = dashboardQueries();
    assertTrue(q.get("Open violations by cluster, namespace and rule A").contains("namespace=~\".*\""), q.toString());
    assertTrue(q.values().stream().anyMatch(e -> e.contains("vigil_ingest_http_requests_seconds_bucket")),
        "request latency from histogram buckets");
  }
}
