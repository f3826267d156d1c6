package dev.vigil.ingest.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * Pods as people write them in manifests: a Pod, or the pod template of a Deployment, ReplicaSet,
 * StatefulSet, DaemonSet, Job, ReplicationController or CronJob. {@link #pod} turns the manifest
 * into the Pod object the cluster would hold, so that {@code vigil evaluate} reads it through
 * {@link PodTranslator}, the same translation the watchers and the audit receiver use: the same
 * images in the same order, the same service account, labels and annotations.
 *
 * <p>Only the shape of the manifest is checked here (a kind Vigil knows, a name, a pod spec with
 * containers); what is inside the containers is judged, not rejected: a container without an image
 * makes the pod {@code UNKNOWN}, as it does in production.
 */
public final class PodManifests {

  /** The namespace of a manifest that names none, as {@code kubectl apply} would use. */
  public static final String DEFAULT_NAMESPACE = "default";

  /** Where each workload kind keeps its pod template. */
  private static final Map<String, List<String>> TEMPLATES =
      Map.of(
          "Deployment", List.of("spec", "template"),
          "ReplicaSet", List.of("spec", "template"),
          "StatefulSet", List.of("spec", "template"),
          "DaemonSet", List.of("spec", "template"),
          "Job", List.of("spec", "template"),
          "ReplicationController", List.of("spec", "template"),
          "CronJob", List.of("spec", "jobTemplate", "spec", "template"));

  private static final List<String> CONTAINER_LISTS =
      List.of("containers", "initContainers", "ephemeralContainers");

  /** A manifest that does not describe a pod; {@link #field()} says where, relative to it. */
  public static final class ManifestException extends TranslationException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final String problem;

    ManifestException(String field, String problem) {
      super(field + ": " + problem);
      this.field = field;
      this.problem = problem;
    }

    /** The field at fault, such as {@code spec.template.spec}. */
    public String field() {
      return field;
    }

    /** What is wrong with the field. */
    public String problem() {
      return problem;
    }
  }

  private PodManifests() {}

  /** Whether {@code kind} is one that {@link #pod} reads: {@code Pod} or a workload kind. */
  public static boolean isPodOrWorkload(String kind) {
    return "Pod".equals(kind) || TEMPLATES.containsKey(kind);
  }

  /**
   * The Pod object a manifest describes. A workload's pod gets the workload's name and namespace
   * and its template's labels and annotations; a Pod keeps its status (the running image ids). A
   * manifest without a namespace gets {@link #DEFAULT_NAMESPACE}; one without a name, its {@code
   * generateName}.
   *
   * @throws ManifestException when the manifest is not a pod or workload, or has no name, no pod
   *     spec or no containers
   */
  public static ObjectNode pod(JsonNode manifest) {
    if (manifest == null || !manifest.isObject()) {
      throw new ManifestException("kind", "not a Kubernetes object");
    }
    String kind = orEmpty(PodJson.text(manifest, "kind"));
    if (kind.isEmpty()) {
      throw new ManifestException("kind", "is required");
    }
    if (!isPodOrWorkload(kind)) {
      throw new ManifestException(
          "kind",
          "unsupported kind "
              + kind
              + " (use Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob or List)");
    }
    List<String> path = kind.equals("Pod") ? List.of() : TEMPLATES.get(kind);
    JsonNode template = manifest;
    for (String step : path) {
      template = template.path(step);
    }
    String specPath = path.isEmpty() ? "spec" : String.join(".", path) + ".spec";
    JsonNode spec = template.get("spec");
    if (spec == null || !spec.isObject()) {
      throw new ManifestException(specPath, "is required");
    }
    checkContainers(spec, specPath);

    JsonNode metadata = manifest.path("metadata");
    String name = PodJson.nonEmpty(PodJson.text(metadata, "name"));
    if (name == null) {
      name = PodJson.nonEmpty(PodJson.text(metadata, "generateName"));
      if (name == null) {
        throw new ManifestException("metadata.name", "is required");
      }
    }
    String namespace = PodJson.nonEmpty(PodJson.text(metadata, "namespace"));
    JsonNode templateMeta = template.path("metadata");
    ObjectNode podMeta =
        templateMeta.isObject()
            ? ((ObjectNode) templateMeta).deepCopy()
            : JsonNodeFactory.instance.objectNode();
    podMeta.put("name", name);
    podMeta.put("namespace", namespace == null ? DEFAULT_NAMESPACE : namespace);

    ObjectNode pod = JsonNodeFactory.instance.objectNode();
    pod.put("apiVersion", "v1");
    pod.put("kind", "Pod");
    pod.set("metadata", podMeta);
    pod.set("spec", spec.deepCopy());
    JsonNode status = manifest.get("status");
    if (path.isEmpty() && status != null && status.isObject()) {
      pod.set("status", status.deepCopy());
    }
    return pod;
  }

  private static void checkContainers(JsonNode spec, String specPath) {
    int count = 0;
    for (String field : CONTAINER_LISTS) {
      JsonNode list = spec.get(field);
      if (list == null || list.isNull()) {
        continue;
      }
      if (!list.isArray()) {
        throw new ManifestException(specPath + "." + field, "must be a list");
      }
      for (int i = 0; i < list.size(); i++) {
        if (!list.get(i).isObject()) {
          throw new ManifestException(
              specPath + "." + field + "[" + i + "]", "must be a container object");
        }
      }
      count += list.size();
    }
    if (count == 0) {
      throw new ManifestException(specPath + ".containers", "the pod has no containers");
    }
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
