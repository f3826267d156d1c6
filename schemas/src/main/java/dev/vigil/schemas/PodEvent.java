package dev.vigil.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pod as a cluster watcher saw it: added, changed in a way that matters, or deleted. Topic
 * {@code vigil.pod-events}, key {@code cluster/namespace/name}.
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
    labels = Map.copyOf(Objects.requireNonNullElse(labels, Map.of()));
    annotations = Map.copyOf(Objects.requireNonNullElse(annotations, Map.of()));
  }

  /** The Kafka key: {@code cluster/namespace/name}. */
  public String key() {
    return Keys.pod(clusterId, namespace, name);
  }
}
