package dev.vigil.ingest.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.WorkloadRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads the parts of a Kubernetes Pod object (as JSON) that Vigil cares about. */
final class PodJson {

  /** Label a Deployment's ReplicaSets and pods carry; the ReplicaSet's name ends with it. */
  static final String POD_TEMPLATE_HASH = "pod-template-hash";

  private static final java.util.regex.Pattern SAFE_ENCODED =
      java.util.regex.Pattern.compile("[bcdfghjklmnpqrstvwxz2456789]{1,10}");

  private PodJson() {}

  static boolean isPod(JsonNode node) {
    if (node == null || !node.isObject()) {
      return false;
    }
    String kind = text(node, "kind");
    return kind == null ? node.path("spec").has("containers") : kind.equals("Pod");
  }

  static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
  }

  static String nonEmpty(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  static Map<String, String> stringMap(JsonNode node) {
    if (node == null || !node.isObject()) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    node.fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                out.put(e.getKey(), e.getValue().asText());
              }
            });
    return out;
  }

  static Map<String, String> annotations(JsonNode pod) {
    return stringMap(pod.path("metadata").get("annotations"));
  }

  static Map<String, String> labels(JsonNode pod) {
    return stringMap(pod.path("metadata").get("labels"));
  }

  /** {@code spec.serviceAccountName}, or the older {@code spec.serviceAccount}. */
  static String serviceAccount(JsonNode pod) {
    if (pod == null) {
      return null;
    }
    JsonNode spec = pod.path("spec");
    String sa = nonEmpty(text(spec, "serviceAccountName"));
    return sa != null ? sa : nonEmpty(text(spec, "serviceAccount"));
  }

  /** The names in {@code spec.imagePullSecrets}, in spec order: names only, never contents. */
  static List<String> imagePullSecrets(JsonNode pod) {
    JsonNode secrets = pod.path("spec").get("imagePullSecrets");
    if (secrets == null || !secrets.isArray()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (JsonNode s : secrets) {
      String name = nonEmpty(text(s, "name"));
      if (name != null) {
        out.add(name);
      }
    }
    return out;
  }

  /**
   * Every image of the pod, in spec order: containers, init containers, ephemeral containers, each
   * with the running image id from the matching status entry when the kubelet reported one.
   */
  static List<ContainerImage> images(JsonNode pod) {
    JsonNode spec = pod.path("spec");
    JsonNode status = pod.path("status");
    List<ContainerImage> out = new ArrayList<>();
    add(
        out,
        spec.get("containers"),
        status.get("containerStatuses"),
        ContainerImage.Kind.CONTAINER);
    add(
        out,
        spec.get("initContainers"),
        status.get("initContainerStatuses"),
        ContainerImage.Kind.INIT_CONTAINER);
    add(
        out,
        spec.get("ephemeralContainers"),
        status.get("ephemeralContainerStatuses"),
        ContainerImage.Kind.EPHEMERAL_CONTAINER);
    return out;
  }

  private static void add(
      List<ContainerImage> out, JsonNode containers, JsonNode statuses, ContainerImage.Kind kind) {
    if (containers == null || !containers.isArray()) {
      return;
    }
    Map<String, String> imageIds = new HashMap<>();
    if (statuses != null && statuses.isArray()) {
      for (JsonNode s : statuses) {
        String name = text(s, "name");
        String id = nonEmpty(text(s, "imageID"));
        if (name != null && id != null) {
          imageIds.put(name, id);
        }
      }
    }
    for (JsonNode c : containers) {
      String name = Optional.ofNullable(text(c, "name")).orElse("");
      String image = Optional.ofNullable(text(c, "image")).orElse("");
      out.add(new ContainerImage(name, kind, image, imageIds.get(name)));
    }
  }

  /**
   * The workload that owns the pod: the pod's controller reference, followed up through a
   * ReplicaSet to its Deployment and through a Job to its CronJob.
   */
  static WorkloadRef owner(JsonNode pod, String namespace, String podName, OwnerLookup owners) {
    JsonNode refs = pod.path("metadata").get("ownerReferences");
    JsonNode controller = null;
    if (refs != null && refs.isArray()) {
      for (JsonNode r : refs) {
        if (r.path("controller").asBoolean(false)) {
          controller = r;
          break;
        }
      }
      if (controller == null && refs.size() > 0) {
        controller = refs.get(0);
      }
    }
    if (controller == null) {
      return new WorkloadRef(WorkloadRef.Kind.POD, namespace, podName);
    }
    String kind = Optional.ofNullable(text(controller, "kind")).orElse("");
    String name = Optional.ofNullable(text(controller, "name")).orElse("");
    switch (kind) {
      case "ReplicaSet":
        return replicaSetOwner(namespace, name, labels(pod).get(POD_TEMPLATE_HASH), owners);
      case "Job":
        return jobOwner(namespace, name, owners);
      default:
        return direct(kind, namespace, name);
    }
  }

  private static WorkloadRef replicaSetOwner(
      String namespace, String rsName, String templateHash, OwnerLookup owners) {
    Optional<OwnerLookup.Owner> parent = owners.controllerOf("ReplicaSet", namespace, rsName);
    if (parent.isPresent()) {
      OwnerLookup.Owner o = parent.get();
      return o.isNone()
          ? new WorkloadRef(WorkloadRef.Kind.REPLICA_SET, namespace, rsName)
          : direct(o.kind(), namespace, o.name());
    }
    // Unknown ReplicaSet (replay, audit events): a Deployment names its ReplicaSets
    // <deployment>-<pod-template-hash>, and its pods carry that hash as a label.
    // Before Kubernetes 1.11 the label held a decimal hash while the name carried its "safe"
    // encoding (alphabet bcdfghjklmnpqrstvwxz2456789), so accept that shape of suffix too.
    if (templateHash != null) {
      String suffix = "-" + templateHash;
      int dash = rsName.lastIndexOf('-');
      if (rsName.endsWith(suffix) && rsName.length() > suffix.length()) {
        return new WorkloadRef(
            WorkloadRef.Kind.DEPLOYMENT,
            namespace,
            rsName.substring(0, rsName.length() - suffix.length()));
      }
      if (dash > 0 && SAFE_ENCODED.matcher(rsName.substring(dash + 1)).matches()) {
        return new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, namespace, rsName.substring(0, dash));
      }
    }
    return new WorkloadRef(WorkloadRef.Kind.REPLICA_SET, namespace, rsName);
  }

  private static WorkloadRef jobOwner(String namespace, String jobName, OwnerLookup owners) {
    Optional<OwnerLookup.Owner> parent = owners.controllerOf("Job", namespace, jobName);
    if (parent.isPresent() && !parent.get().isNone()) {
      return direct(parent.get().kind(), namespace, parent.get().name());
    }
    return new WorkloadRef(WorkloadRef.Kind.JOB, namespace, jobName);
  }

  private static WorkloadRef direct(String kind, String namespace, String name) {
    WorkloadRef.Kind k;
    switch (kind) {
      case "Deployment":
        k = WorkloadRef.Kind.DEPLOYMENT;
        break;
      case "StatefulSet":
        k = WorkloadRef.Kind.STATEFUL_SET;
        break;
      case "DaemonSet":
        k = WorkloadRef.Kind.DAEMON_SET;
        break;
      case "ReplicaSet":
        k = WorkloadRef.Kind.REPLICA_SET;
        break;
      case "Job":
        k = WorkloadRef.Kind.JOB;
        break;
      case "CronJob":
        k = WorkloadRef.Kind.CRON_JOB;
        break;
      default:
        k = WorkloadRef.Kind.OTHER;
    }
    return new WorkloadRef(k, namespace, name);
  }
}
