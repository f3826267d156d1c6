package dev.vigil.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The scripted day of the demo, played against the mock API server (pods) and the audit receiver
 * (admission decisions, posted as a kube-apiserver's audit webhook would).
 */
final class DemoScript {

  private final DemoWorld world;
  private final KubernetesClient kube;
  private final URI auditEndpoint;
  private final HttpClient http;
  private final PrintWriter out;
  private final Duration step;
  private final boolean colour;
  private final Map<String, Object> kafka;

  DemoScript(
      DemoWorld world,
      KubernetesClient kube,
      int receiverPort,
      PrintWriter out,
      Duration step,
      boolean colour,
      String bootstrapServers,
      Map<String, String> kafkaClient)
      throws Exception {
    this.world = world;
    this.kafka = new HashMap<>(kafkaClient);
    this.kafka.put("bootstrap.servers", bootstrapServers);
    this.kafka.put("client.id", "vigil-demo-script");
    this.kube = kube;
    this.auditEndpoint =
        URI.create("https://127.0.0.1:" + receiverPort + "/audit/" + DemoWorld.CLUSTER);
    this.http =
        HttpClient.newBuilder()
            .sslContext(world.clientTls())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.out = out;
    this.step = step;
    this.colour = colour;
  }

  /** An image of the demo registry, pinned by digest. */
  record Image(String repository, String digest) {
    static Image of(String name) {
      return new Image(DemoWorld.REGISTRY + "/" + name, DemoWorld.digest(name));
    }

    String ref() {
      return repository + "@" + digest;
    }
  }

  void play() throws Exception {
    Image api = Image.of("shop/api");
    Image checkout = Image.of("shop/checkout");
    Image dashboard = Image.of("tools/dashboard");
    Image batch = Image.of("legacy/batch-worker");
    Image toolbox = Image.of("debug/toolbox");
    Image unsigned = Image.of("shop/api-unsigned-build");

    act(
        1,
        "Compliant workloads start: payments/api (2 pods, signed by CI) and tools/dashboard (unsigned; "
            + "the tools namespace is ALWAYS_ALLOW for now)");
    // The facts come first, as in a real pipeline (CI attests before deploying): the pods start
    // only
    // once their attestations are on vigil.attestations, so they are judged compliant from the
    // start.
    world.attest(api.repository(), api.digest());
    world.attest(checkout.repository(), checkout.digest());
    awaitAttestations(List.of(api.digest(), checkout.digest()), Duration.ofSeconds(30));
    deployment("payments", "api", api, 2, Map.of(), null);
    deployment("tools", "dashboard", dashboard, 1, Map.of(), null);
    pause();

    act(
        2,
        "An unsigned image is blocked by the policy at admission: nothing runs, nothing to follow up");
    postAudit(
        List.of(auditEvent("payments", "api-unsigned-7c9d4", unsignedPod(unsigned), "blocked")));
    pause();

    act(
        3,
        "The enforcer is down. The API server admits pods fail-open: payments/checkout (3 pods, signed) and "
            + "legacy/batch-worker (2 pods, never signed)");
    deployment("payments", "checkout", checkout, 3, Map.of(), "failed-open");
    deployment("legacy", "batch-worker", batch, 2, Map.of(), "failed-open");
    pause();

    act(
        4,
        "Still in the outage, mallory@demo.example runs `kubectl run probe` with an unsigned image: denied three "
            + "times, then admitted fail-open (exhausting the enforcer's quota fails open): a suspected bypass. "
            + "bob@demo.example's `kubectl run scratch`, admitted fail-open with no denial before it, is not");
    Image probe = Image.of("debug/probe");
    for (int i = 0; i < 3; i++) {
      postAudit(
          List.of(
              auditEvent(
                  "sandbox",
                  "probe",
                  barePod("sandbox", "probe", probe),
                  "blocked",
                  "mallory@demo.example")));
    }
    kubectlRun("sandbox", "probe", probe, "mallory@demo.example");
    kubectlRun("sandbox", "scratch", Image.of("debug/scratch"), "bob@demo.example");
    pause();

    act(5, "Someone uses breakglass to start debug/toolbox, an unsigned image");
    deployment(
        "debug",
        "toolbox",
        toolbox,
        1,
        Map.of("alpha.image-policy.k8s.io/break-glass", "true"),
        "breakglass");
    pause();

    act(
        6,
        "The policy changes: the tools namespace now needs CI attestations too. Running pods are re-judged "
            + "without any new pod event");
    world.writePolicy(true);
    pause();

    act(
        7,
        "The CI attestation for debug/toolbox arrives late: its violation clears (the breakglass follow-up "
            + "stays open until someone acknowledges it)");
    world.attest(toolbox.repository(), toolbox.digest());
    pause();

    act(8, "legacy/batch-worker is deleted: its violations and its escalated follow-up resolve");
    for (Pod p : kube.pods().inNamespace("legacy").list().getItems()) {
      kube.pods().inNamespace("legacy").withName(p.getMetadata().getName()).delete();
    }
    pause();

    act(
        9,
        "payments/web rolls out from Artifact Registry by tag (web:1.4) with an image pull secret: its "
            + "image is signed, so the policy allows it, but two registry-hygiene findings open");
    Image web = Image.of("shop/web");
    world.attest(web.repository(), web.digest());
    awaitAttestations(List.of(web.digest()), Duration.ofSeconds(30));
    deployment(
        "payments",
        "web",
        web.repository() + ":1.4",
        web,
        1,
        Map.of(),
        null,
        List.of("artifact-registry-key"));
    pause();
    say("The scripted day is over; Vigil keeps running (Ctrl-C stops it).");
  }

  /** Waits until {@code vigil.attestations} holds an attestation for each digest. */
  private void awaitAttestations(List<String> digests, Duration limit) throws InterruptedException {
    Set<String> missing = new HashSet<>(digests);
    long deadline = System.nanoTime() + limit.toNanos();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(kafka, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          consumer.partitionsFor(Topics.ATTESTATIONS.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      while (!missing.isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "the demo's attestations for "
                  + missing
                  + " did not reach "
                  + Topics.ATTESTATIONS.name()
                  + " within "
                  + limit.toSeconds()
                  + " s");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          if (r.key() != null && r.value() != null) {
            missing.removeIf(d -> r.key().startsWith(d + "/"));
          }
        }
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
    }
  }

  private void act(int n, String text) {
    say("▶ " + n + "/9 " + text);
  }

  private void say(String text) {
    out.println(colour ? "\u001b[1m" + text + "\u001b[0m" : text);
    out.flush();
  }

  private void pause() throws InterruptedException {
    Thread.sleep(step.toMillis());
  }

  /**
   * A Deployment's ReplicaSet and its pods in the mock cluster, with their admission posted first.
   */
  private void deployment(
      String ns,
      String name,
      Image image,
      int replicas,
      Map<String, String> annotations,
      String admission)
      throws Exception {
    deployment(ns, name, image.ref(), image, replicas, annotations, admission, List.of());
  }

  /**
   * As above, the spec naming the image as {@code specImage} (by tag, say), with image pull
   * secrets.
   */
  private void deployment(
      String ns,
      String name,
      String specImage,
      Image image,
      int replicas,
      Map<String, String> annotations,
      String admission,
      List<String> pullSecrets)
      throws Exception {
    String hash = Integer.toHexString((ns + name).hashCode() & 0xfffffff);
    String rsName = name + "-" + hash;
    ReplicaSet rs =
        new ReplicaSetBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(rsName)
            .withUid(UUID.randomUUID().toString())
            .addToOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("apps/v1")
                    .withKind("Deployment")
                    .withName(name)
                    .withUid(UUID.randomUUID().toString())
                    .withController(true)
                    .build())
            .endMetadata()
            .withNewSpec()
            .withReplicas(replicas)
            .endSpec()
            .build();
    kube.resource(rs).create();
    List<JsonNode> events = new ArrayList<>();
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      String podName =
          rsName + "-" + Integer.toHexString((podNameSeed(ns, name) + i * 7919) & 0xfffff);
      Pod pod =
          new PodBuilder()
              .withNewMetadata()
              .withNamespace(ns)
              .withName(podName)
              .withUid(UUID.randomUUID().toString())
              // As a Deployment's pods carry it: the watcher names the Deployment from this label
              // even when the pod arrives before its ReplicaSet does.
              .withLabels(Map.of("app", name, "pod-template-hash", hash))
              .withAnnotations(annotations)
              .addToOwnerReferences(
                  new OwnerReferenceBuilder()
                      .withApiVersion("apps/v1")
                      .withKind("ReplicaSet")
                      .withName(rsName)
                      .withUid(rs.getMetadata().getUid())
                      .withController(true)
                      .build())
              .endMetadata()
              .withNewSpec()
              .withServiceAccountName(name)
              .withContainers(new ContainerBuilder().withName(name).withImage(specImage).build())
              .withImagePullSecrets(pullSecrets.stream().map(LocalObjectReference::new).toList())
              .endSpec()
              .withNewStatus()
              .withPhase("Running")
              .withContainerStatuses(
                  new ContainerStatusBuilder()
                      .withName(name)
                      .withImage(specImage)
                      .withImageID(image.ref())
                      .withReady(true)
                      .build())
              .endStatus()
              .build();
      pods.add(pod);
      if (admission != null) {
        events.add(
            auditEvent(ns, podName, kube.getKubernetesSerialization().asJson(pod), admission));
      }
    }
    if (!events.isEmpty()) {
      postAudit(events);
    }
    for (Pod pod : pods) {
      kube.resource(pod).create();
    }
  }

  /** A bare pod, as {@code kubectl run NAME --image IMAGE} creates it. */
  private String barePod(String ns, String name, Image image) {
    return kube.getKubernetesSerialization().asJson(pod(ns, name, image));
  }

  private Pod pod(String ns, String name, Image image) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .withUid(UUID.randomUUID().toString())
        .withLabels(Map.of("run", name))
        .endMetadata()
        .withNewSpec()
        .withContainers(new ContainerBuilder().withName(name).withImage(image.ref()).build())
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withContainerStatuses(
            new ContainerStatusBuilder()
                .withName(name)
                .withImage(image.ref())
                .withImageID(image.ref())
                .withReady(true)
                .build())
        .endStatus()
        .build();
  }

  /**
   * {@code kubectl run} by {@code user} while the enforcer fails open: the admission, then the pod.
   */
  private void kubectlRun(String ns, String name, Image image, String user) throws Exception {
    Pod pod = pod(ns, name, image);
    postAudit(
        List.of(
            auditEvent(
                ns, name, kube.getKubernetesSerialization().asJson(pod), "failed-open", user)));
    kube.resource(pod).create();
  }

  private static int podNameSeed(String ns, String name) {
    return (ns + "/" + name).hashCode();
  }

  private String unsignedPod(Image image) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace("payments")
            .withName("api-unsigned-7c9d4")
            .endMetadata()
            .withNewSpec()
            .withContainers(new ContainerBuilder().withName("api").withImage(image.ref()).build())
            .endSpec()
            .build();
    return kube.getKubernetesSerialization().asJson(pod);
  }

  /** An audit.k8s.io/v1 Event for a pod create, at stage ResponseComplete. */
  private JsonNode auditEvent(String ns, String name, String podJson, String outcome)
      throws Exception {
    return auditEvent(
        ns,
        name,
        podJson,
        outcome,
        "breakglass".equals(outcome)
            ? "alice@demo.example"
            : "system:serviceaccount:kube-system:replicaset-controller");
  }

  /** An audit.k8s.io/v1 Event for a pod create by {@code username}, at stage ResponseComplete. */
  private JsonNode auditEvent(
      String ns, String name, String podJson, String outcome, String username) throws Exception {
    ObjectNode e = Json.mapper().createObjectNode();
    Instant now = Instant.now();
    e.put("kind", "Event")
        .put("apiVersion", "audit.k8s.io/v1")
        .put("level", "RequestResponse")
        .put("auditID", UUID.randomUUID().toString())
        .put("stage", "ResponseComplete")
        .put("requestURI", "/api/v1/namespaces/" + ns + "/pods")
        .put("verb", "create")
        .put("userAgent", "kube-controller-manager/v1.31.0")
        .put("requestReceivedTimestamp", now.toString())
        .put("stageTimestamp", now.plusMillis(12).toString());
    ObjectNode user = e.putObject("user");
    user.put("username", username);
    user.putArray("groups").add("system:authenticated");
    e.putArray("sourceIPs").add("10.128.0.2");
    e.putObject("objectRef")
        .put("resource", "pods")
        .put("namespace", ns)
        .put("name", name)
        .put("apiVersion", "v1");
    JsonNode pod = Json.mapper().readTree(podJson);
    e.set("requestObject", pod);
    ObjectNode annotations = e.putObject("annotations");
    annotations.put("authorization.k8s.io/decision", "allow");
    ObjectNode status = e.putObject("responseStatus");
    switch (outcome) {
      case "blocked" -> {
        status
            .put("code", 403)
            .put("status", "Failure")
            .put("reason", "Forbidden")
            .put(
                "message",
                "pods \""
                    + name
                    + "\" is forbidden: image policy webhook backend denied one or more "
                    + "images: Denied by default admission rule. Image "
                    + pod.at("/spec/containers/0/image").asText()
                    + " denied by "
                    + world.ci.name()
                    + ": No attestations found");
        annotations.put("imagepolicywebhook.image-policy.k8s.io/image-denied", "true");
      }
      case "failed-open" -> {
        status.put("code", 201);
        e.set("responseObject", pod);
        annotations.put("imagepolicywebhook.image-policy.k8s.io/failed-open", "true");
      }
      case "breakglass" -> {
        status.put("code", 201);
        e.set("responseObject", pod);
        annotations.put("imagepolicywebhook.image-policy.k8s.io/break-glass", "true");
      }
      default -> throw new IllegalArgumentException(outcome);
    }
    return e;
  }

  private void postAudit(List<JsonNode> events) throws Exception {
    ObjectNode list = Json.mapper().createObjectNode();
    list.put("kind", "EventList").put("apiVersion", "audit.k8s.io/v1");
    ArrayNode items = list.putArray("items");
    events.forEach(items::add);
    HttpRequest request =
        HttpRequest.newBuilder(auditEndpoint)
            .header("Authorization", "Bearer " + world.token)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(list)))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "the audit receiver answered " + response.statusCode() + ": " + response.body());
    }
  }
}
