package dev.vigil.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pod as a cluster watcher saw it: added, changed in a way that matters, or deleted. Topic {@code
 * vigil.pod-events}, key {@code cluster/namespace/name}. Schema v2 ({@code pod-event/v2}) adds
 * {@code imagePullSecrets}; a v1 record reads with none.
 *
 * @param images every container's image as the spec names it, with the running image id the kubelet
 *     reported ({@code status.*ContainerStatuses[].imageID}) once known
 * @param imagePullSecrets the names in {@code spec.imagePullSecrets} (names only: never a secret's
 *     contents), in spec order
 */
public record PodEvent(
    String eventId,
    String clusterId,
    Type type,
    String namespace,
    String name,
    String uid,
    String serviceAccount,
    String phase,
    WorkloadRef owner,
    List<ContainerImage> images,
    List<String> imagePullSecrets,
    Map<String, String> labels,
    Map<String, String> annotations,
    String resourceVersion,
    Instant observedAt) {

  /** What happened to the pod. */
  public enum Type {
    ADDED,
    MODIFIED,
    DELETED
  }

  public PodEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(observedAt, "observedAt");
    images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
    imagePullSecrets = List.copyOf(Objects.requireNonNullElse(imagePullSecrets, List.of()));
    labels = Map.copyOf(Objects.requireNonNullElse(labels, Map.of()));
    annotations = Map.copyOf(Objects.requireNonNullElse(annotations, Map.of()));
  }

  /** A pod event without image pull secrets (the v1 shape; tests, benchmarks). */
  public PodEvent(
      String eventId,
      String clusterId,
      Type type,
      String namespace,
      String name,
      String uid,
      String serviceAccount,
      String phase,
      WorkloadRef owner,
      List<ContainerImage> images,
      Map<String, String> labels,
      Map<String, String> annotations,
      String resourceVersion,
      Instant observedAt) {
    this(
        eventId,
        clusterId,
        type,
        namespace,
        name,
        uid,
        serviceAccount,
        phase,
        owner,
        images,
        List.of(),
        labels,
        annotations,
        resourceVersion,
        observedAt);
  }

  /** The Kafka key: {@code cluster/namespace/name}. */
  public String key() {
    return Keys.pod(clusterId, namespace, name);
  }
}
