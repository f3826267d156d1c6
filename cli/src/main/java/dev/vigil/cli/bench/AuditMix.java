package dev.vigil.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.schemas.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * A busy API server's audit stream, as {@code EventList} batches: about 90 % events Vigil discards
 * (node and controller leases, gets and watches, node status and endpoint-slice writes at {@code
 * Metadata} or {@code Request} level, core events, pod creates at stage {@code RequestReceived})
 * and 10 % pod creates at {@code RequestResponse} and {@code ResponseComplete}: allowed, failed
 * open, breakglass and denied. Seeded, so every run posts the same bytes.
 */
final class AuditMix {

  /** What the batches hold. */
  record Batches(List<byte[]> bodies, int eventsPerBatch, int podAdmissionsPerBatch) {
    long bytes() {
      return bodies.stream().mapToLong(b -> b.length).sum();
    }
  }

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final Random random;
  private final Instant at = Instant.parse("2026-11-30T09:00:00Z");
  private int sequence;

  private AuditMix(long seed) {
    this.random = new Random(seed);
  }

  /** {@code count} bodies of {@code perBatch} events, a tenth of them pod admissions. */
  static Batches batches(int count, int perBatch, long seed) {
    AuditMix mix = new AuditMix(seed);
    List<byte[]> bodies = new ArrayList<>(count);
    int admissions = perBatch / 10;
    for (int b = 0; b < count; b++) {
      List<ObjectNode> events = new ArrayList<>(perBatch);
      for (int i = 0; i < perBatch; i++) {
        events.add(i % 10 == 5 ? mix.podCreate(i / 10 % 10) : mix.discarded(i));
      }
      ObjectNode list =
          F.objectNode().put("kind", "EventList").put("apiVersion", "audit.k8s.io/v1");
      list.putObject("metadata");
      ArrayNode items = list.putArray("items");
      events.forEach(items::add);
      bodies.add(Json.write(list));
    }
    return new Batches(bodies, perBatch, admissions);
  }

  /** One of the events Vigil does not need, by position. */
  private ObjectNode discarded(int i) {
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
        return lease();
      case 3:
        return metadata(
            "get",
            "configmaps",
            "",
            "kube-system",
            "extension-apiserver-authentication",
            "system:kube-controller-manager");
      case 4:
        return metadata("watch", "pods", "", null, null, "system:node:node-" + random.nextInt(500));
      case 6:
        return nodeStatus();
      case 7:
        return endpointSlice();
      case 8:
        return podCreate(-1); // at RequestReceived: Vigil waits for ResponseComplete
      default:
        return coreEvent();
    }
  }

  private ObjectNode envelope(String level, String stage, String verb, String uri, String user) {
    ObjectNode e =
        F.objectNode()
            .put("kind", "Event")
            .put("apiVersion", "audit.k8s.io/v1")
            .put("level", level)
            .put("auditID", new UUID(random.nextLong(), random.nextLong()).toString())
            .put("stage", stage)
            .put("requestURI", uri)
            .put("verb", verb);
    ObjectNode u =
        e.putObject("user")
            .put("username", user)
            .put("uid", new UUID(random.nextLong(), 0).toString());
    u.putArray("groups").add("system:authenticated");
    e.putArray("sourceIPs").add("10.128.0." + random.nextInt(250));
    e.put(
        "userAgent",
        "kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount");
    return e;
  }

  private ObjectNode ref(
      ObjectNode e, String resource, String group, String namespace, String name) {
    ObjectNode r = e.putObject("objectRef").put("resource", resource);
    if (namespace != null) {
      r.put("namespace", namespace);
    }
    if (name != null) {
      r.put("name", name);
    }
    if (!group.isEmpty()) {
      r.put("apiGroup", group);
    }
    r.put("apiVersion", group.isEmpty() ? "v1" : "v1");
    return r;
  }

  private void finish(ObjectNode e, int code) {
    e.putObject("responseStatus").put("code", code).putObject("metadata");
    String t = at.plusMillis(++sequence).toString();
    e.put("requestReceivedTimestamp", t).put("stageTimestamp", t);
    e.putObject("annotations")
        .put("authorization.k8s.io/decision", "allow")
        .put(
            "authorization.k8s.io/reason",
            "RBAC: allowed by ClusterRoleBinding \"system:kube-controller-manager\"");
  }

  private ObjectNode metadata(
      String verb, String resource, String group, String ns, String name, String user) {
    ObjectNode e = envelope("Metadata", "ResponseComplete", verb, "/api/v1/" + resource, user);
    ref(e, resource, group, ns, name);
    finish(e, 200);
    return e;
  }

  private ObjectNode lease() {
    String node = "node-" + random.nextInt(500);
    ObjectNode e =
        envelope(
            "Metadata",
            "ResponseComplete",
            "update",
            "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/" + node,
            "system:node:" + node);
    ref(e, "leases", "coordination.k8s.io", "kube-node-lease", node);
    finish(e, 200);
    return e;
  }

  private ObjectNode nodeStatus() {
    String node = "node-" + random.nextInt(500);
    ObjectNode e =
        envelope(
            "Request",
            "ResponseComplete",
            "patch",
            "/api/v1/nodes/" + node + "/status",
            "system:node:" + node);
    ref(e, "nodes", "", null, node).put("subresource", "status");
    ObjectNode status = e.putObject("requestObject").putObject("status");
    ArrayNode conditions = status.putArray("conditions");
    for (String type : new String[] {"MemoryPressure", "DiskPressure", "PIDPressure", "Ready"}) {
      conditions
          .addObject()
          .put("type", type)
          .put("status", type.equals("Ready") ? "True" : "False")
          .put("lastHeartbeatTime", at.toString())
          .put("reason", "Kubelet" + type)
          .put("message", "kubelet has sufficient resources available");
    }
    finish(e, 200);
    return e;
  }

  private ObjectNode endpointSlice() {
    ObjectNode e =
        envelope(
            "Request",
            "ResponseComplete",
            "update",
            "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/checkout-x7k2p",
            "system:serviceaccount:kube-system:endpointslice-controller");
    ref(e, "endpointslices", "discovery.k8s.io", "shop", "checkout-x7k2p");
    ObjectNode slice =
        e.putObject("requestObject").put("kind", "EndpointSlice").put("addressType", "IPv4");
    ArrayNode endpoints = slice.putArray("endpoints");
    for (int i = 0; i < 4; i++) {
      endpoints
          .addObject()
          .put("nodeName", "node-" + random.nextInt(500))
          .putArray("addresses")
          .add("10.4." + random.nextInt(250) + "." + random.nextInt(250));
    }
    slice
        .putArray("ports")
        .addObject()
        .put("name", "http")
        .put("port", 8080)
        .put("protocol", "TCP");
    finish(e, 200);
    return e;
  }

  private ObjectNode coreEvent() {
    ObjectNode e =
        envelope(
            "Request",
            "ResponseComplete",
            "create",
            "/api/v1/namespaces/shop/events",
            "system:node:node-" + random.nextInt(500));
    ref(e, "events", "", "shop", null);
    e.putObject("requestObject")
        .put("kind", "Event")
        .put("reason", "Pulled")
        .put("type", "Normal")
        .put(
            "message",
            "Successfully pulled image \"registry.example.com/shop/checkout:1.4.2\" in 812ms");
    finish(e, 201);
    return e;
  }

  /**
   * A pod create by a ReplicaSet controller at {@code RequestResponse}.
   *
   * @param kind 0–6 allowed, 7 failed open, 8 breakglass, 9 denied; -1 for stage RequestReceived
   */
  private ObjectNode podCreate(int kind) {
    boolean received = kind < 0;
    String ns = "shop";
    String rs = "checkout-7998647bdf";
    String name = rs + "-" + Integer.toString(++sequence, 36);
    ObjectNode e =
        envelope(
            "RequestResponse",
            received ? "RequestReceived" : "ResponseComplete",
            "create",
            "/api/v1/namespaces/" + ns + "/pods",
            "system:serviceaccount:kube-system:replicaset-controller");
    ref(e, "pods", "", ns, null);
    ObjectNode pod = pod(ns, rs, null, kind == 8);
    e.set("requestObject", pod);
    if (received) {
      e.put("requestReceivedTimestamp", at.plusMillis(sequence).toString())
          .put("stageTimestamp", at.plusMillis(sequence).toString());
      return e;
    }
    if (kind == 9) {
      e.putObject("responseStatus")
          .put("code", 403)
          .put("status", "Failure")
          .put("reason", "Forbidden")
          .put(
              "message",
              "admission webhook \"policy.sigstore.dev\" denied the request: image is not attested");
    } else {
      e.set("responseObject", pod(ns, rs, name, kind == 8));
      e.putObject("responseStatus").put("code", 201).putObject("metadata");
    }
    String t = at.plusMillis(sequence).toString();
    e.put("requestReceivedTimestamp", t).put("stageTimestamp", t);
    ObjectNode a =
        e.putObject("annotations")
            .put("authorization.k8s.io/decision", "allow")
            .put(
                "authorization.k8s.io/reason",
                "RBAC: allowed by ClusterRoleBinding \"system:controller:replicaset-controller\"");
    if (kind == 7) {
      a.put("imagepolicywebhook.image-policy.k8s.io/failed-open", "true");
    }
    return e;
  }

  private ObjectNode pod(String ns, String rs, String name, boolean breakglass) {
    ObjectNode p = F.objectNode().put("kind", "Pod").put("apiVersion", "v1");
    ObjectNode m = p.putObject("metadata").put("generateName", rs + "-").put("namespace", ns);
    if (name != null) {
      m.put("name", name)
          .put("uid", new UUID(random.nextLong(), random.nextLong()).toString())
          .put("resourceVersion", Integer.toString(1_000_000 + sequence))
          .put("creationTimestamp", at.toString());
    }
    m.putObject("labels").put("app", "checkout").put("pod-template-hash", "7998647bdf");
    if (breakglass) {
      m.putObject("annotations").put("alpha.image-policy.k8s.io/break-glass", "true");
    }
    m.putArray("ownerReferences")
        .addObject()
        .put("apiVersion", "apps/v1")
        .put("kind", "ReplicaSet")
        .put("name", rs)
        .put("uid", "a8beebfd-d925-11e8-a2e6-080027728ac4")
        .put("controller", true)
        .put("blockOwnerDeletion", true);
    ObjectNode spec =
        p.putObject("spec")
            .put("serviceAccountName", "checkout")
            .put("dnsPolicy", "ClusterFirst")
            .put("restartPolicy", "Always")
            .put("schedulerName", "default-scheduler")
            .put("terminationGracePeriodSeconds", 30);
    ArrayNode containers = spec.putArray("containers");
    for (String c : new String[] {"checkout", "envoy"}) {
      ObjectNode container =
          containers
              .addObject()
              .put("name", c)
              .put("image", "registry.example.com/shop/" + c + "@sha256:" + "ab12".repeat(16))
              .put("imagePullPolicy", "IfNotPresent")
              .put("terminationMessagePath", "/dev/termination-log")
              .put("terminationMessagePolicy", "File");
      container.putArray("ports").addObject().put("containerPort", 8080).put("protocol", "TCP");
      container
          .putObject("resources")
          .putObject("requests")
          .put("cpu", "250m")
          .put("memory", "256Mi");
      container.putArray("env").addObject().put("name", "LOG_LEVEL").put("value", "info");
      container
          .putArray("volumeMounts")
          .addObject()
          .put("name", "kube-api-access")
          .put("readOnly", true)
          .put("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount");
    }
    spec.putArray("volumes")
        .addObject()
        .put("name", "kube-api-access")
        .putObject("projected")
        .put("defaultMode", 420)
        .putArray("sources")
        .addObject()
        .putObject("serviceAccountToken")
        .put("expirationSeconds", 3607)
        .put("path", "token");
    p.putObject("status").put("phase", "Pending").put("qosClass", "Burstable");
    return p;
  }
}
