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
    // Its output goes to a file, so a full pipe never stalls it; the wait is a ceiling for a loaded
    // machine (promtool once took over 60 s at load average 30), not a speed requirement.
    Path output = java.nio.file.Files.createTempFile("promtool", ".out");
    Process p;
    try {
      p =
          new ProcessBuilder(cmd)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
    } catch (java.io.IOException e) {
      fail(
          "promtool is not installed: apt-get install -y prometheus (.ci/run does it): "
              + e.getMessage());
      throw e;
    }
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("promtool did not finish in 300 s: " + java.nio.file.Files.readString(output));
    }
    try {
      return new Result(
          p.exitValue(), java.nio.file.Files.readString(output, StandardCharsets.UTF_8));
    } finally {
      java.nio.file.Files.deleteIfExists(output);
    }
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
    compose
        .path("services")
        .fields()
        .forEachRemaining(
            e -> {
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
            });
    for (String svc :
        List.of("kafka-1", "kafka-2", "kafka-3", "ingest", "streams", "prometheus", "grafana")) {
      if (!compose.path("services").has(svc)) {
        problems.add("no service " + svc);
      } else if (!compose.path("services").path(svc).has("ports")) {
        problems.add(svc + ": no ports");
      }
    }
    assertEquals(List.of(), problems);
  }

  /** The image name the Jib build ({@code -Pimage}) gives: {@code vigil:<project version>}. */
  static String jibImage() throws Exception {
    java.util.Properties p = new java.util.Properties();
    try (var in =
        ShippedMonitoringTest.class.getResourceAsStream("/dev/vigil/cli/version.properties")) {
      p.load(in);
    }
    String version = p.getProperty("version");
    assertFalse(
        version == null || version.contains("${"), "version.properties not filtered: " + version);
    return "vigil:" + version;
  }

  @Test
  void composeRunsVigilFromTheJibImageOnThreeReplicatingBrokers() throws Exception {
    JsonNode services = YAML.readTree(COMPOSE.toFile()).path("services");
    String image = jibImage();
    List<String> vigil = new ArrayList<>();
    List<String> brokers = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    services
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode svc = e.getValue();
              if (svc.has("build")) {
                problems.add(
                    e.getKey()
                        + ": builds an image (the Vigil image is Jib's, loaded from cli/target/vigil-image.tar)");
              }
              if (svc.path("image").asText().startsWith("vigil:")) {
                vigil.add(e.getKey());
                if (!svc.path("image").asText().equals(image)
                    || !svc.path("pull_policy").asText().equals("never")) {
                  problems.add(
                      e.getKey()
                          + ": image "
                          + svc.path("image").asText()
                          + " pull_policy "
                          + svc.path("pull_policy").asText()
                          + ", not the loaded "
                          + image
                          + " (never pulled)");
                }
              }
              if (svc.path("image").asText().startsWith("apache/kafka:")) {
                brokers.add(e.getKey());
              }
            });
    assertEquals(List.of("topics", "ingest", "streams"), vigil);
    assertEquals(List.of("kafka-1", "kafka-2", "kafka-3"), brokers);
    java.util.Set<String> clusterIds = new java.util.HashSet<>();
    for (int i = 0; i < brokers.size(); i++) {
      String b = brokers.get(i);
      JsonNode env = services.path(b).path("environment");
      clusterIds.add(env.path("CLUSTER_ID").asText());
      Map<String, String> expected = new LinkedHashMap<>();
      expected.put("KAFKA_NODE_ID", String.valueOf(i + 1));
      expected.put("KAFKA_PROCESS_ROLES", "broker,controller");
      expected.put(
          "KAFKA_CONTROLLER_QUORUM_VOTERS", "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093");
      expected.put(
          "KAFKA_ADVERTISED_LISTENERS",
          "PLAINTEXT://"
              + b
              + ":19092,EXTERNAL://localhost:"
              + services.path(b).path("ports").path(0).asText().split(":")[0]);
      expected.put("KAFKA_DEFAULT_REPLICATION_FACTOR", "3");
      expected.put("KAFKA_MIN_INSYNC_REPLICAS", "2");
      expected.put("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3");
      expected.put("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3");
      expected.put("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2");
      expected.put("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "3");
      expected.put("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "2");
      expected.put("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
      expected.forEach(
          (k, v) -> {
            if (!env.path(k).asText().equals(v)) {
              problems.add(b + ": " + k + "=" + env.path(k).asText() + ", not " + v);
            }
          });
      if (!services
          .path(b)
          .path("volumes")
          .path(0)
          .asText()
          .equals(b + "-data:/var/lib/kafka/data")) {
        problems.add(b + ": data volume " + services.path(b).path("volumes"));
      }
    }
    assertEquals(1, clusterIds.size(), "one CLUSTER_ID for the three nodes: " + clusterIds);
    assertFalse(clusterIds.contains(""), "CLUSTER_ID set");
    String all = "kafka-1:19092,kafka-2:19092,kafka-3:19092";
    assertEquals(
        List.of(
            "topics",
            "create",
            "--bootstrap-servers",
            all,
            "--replication-factor",
            "3",
            "--min-insync-replicas",
            "2"),
        YAML.convertValue(services.path("topics").path("command"), List.class));
    for (String svc : List.of("topics", "ingest", "streams")) {
      for (String b : brokers) {
        if (!services.path(svc).path("depends_on").has("topics")
            && !services
                .path(svc)
                .path("depends_on")
                .path(b)
                .path("condition")
                .asText()
                .equals("service_healthy")) {
          problems.add(svc + ": starts before " + b + " is healthy");
        }
      }
    }
    for (String svc : List.of("ingest", "streams")) {
      if (!services
          .path(svc)
          .path("environment")
          .path("VIGIL_BOOTSTRAP_SERVERS")
          .asText()
          .equals(all)) {
        problems.add(svc + ": VIGIL_BOOTSTRAP_SERVERS does not name the three brokers");
      }
    }
    // Kafka Streams' changelogs as Vigil's own topics (StreamsSettings: min.insync.replicas 2 at
    // 3).
    assertEquals(
        3,
        YAML.readTree(COMPOSE.resolveSibling("vigil.yaml").toFile())
            .path("streams")
            .path("replication-factor")
            .asInt());
    assertEquals(List.of(), problems);
  }

  @Test
  void kubernetesManifestsRunTheJibImage() throws Exception {
    String image = jibImage();
    List<String> images = new ArrayList<>();
    try (var parser =
        YAML.getFactory().createParser(ROOT.resolve("deploy/kubernetes/vigil.yaml").toFile())) {
      var docs = YAML.readValues(parser, JsonNode.class);
      while (docs.hasNext()) {
        docs.next()
            .findValues("containers")
            .forEach(cs -> cs.forEach(c -> images.add(c.path("image").asText())));
      }
    }
    assertEquals(List.of(image, image, image), images);
  }

  @Test
  void kubernetesManifestsParseAndHoldEachPartOnce() throws Exception {
    List<String> objects = new ArrayList<>();
    try (var parser =
        YAML.getFactory().createParser(ROOT.resolve("deploy/kubernetes/vigil.yaml").toFile())) {
      var docs = YAML.readValues(parser, JsonNode.class);
      while (docs.hasNext()) {
        JsonNode d = docs.next();
        objects.add(d.path("kind").asText() + "/" + d.path("metadata").path("name").asText());
      }
    }
    // Whether the commands start with these files: ShippedStacksIT.
    assertEquals(
        List.of(
            "ConfigMap/vigil-config",
            "Deployment/vigil-watcher",
            "Deployment/vigil-receiver",
            "Service/vigil-audit",
            "StatefulSet/vigil-streams",
            "Service/vigil-streams",
            "PodDisruptionBudget/vigil-receiver",
            "PodDisruptionBudget/vigil-streams",
            "NetworkPolicy/vigil-default-deny",
            "NetworkPolicy/vigil-kafka-dns-metrics",
            "NetworkPolicy/vigil-receiver-audit",
            "NetworkPolicy/vigil-watcher-apiserver"),
        objects);
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
    JsonNode dash =
        new ObjectMapper()
            .readTree(ROOT.resolve("monitoring/grafana/vigil-dashboard.json").toFile());
    assertFalse(dash.path("uid").asText().isEmpty());
    assertTrue(dash.path("panels").size() >= 8, "panels");
    List<String> titles = new ArrayList<>();
    for (JsonNode p : dash.path("panels")) {
      titles.add(p.path("title").asText());
      for (JsonNode t : p.path("targets")) {
        assertFalse(
            t.path("expr").asText().isEmpty(),
            p.path("title").asText() + " has a target without expr");
      }
    }
    for (String wanted :
        List.of(
            "Events in",
            "Evaluation rate",
            "Open violations",
            "Open follow-ups",
            "Re-evaluation duration",
            "Consumer lag",
            "Dead letters")) {
      assertTrue(
          titles.stream().anyMatch(t -> t.startsWith(wanted)),
          "dashboard lacks " + wanted + ": " + titles);
    }
  }

  /** The dashboard's queries with Grafana's variables replaced as Grafana would. */
  static Map<String, String> dashboardQueries() throws Exception {
    JsonNode dash =
        new ObjectMapper()
            .readTree(ROOT.resolve("monitoring/grafana/vigil-dashboard.json").toFile());
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode p : dash.path("panels")) {
      for (JsonNode t : p.path("targets")) {
        queries.put(
            p.path("title").asText() + " " + t.path("refId").asText(),
            t.path("expr")
                .asText()
                .replace("$__rate_interval", "5m")
                .replace("$cluster", ".*")
                .replace("$namespace", ".*"));
      }
    }
    return queries;
  }

  @Test
  void dashboardQueriesAreValidPromQL(@TempDir Path dir) throws Exception {
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    int i = 0;
    for (String expr : dashboardQueries().values()) {
      rules
          .append("      - record: dashboard:q")
          .append(i++)
          .append("\n        expr: ")
          .append(new ObjectMapper().writeValueAsString(expr))
          .append('\n');
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
    // Series whose first sample already holds the first events; the other side of the sum is
    // missing.
    Files.writeString(
        dir.resolve("panels.test.yml"),
        """
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
        """
            .formatted(
                json.writeValueAsString(q.get("Fail-open and breakglass admissions A")),
                json.writeValueAsString(q.get("Policies rejected A")),
                json.writeValueAsString(q.get("Dead letters A"))));

    Result test = promtool(dir, "test", "rules", "panels.test.yml");

    assertEquals(0, test.code(), test.output());
  }

  @Test
  void dashboardImportsIntoAnyGrafanaAndFiltersByClusterAndNamespace() throws Exception {
    JsonNode dash =
        new ObjectMapper()
            .readTree(ROOT.resolve("monitoring/grafana/vigil-dashboard.json").toFile());
    JsonNode input = dash.path("__inputs").path(0);
    assertEquals("datasource", input.path("type").asText());
    assertEquals("prometheus", input.path("pluginId").asText());
    List<String> variables = new ArrayList<>();
    dash.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
    assertEquals(List.of("datasource", "cluster", "namespace"), variables);
    assertEquals("datasource", dash.path("templating").path("list").path(0).path("type").asText());
    List<String> uids = new ArrayList<>();
    dash.findParents("datasource")
        .forEach(
            n -> {
              if (n.path("datasource").isObject()) {
                uids.add(n.path("datasource").path("uid").asText());
              }
            });
    assertFalse(uids.isEmpty());
    assertEquals(
        List.of("${datasource}"), uids.stream().distinct().toList(), "hard-coded datasource uid");
    Map<String, String> q = dashboardQueries();
    assertTrue(
        q.get("Open violations by cluster, namespace and rule A").contains("namespace=~\".*\""),
        q.toString());
    assertTrue(
        q.values().stream().anyMatch(e -> e.contains("vigil_ingest_http_requests_seconds_bucket")),
        "request latency from histogram buckets");
  }
}
