package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.kafka.EmbeddedKafkaCluster;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stacks we ship start: each Vigil command of {@code compose/docker-compose.yml} and of {@code
 * deploy/kubernetes/vigil.yaml} runs, in a JVM of its own, with exactly the arguments, environment
 * and configuration files its manifest gives it, and answers {@code /readyz} 200 (a one-shot
 * command such as compose's {@code topics} runs first and exits 0, as compose orders them). Only
 * what must point at this test's world is replaced: the Kafka bootstrap servers (an embedded
 * cluster of 3 brokers, as compose runs), the mounted paths (temporary directories laid out as the
 * volumes would be), the listening ports (0: this machine is shared, a container has its own), and
 * the cluster the watcher watches (a kubeconfig for fabric8's mock API server where a pod would use
 * its service account).
 */
class ShippedStacksIT {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The image's home directory (the Jib image's user vigil: cli/src/image/base-root.sh). */
  static final String IMAGE_HOME = "/var/lib/vigil";

  static final Duration START = Duration.ofSeconds(180);

  @TempDir static Path dir;
  static EmbeddedKafkaCluster kafka;
  static KubernetesMockServer mock;
  static Path kubeconfig;
  static String certificatePem;
  static String keyPem;

  @BeforeAll
  static void world() throws Exception {
    mock =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesMixedDispatcher(new HashMap<>()),
            false);
    mock.init(InetAddress.getLoopbackAddress(), 0);
    kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s"}}]
        users: [{name: vigil, user: {token: test}}]
        contexts: [{name: shipped-stacks, context: {cluster: mock, user: vigil}}]
        current-context: shipped-stacks
        """
            .formatted(mock.url("/")));
    selfSigned();
  }

  /** Each stack on a cluster of its own: what one leaves in Kafka is not the other's to find. */
  @BeforeEach
  void kafka(TestInfo test) {
    kafka =
        EmbeddedKafkaCluster.start(
            dir.resolve("kafka-" + test.getTestMethod().orElseThrow().getName()), 3);
  }

  @AfterEach
  void stopKafka() {
    if (kafka != null) {
      kafka.close();
      kafka = null;
    }
  }

  @AfterAll
  static void stop() {
    if (mock != null) {
      try {
        mock.destroy();
      } catch (IllegalStateException slowShutdown) {
        System.out.println(
            "shipped stacks: mock API server shutdown: " + slowShutdown.getMessage());
      }
    }
  }

  @Test
  void composeTopicsIngestAndStreamsStartWithTheComposeFilesOnThreeBrokers() throws Exception {
    Path compose = ROOT.resolve("compose/docker-compose.yml");
    JsonNode services = YAML.readTree(compose.toFile()).path("services");
    Set<String> brokers = new TreeSet<>();
    Set<String> oneShot = new LinkedHashSet<>(); // what another service waits to see completed
    List<String> vigil = new ArrayList<>();
    services
        .fields()
        .forEachRemaining(
            e -> {
              String image = e.getValue().path("image").asText();
              if (image.startsWith("apache/kafka:")) {
                brokers.add(e.getKey());
              } else if (image.startsWith("vigil:")) {
                vigil.add(e.getKey());
              }
              e.getValue()
                  .path("depends_on")
                  .fields()
                  .forEachRemaining(
                      d -> {
                        if (d.getValue()
                            .path("condition")
                            .asText()
                            .equals("service_completed_successfully")) {
                          oneShot.add(d.getKey());
                        }
                      });
            });
    assertEquals(List.of("topics", "ingest", "streams"), vigil, "the Vigil services of compose");
    assertEquals(Set.of("kafka-1", "kafka-2", "kafka-3"), brokers, "compose runs 3 brokers");
    List<Pod> first = new ArrayList<>();
    List<Pod> pods = new ArrayList<>();
    for (String name : vigil) {
      Pod pod = composePod(compose, name, services.path(name));
      Set<String> named = new TreeSet<>();
      for (String address : pod.bootstrapServers().split(",")) {
        named.add(address.substring(0, address.lastIndexOf(':')));
      }
      assertEquals(brokers, named, name + " names every broker in its bootstrap servers");
      (oneShot.contains(name) ? first : pods).add(pod);
    }
    assertEquals(List.of("compose topics"), first.stream().map(Pod::name).toList());

    for (Pod p : first) {
      try (VigilProcess once =
          VigilProcess.start(p.hostArgs(), p.hostEnv(), Files.createDirectories(p.home()))) {
        int code = once.awaitExit(START);
        assertEquals(0, code, p.name() + "\nout:\n" + once.out() + "\nerr:\n" + once.err());
        assertTrue(
            once.out().contains("replication factor 3, min.insync.replicas 2 for new topics"),
            once.out());
      }
    }
    List<VigilProcess> ran = startAllAndAwaitReady(pods);

    assertTrue(
        ran.get(0).err().contains("not reading [data-dir, streams.application-id"),
        ran.get(0).err());
    assertTrue(
        ran.get(1).err().contains("not reading [kube.watch, kube.cluster-id, policy.file"),
        ran.get(1).err());
    // Vigil's topics and Kafka Streams' changelogs: 3 replicas, acks=all writes need 2 in sync.
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      List<String> names = new ArrayList<>(Topics.ALL.stream().map(Topic::name).toList());
      admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
          .filter(t -> t.startsWith("vigil-streams-") && t.endsWith("-changelog"))
          .forEach(names::add);
      assertTrue(names.size() > Topics.ALL.size(), "streams made no changelog: " + names);
      Map<String, TopicDescription> topics =
          admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      List<ConfigResource> resources =
          names.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
      Map<ConfigResource, Config> configs =
          admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
      for (String t : names) {
        topics
            .get(t)
            .partitions()
            .forEach(p -> assertEquals(3, p.replicas().size(), t + " partition " + p.partition()));
        assertEquals(
            "2",
            configs
                .get(new ConfigResource(ConfigResource.Type.TOPIC, t))
                .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG)
                .value(),
            t + " min.insync.replicas");
      }
    }
  }

  /**
   * Compose service {@code name} as its container would run: command, environment, volumes laid out
   * here.
   */
  private static Pod composePod(Path compose, String name, JsonNode svc) throws Exception {
    Path podDir = Files.createDirectories(dir.resolve("compose-" + name));
    Map<String, Path> mounts = new LinkedHashMap<>();
    Map<String, Path> configFiles = new LinkedHashMap<>();
    for (JsonNode v : svc.path("volumes")) {
      String spec = v.asText();
      int variableEnd =
          spec.startsWith("${") ? spec.indexOf('}') + 1 : 0; // ${KUBECONFIG:-~/.kube/config}
      String source = spec.substring(0, spec.indexOf(':', variableEnd));
      String target = spec.substring(source.length() + 1).split(":")[0];
      if (source.startsWith("${KUBECONFIG")) {
        assertEquals(
            IMAGE_HOME + "/.kube/config",
            target,
            "the kubeconfig goes to the image user's ~/.kube/config");
        mounts.put(target, Files.createDirectories(podDir.resolve("home/.kube")).resolve("config"));
        Files.copy(kubeconfig, mounts.get(target));
      } else if (source.equals("./certs")) {
        // compose/certs/README.md: the operator puts server.crt, server.key and token there.
        Path certs = Files.createDirectories(podDir.resolve("certs"));
        Files.writeString(certs.resolve("server.crt"), certificatePem);
        Files.writeString(certs.resolve("server.key"), keyPem);
        Files.writeString(certs.resolve("token"), "compose-test-token\n");
        mounts.put(target, certs);
      } else if (source.startsWith(".")) {
        Path file = compose.getParent().resolve(source).normalize();
        assertTrue(Files.exists(file), name + " mounts missing " + source);
        if (Files.isRegularFile(file) && file.getFileName().toString().endsWith(".yaml")) {
          configFiles.put(target, file);
          mounts.put(target, podDir.resolve(file.getFileName()));
        } else {
          mounts.put(target, file);
        }
      } else {
        mounts.put(target, Files.createDirectories(podDir.resolve("volume-" + source)));
      }
    }
    for (Map.Entry<String, Path> c : configFiles.entrySet()) {
      Files.writeString(mounts.get(c.getKey()), rewrite(Files.readString(c.getValue()), mounts));
    }
    List<String> args = new ArrayList<>();
    svc.path("command").forEach(a -> args.add(a.asText()));
    Map<String, String> env = new LinkedHashMap<>();
    svc.path("environment")
        .fields()
        .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    return new Pod("compose " + name, args, env, mounts, podDir.resolve("home"));
  }

  @Test
  void kubernetesWatcherReceiversAndStreamsStartWithTheConfigMapAndGetReady() throws Exception {
    List<JsonNode> docs = new ArrayList<>();
    try (var parser =
        YAML.getFactory().createParser(ROOT.resolve("deploy/kubernetes/vigil.yaml").toFile())) {
      YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
    }
    startWorkloadsAndAwaitReady("k8s", docs);
  }

  @Test
  void helmChartWatcherReceiversAndStreamsStartWithTheRenderedConfigAndGetReady() throws Exception {
    // The chart with the values an installer must give (clusterId), rendered by Helm itself.
    startWorkloadsAndAwaitReady(
        "helm", List.copyOf(dev.vigil.cli.deploy.HelmChartTest.render(t -> {}).values()));
  }

  @Test
  void helmChartWithPolicyReportsStartsTheWatcherWritingThem() throws Exception {
    // policyReports.enabled puts policy-reports.* into the config the watcher and streams share:
    // the watcher writes the reports, streams ignores the keys, and both still get ready.
    List<String> out =
        startWorkloadsAndAwaitReady(
            "helm-reports",
            List.copyOf(
                dev.vigil.cli.deploy.HelmChartTest.render(
                        t -> t.set("policyReports.enabled", "true"))
                    .values()));
    assertTrue(
        out.get(0).contains("policy-reports: one PolicyReport per namespace in each of 1 watched"),
        out.get(0));
  }

  /**
   * Starts the Vigil containers of rendered Kubernetes objects (the vigil-config ConfigMap, the
   * Deployments and StatefulSets) with exactly their arguments, environment and mounted config.
   */
  private List<String> startWorkloadsAndAwaitReady(String label, List<JsonNode> docs)
      throws Exception {
    Map<String, String> configMap = new LinkedHashMap<>();
    List<JsonNode> workloads = new ArrayList<>();
    for (JsonNode d : docs) {
      if (d == null) {
        continue;
      }
      String kind = d.path("kind").asText();
      if (kind.equals("ConfigMap")
          && d.path("metadata").path("name").asText().equals("vigil-config")) {
        d.path("data")
            .fields()
            .forEachRemaining(e -> configMap.put(e.getKey(), e.getValue().asText()));
      } else if (kind.equals("Deployment") || kind.equals("StatefulSet")) {
        workloads.add(d);
      }
    }
    // Helm orders its output by kind and template file: start watcher, receivers, streams alike.
    List<String> order = List.of("vigil-watcher", "vigil-receiver", "vigil-streams");
    workloads.sort(
        java.util.Comparator.comparingInt(
            w -> {
              int at = order.indexOf(w.path("metadata").path("name").asText());
              return at < 0 ? order.size() : at;
            }));
    List<Pod> pods = new ArrayList<>();
    for (JsonNode w : workloads) {
      String name = w.path("metadata").path("name").asText();
      JsonNode spec = w.path("spec").path("template").path("spec");
      JsonNode container = spec.path("containers").get(0);
      Path podDir = Files.createDirectories(dir.resolve(label + "-" + name));
      Map<String, JsonNode> volumes = new HashMap<>();
      spec.path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
      w.path("spec")
          .path("volumeClaimTemplates")
          .forEach(
              v ->
                  volumes.put(
                      v.path("metadata").path("name").asText(),
                      YAML.createObjectNode()
                          .put("name", v.path("metadata").path("name").asText())));
      Map<String, Path> mounts = new LinkedHashMap<>();
      Path configDir = null;
      for (JsonNode m : container.path("volumeMounts")) {
        JsonNode v = volumes.get(m.path("name").asText());
        assertNotNull(v, name + " mounts undeclared volume " + m.path("name").asText());
        Path host = Files.createDirectories(podDir.resolve(m.path("name").asText()));
        String source =
            v.has("configMap")
                ? "configMap/" + v.path("configMap").path("name").asText()
                : v.has("secret")
                    ? "secret/" + v.path("secret").path("secretName").asText()
                    : "volume";
        switch (source) {
          case "configMap/vigil-config" -> configDir = host;
          case "configMap/vigil-policy" -> { // the header's kubectl create configmap vigil-policy
            Files.copy(ROOT.resolve("compose/policy/policy.yaml"), host.resolve("policy.yaml"));
            Files.copy(
                ROOT.resolve("cli/src/test/resources/dev/vigil/cli/evaluate/attestor.yaml"),
                host.resolve("attestors.yaml"));
          }
          case "secret/vigil-ingest-tls" -> { // kubectl create secret tls: tls.crt and tls.key
            Files.writeString(host.resolve("tls.crt"), certificatePem);
            Files.writeString(host.resolve("tls.key"), keyPem);
          }
          case "secret/vigil-ingest-tokens" ->
              Files.writeString(host.resolve("token"), "k8s-test-token\n");
          default -> {} // emptyDir, volume claim: an empty directory
        }
        mounts.put(m.path("mountPath").asText(), host);
      }
      assertNotNull(configDir, name + " mounts no vigil-config");
      for (Map.Entry<String, String> f : configMap.entrySet()) {
        Files.writeString(configDir.resolve(f.getKey()), rewrite(f.getValue(), mounts));
      }
      List<String> args = new ArrayList<>();
      container.path("args").forEach(a -> args.add(a.asText()));
      Map<String, String> env = new LinkedHashMap<>();
      container
          .path("env")
          .forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
      Path home = Files.createDirectories(podDir.resolve("home"));
      if (spec.has("serviceAccountName")) {
        // In a pod: the in-cluster service account. Here: the mock API server's kubeconfig.
        Files.createDirectories(home.resolve(".kube"));
        Files.copy(kubeconfig, home.resolve(".kube/config"));
      }
      pods.add(new Pod(label + " " + name, args, env, mounts, home));
    }
    assertEquals(
        List.of(label + " vigil-watcher", label + " vigil-receiver", label + " vigil-streams"),
        pods.stream().map(Pod::name).toList());

    List<VigilProcess> ran = startAllAndAwaitReady(pods);

    assertTrue(ran.get(0).out().contains("ingest: 1 cluster watcher(s)\n"), ran.get(0).out());
    assertTrue(
        ran.get(1).out().contains("ingest: 0 cluster watcher(s), audit receiver on https port"),
        ran.get(1).out());
    assertTrue(ran.get(2).err().contains("not reading [kube.watch"), ran.get(2).err());
    return ran.stream().map(VigilProcess::out).toList();
  }

  /** One container: its arguments and environment as the manifest has them, and its mounts. */
  record Pod(
      String name,
      List<String> args,
      Map<String, String> env,
      Map<String, Path> mounts,
      Path home) {

    /** The Kafka it names: {@code --bootstrap-servers}, else {@code VIGIL_BOOTSTRAP_SERVERS}. */
    String bootstrapServers() {
      int flag = args.indexOf("--bootstrap-servers");
      String servers = flag >= 0 ? args.get(flag + 1) : env.get("VIGIL_BOOTSTRAP_SERVERS");
      assertNotNull(
          servers, name + " names no Kafka (--bootstrap-servers or VIGIL_BOOTSTRAP_SERVERS)");
      return servers;
    }

    List<String> hostArgs() {
      List<String> a = new ArrayList<>(args.stream().map(arg -> onHost(arg, mounts)).toList());
      int flag = a.indexOf("--bootstrap-servers");
      if (flag >= 0) {
        a.set(flag + 1, kafka.bootstrapServers());
      }
      return a;
    }

    Map<String, String> hostEnv() {
      bootstrapServers();
      Map<String, String> e = new LinkedHashMap<>(env);
      e.computeIfPresent("VIGIL_BOOTSTRAP_SERVERS", (k, v) -> kafka.bootstrapServers());
      return e;
    }
  }

  /**
   * Starts every pod, waits for each to be ready, stops them (each must exit 0); the stopped
   * processes.
   */
  private static List<VigilProcess> startAllAndAwaitReady(List<Pod> pods) throws Exception {
    List<VigilProcess> started = new ArrayList<>();
    try {
      for (Pod p : pods) {
        Files.createDirectories(p.home());
        started.add(VigilProcess.start(p.hostArgs(), p.hostEnv(), p.home()));
      }
      for (int i = 0; i < pods.size(); i++) {
        started.get(i).awaitReady(START);
      }
      for (int i = 0; i < pods.size(); i++) {
        VigilProcess p = started.get(i);
        int code = p.stop();
        String who = pods.get(i).name() + "\nout:\n" + p.out() + "\nerr:\n" + p.err();
        assertEquals(0, code, who);
        assertFalse(p.err().contains("unknown settings"), who);
        assertFalse(p.err().contains("\tat "), "no stack trace: " + who);
      }
      return started;
    } finally {
      started.forEach(VigilProcess::close);
    }
  }

  /**
   * The configuration file as the container would read it, with mounted paths turned into their
   * directories here and listening addresses into 127.0.0.1:0.
   */
  private static String rewrite(String yaml, Map<String, Path> mounts) throws Exception {
    JsonNode tree = YAML.readTree(yaml);
    replaceStrings(tree, mounts);
    StringWriter w = new StringWriter();
    YAML.writeValue(w, tree);
    return w.toString();
  }

  private static void replaceStrings(JsonNode node, Map<String, Path> mounts) {
    if (!(node instanceof ObjectNode object)) {
      return;
    }
    object
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode v = e.getValue();
              if (v.isTextual()) {
                String s =
                    v.asText().matches("0\\.0\\.0\\.0:\\d+")
                        ? "127.0.0.1:0"
                        : onHost(v.asText(), mounts);
                e.setValue(new TextNode(s));
              } else {
                replaceStrings(v, mounts);
              }
            });
  }

  /** A path inside the container turned into the host path of its mount; other text unchanged. */
  static String onHost(String text, Map<String, Path> mounts) {
    return mounts.keySet().stream()
        .sorted(Comparator.comparingInt(String::length).reversed())
        .filter(target -> text.equals(target) || text.startsWith(target + "/"))
        .findFirst()
        .map(target -> mounts.get(target) + text.substring(target.length()))
        .orElse(text);
  }

  private static void selfSigned() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair key = g.generateKeyPair();
    X500Name name = new X500Name("CN=ingest");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name,
            BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now.minus(1, ChronoUnit.HOURS)),
            Date.from(now.plus(1, ChronoUnit.DAYS)),
            name,
            key.getPublic());
    b.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(new GeneralName(GeneralName.dNSName, "localhost")));
    certificatePem =
        pem(
            new JcaX509CertificateConverter()
                .getCertificate(
                    b.build(
                        new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()))));
    keyPem =
        pem(
            new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key.getPrivate(), null)
                .generate());
  }

  private static String pem(Object o) throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }
}
