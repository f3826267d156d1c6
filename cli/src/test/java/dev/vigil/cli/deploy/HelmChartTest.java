package dev.vigil.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.vigil.cli.config.CommandSettings;
import dev.vigil.cli.config.Config;
import dev.vigil.cli.config.ProcessSettings;
import dev.vigil.ingest.app.IngestSettings;
import dev.vigil.policyreports.PolicyReportSettings;
import dev.vigil.schemas.settings.KafkaSettings;
import dev.vigil.schemas.settings.Setting;
import dev.vigil.streams.StreamsSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/helm/vigil, linted and rendered by Helm itself (helm-java's native library), and the
 * rendered objects checked: what runs, as whom, with which arguments and config, and that every
 * Vigil command would accept what it is given.
 */
public class HelmChartTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path CHART = ROOT.resolve("deploy/helm/vigil");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path tmp;

  @Test
  void chartLintsCleanWithTheValuesAnInstallerMustGive() throws Exception {
    // Lint takes the chart's values.yaml only; clusterId has no default (it is required).
    Path copy = tmp.resolve("vigil");
    copyTree(CHART, copy);
    Files.writeString(
        copy.resolve("values.yaml"),
        Files.readString(copy.resolve("values.yaml"))
            .replace("clusterId: \"\"", "clusterId: \"lint.cluster\""));
    LintResult lint = new Helm(copy).lint().strict().call();
    assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));

    // helm lint lets `required` pass; rendering does not.
    var e =
        assertThrows(
            IllegalStateException.class,
            () -> new Helm(CHART).template().withName("vigil").withKubeVersion("1.30.0").call());
    assertTrue(e.getMessage().contains("clusterId is required"), e.getMessage());
  }

  @Test
  void defaultReleaseHasEveryPartRunningNonRootWithArgumentsAndConfigTheCommandsAccept()
      throws Exception {
    Map<String, JsonNode> objects = render(t -> {});

    assertEquals(
        new TreeSet<>(
            List.of(
                "ConfigMap/vigil-config",
                "ConfigMap/vigil-dashboard",
                "Deployment/vigil-watcher",
                "Deployment/vigil-receiver",
                "StatefulSet/vigil-streams",
                "Service/vigil-audit",
                "Service/vigil-streams",
                "Service/vigil-metrics",
                "ServiceAccount/vigil-watcher",
                "ServiceAccount/vigil-workload",
                "ClusterRole/vigil-pod-watcher",
                "ClusterRoleBinding/vigil-pod-watcher",
                "ServiceMonitor/vigil",
                "PrometheusRule/vigil",
                "PodDisruptionBudget/vigil-receiver",
                "PodDisruptionBudget/vigil-streams",
                "NetworkPolicy/vigil-default-deny",
                "NetworkPolicy/vigil-kafka-dns-metrics",
                "NetworkPolicy/vigil-receiver-audit",
                "NetworkPolicy/vigil-watcher-apiserver")),
        new TreeSet<>(objects.keySet()));

    JsonNode watcher = objects.get("Deployment/vigil-watcher");
    assertEquals(1, watcher.at("/spec/replicas").asInt(), "exactly one pod watcher");
    assertEquals(
        "Recreate",
        watcher.at("/spec/strategy/type").asText(),
        "never two watchers during a rollout");
    assertEquals(2, objects.get("Deployment/vigil-receiver").at("/spec/replicas").asInt());
    assertEquals(2, objects.get("StatefulSet/vigil-streams").at("/spec/replicas").asInt());

    String image = "vigil:" + chartAppVersion();
    Map<String, String> commands = new LinkedHashMap<>();
    for (String workload :
        List.of(
            "Deployment/vigil-watcher", "Deployment/vigil-receiver", "StatefulSet/vigil-streams")) {
      JsonNode pod = objects.get(workload).at("/spec/template/spec");
      assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean(), workload);
      assertTrue(pod.at("/securityContext/runAsUser").asInt() > 0, workload + " runs as root");
      JsonNode c = pod.at("/containers/0");
      assertEquals(image, c.path("image").asText(), workload);
      assertFalse(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true), workload);
      assertTrue(c.at("/securityContext/readOnlyRootFilesystem").asBoolean(), workload);
      assertEquals("ALL", c.at("/securityContext/capabilities/drop/0").asText(), workload);
      assertEquals("/readyz", c.at("/readinessProbe/httpGet/path").asText(), workload);
      assertEquals("/healthz", c.at("/livenessProbe/httpGet/path").asText(), workload);
      Config config = acceptedConfig(workload, pod, objects);
      commands.put(workload, c.at("/args/0").asText());
      InetSocketAddress metrics = config.require(ProcessSettings.METRICS_LISTEN);
      assertEquals(
          "0.0.0.0",
          metrics.getHostString(),
          workload + ": Prometheus scrapes from outside the pod");
      assertEquals(
          port(c, "metrics"), metrics.getPort(), workload + ": metrics.listen is the metrics port");
    }
    assertEquals(
        Map.of(
            "Deployment/vigil-watcher",
            "ingest",
            "Deployment/vigil-receiver",
            "ingest",
            "StatefulSet/vigil-streams",
            "streams"),
        commands);

    // The watcher watches and reads the policy; receivers neither watch nor call the API server.
    Config watcherConfig =
        acceptedConfig(
            "Deployment/vigil-watcher",
            objects.get("Deployment/vigil-watcher").at("/spec/template/spec"),
            objects);
    assertTrue(watcherConfig.require(IngestSettings.WATCH));
    assertEquals("test.cluster", watcherConfig.require(IngestSettings.CLUSTER_ID));
    assertTrue(watcherConfig.get(IngestSettings.POLICY).isPresent());
    JsonNode receiverPod = objects.get("Deployment/vigil-receiver").at("/spec/template/spec");
    Config receiverConfig = acceptedConfig("Deployment/vigil-receiver", receiverPod, objects);
    assertFalse(receiverConfig.require(IngestSettings.WATCH));
    assertFalse(receiverPod.path("automountServiceAccountToken").asBoolean(true));
    assertEquals(
        port(receiverPod.at("/containers/0"), "audit"),
        receiverConfig.require(IngestSettings.AUDIT_LISTEN).getPort());
    assertEquals(List.of("test.cluster"), receiverConfig.require(IngestSettings.AUDIT_CLUSTERS));
    assertTrue(
        receiverConfig.get(IngestSettings.AUDIT_TOKENS).isPresent(),
        "receivers authenticate with tokens");
    assertEquals("vigil-ingest-tls", volume(receiverPod, "tls").at("/secret/secretName").asText());
    assertEquals(
        "vigil-ingest-tokens", volume(receiverPod, "tokens").at("/secret/secretName").asText());
    Config streamsConfig =
        acceptedConfig(
            "StatefulSet/vigil-streams",
            objects.get("StatefulSet/vigil-streams").at("/spec/template/spec"),
            objects);
    assertEquals(3, streamsConfig.require(StreamsSettings.REPLICATION_FACTOR));
    assertEquals(
        "vigil-kafka-kafka-bootstrap.kafka.svc:9092",
        streamsConfig.require(KafkaSettings.BOOTSTRAP_SERVERS));
    assertEquals(
        "state",
        objects
            .get("StatefulSet/vigil-streams")
            .at("/spec/volumeClaimTemplates/0/metadata/name")
            .asText());

    // Only the watcher's account has a role, and it only reads.
    JsonNode binding = objects.get("ClusterRoleBinding/vigil-pod-watcher");
    assertEquals("vigil-watcher", binding.at("/subjects/0/name").asText());
    assertEquals(
        "vigil-watcher",
        objects
            .get("Deployment/vigil-watcher")
            .at("/spec/template/spec/serviceAccountName")
            .asText());
    for (JsonNode rule : objects.get("ClusterRole/vigil-pod-watcher").path("rules")) {
      assertEquals(
          List.of("get", "list", "watch"),
          YAML.convertValue(rule.path("verbs"), List.class),
          rule.toString());
    }

    // Prometheus Operator objects: the shipped rules and dashboard, and a monitor on the metrics
    // Service.
    JsonNode rules = YAML.readTree(ROOT.resolve("monitoring/prometheus/vigil-rules.yml").toFile());
    assertEquals(rules, objects.get("PrometheusRule/vigil").path("spec"));
    JsonNode dashboard =
        YAML.readTree(
            objects.get("ConfigMap/vigil-dashboard").at("/data/vigil-dashboard.json").asText());
    assertEquals(
        new ObjectMapper()
            .readTree(ROOT.resolve("monitoring/grafana/vigil-dashboard.json").toFile()),
        dashboard);
    assertEquals(
        "1",
        objects.get("ConfigMap/vigil-dashboard").at("/metadata/labels/grafana_dashboard").asText());
    JsonNode monitor = objects.get("ServiceMonitor/vigil");
    JsonNode metricsService = objects.get("Service/vigil-metrics");
    monitor
        .at("/spec/selector/matchLabels")
        .fields()
        .forEachRemaining(
            e ->
                assertEquals(
                    e.getValue(),
                    metricsService.at("/metadata/labels").path(e.getKey()),
                    "ServiceMonitor selects " + e));
    assertEquals("metrics", monitor.at("/spec/endpoints/0/port").asText());

    // PDBs and network policies select the pods they are about.
    assertEquals(
        "streams",
        objects
            .get("PodDisruptionBudget/vigil-streams")
            .at("/spec/selector/matchLabels/app.kubernetes.io~1component")
            .asText());
    assertEquals(
        9092,
        objects
            .get("NetworkPolicy/vigil-kafka-dns-metrics")
            .at("/spec/egress/1/ports/0/port")
            .asInt());
  }

  @Test
  void policyReportsGiveTheWatcherTheSettingAndARoleToWriteThem() throws Exception {
    assertFalse(render(t -> {}).containsKey("ClusterRole/vigil-policy-reports"), "off by default");

    Map<String, JsonNode> objects =
        render(
            t -> t.set("policyReports.enabled", "true").set("policyReports.writesPerSecond", "2"));

    Config watcher =
        acceptedConfig(
            "Deployment/vigil-watcher",
            objects.get("Deployment/vigil-watcher").at("/spec/template/spec"),
            objects);
    assertTrue(watcher.require(PolicyReportSettings.ENABLED));
    assertEquals(2, watcher.require(PolicyReportSettings.RATE));
    JsonNode rule = objects.get("ClusterRole/vigil-policy-reports").at("/rules/0");
    assertEquals(List.of("wgpolicyk8s.io"), YAML.convertValue(rule.path("apiGroups"), List.class));
    assertEquals(List.of("policyreports"), YAML.convertValue(rule.path("resources"), List.class));
    assertEquals(
        List.of("get", "list", "create", "patch", "update", "delete"),
        YAML.convertValue(rule.path("verbs"), List.class));
    assertEquals(
        "vigil-watcher",
        objects.get("ClusterRoleBinding/vigil-policy-reports").at("/subjects/0/name").asText());
  }

  @Test
  void secretsForKafkaClientSettingsAndClientCertificatesAreMountedWhereTheConfigPoints()
      throws Exception {
    Map<String, JsonNode> objects =
        render(
            t ->
                t.set("kafka.clientConfigSecret", "vigil-kafka-client")
                    .set("receiver.clientCa.secretName", "vigil-audit-ca")
                    .set("image.repository", "registry.example/vigil")
                    .set("image.tag", "1.2.3")
                    .set("metrics.serviceMonitor.enabled", "false")
                    .set("networkPolicy.enabled", "false"));

    assertFalse(objects.containsKey("ServiceMonitor/vigil"));
    assertTrue(
        objects.keySet().stream().noneMatch(k -> k.startsWith("NetworkPolicy/")),
        objects.keySet().toString());
    for (String workload :
        List.of(
            "Deployment/vigil-watcher", "Deployment/vigil-receiver", "StatefulSet/vigil-streams")) {
      JsonNode pod = objects.get(workload).at("/spec/template/spec");
      assertEquals("registry.example/vigil:1.2.3", pod.at("/containers/0/image").asText());
      Config config = acceptedConfig(workload, pod, objects);
      assertEquals(
          Path.of("/etc/vigil/kafka/client.properties"),
          config.require(KafkaSettings.CLIENT_CONFIG),
          workload);
      assertEquals(
          "vigil-kafka-client",
          volume(pod, "kafka-client").at("/secret/secretName").asText(),
          workload);
    }
    JsonNode receiver = objects.get("Deployment/vigil-receiver").at("/spec/template/spec");
    Config config = acceptedConfig("Deployment/vigil-receiver", receiver, objects);
    assertEquals(
        Path.of("/etc/vigil/client-ca/ca.crt"), config.require(IngestSettings.AUDIT_CLIENT_CA));
    assertEquals("vigil-audit-ca", volume(receiver, "client-ca").at("/secret/secretName").asText());
  }

  /**
   * Resolves the workload's config exactly as its command would: the command's own settings, its
   * flags from the container's arguments, the mounted ConfigMap file, the container's environment.
   * Fails when a flag or key is unknown or a value unusable, or when a file the config names is not
   * under one of the container's mounts.
   */
  private Config acceptedConfig(String workload, JsonNode pod, Map<String, JsonNode> objects)
      throws IOException {
    JsonNode c = pod.at("/containers/0");
    List<String> args = YAML.convertValue(c.path("args"), List.class);
    List<Setting<?>> settings =
        switch (args.get(0)) {
          case "ingest" -> CommandSettings.ingest();
          case "streams" -> CommandSettings.streams();
          default -> throw new AssertionError(workload + " runs " + args.get(0));
        };
    Map<String, String> flags = new HashMap<>();
    Path configFile = null;
    for (int i = 1; i < args.size(); i += 2) {
      String flag = args.get(i);
      String value = args.get(i + 1);
      if (flag.equals("--config")) {
        configFile = Path.of(value);
        continue;
      }
      Setting<?> s =
          settings.stream()
              .filter(x -> x.flag().equals(flag))
              .findFirst()
              .orElseThrow(
                  () ->
                      new AssertionError(
                          workload + ": vigil " + args.get(0) + " has no flag " + flag));
      flags.put(s.key(), value);
    }
    assertTrue(configFile != null, workload + " gives no --config");
    JsonNode mount = mountOf(c, configFile.toString());
    JsonNode configMapName = volume(pod, mount.path("name").asText()).at("/configMap/name");
    String data =
        objects
            .get("ConfigMap/" + configMapName.asText())
            .at("/data")
            .path(configFile.getFileName().toString())
            .asText(null);
    assertTrue(
        data != null, workload + ": " + configFile + " is not in ConfigMap " + configMapName);
    Path local = tmp.resolve(workload.replace('/', '-') + "-" + configFile.getFileName());
    Files.writeString(local, data);
    Map<String, String> env = new HashMap<>();
    c.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));

    Config config = Config.resolve(settings, CommandSettings.run(), flags, local, env);
    for (Setting<?> s : settings) {
      if (config.get(s).orElse(null) instanceof Path p && p.isAbsolute()) {
        mountOf(c, p.toString());
      }
    }
    return config;
  }

  private static JsonNode mountOf(JsonNode container, String path) {
    for (JsonNode m : container.path("volumeMounts")) {
      String mounted = m.path("mountPath").asText();
      if (path.equals(mounted) || path.startsWith(mounted + "/")) {
        return m;
      }
    }
    throw new AssertionError(
        container.path("name").asText() + ": " + path + " is under no volume mount");
  }

  private static JsonNode volume(JsonNode pod, String name) {
    for (JsonNode v : pod.path("volumes")) {
      if (v.path("name").asText().equals(name)) {
        return v;
      }
    }
    throw new AssertionError("no volume " + name);
  }

  private static int port(JsonNode container, String name) {
    for (JsonNode p : container.path("ports")) {
      if (p.path("name").asText().equals(name)) {
        return p.path("containerPort").asInt();
      }
    }
    throw new AssertionError(container.path("name").asText() + " has no port " + name);
  }

  private static String chartAppVersion() throws IOException {
    return YAML.readTree(CHART.resolve("Chart.yaml").toFile()).path("appVersion").asText();
  }

  /**
   * Renders release "vigil" in namespace "vigil" for cluster test.cluster; objects by kind/name.
   */
  /** The chart rendered as release {@code vigil} in namespace {@code vigil}, by kind/name. */
  public static Map<String, JsonNode> render(Consumer<TemplateCommand> values) throws IOException {
    TemplateCommand t =
        new Helm(CHART)
            .template()
            .withName("vigil")
            .withNamespace("vigil")
            .withKubeVersion("1.30.0")
            .set("clusterId", "test.cluster");
    values.accept(t);
    String out = t.call();
    Map<String, JsonNode> objects = new LinkedHashMap<>();
    try (var parser = YAML.getFactory().createParser(out)) {
      for (Iterator<JsonNode> docs = YAML.readValues(parser, JsonNode.class); docs.hasNext(); ) {
        JsonNode d = docs.next();
        if (d == null || d.isEmpty()) {
          continue;
        }
        String key = d.path("kind").asText() + "/" + d.at("/metadata/name").asText();
        assertEquals(null, objects.put(key, d), "rendered twice: " + key);
      }
    }
    return objects;
  }

  static void copyTree(Path from, Path to) throws IOException {
    List<Path> all;
    try (Stream<Path> s = Files.walk(from)) {
      all = new ArrayList<>(s.toList());
    }
    for (Path p : all) {
      Path target = to.resolve(from.relativize(p).toString());
      if (Files.isDirectory(p)) {
        Files.createDirectories(target);
      } else {
        Files.copy(p, target);
      }
    }
  }
}
