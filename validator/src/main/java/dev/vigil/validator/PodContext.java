package dev.vigil.validator;

import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.PodEvent;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the evaluation needs to know about a pod: where it runs (cluster, namespace, service
 * account, for rule selection), its images, and its labels and annotations.
 */
public record PodContext(
    String clusterId,
    String namespace,
    String name,
    String serviceAccount,
    List<ContainerImage> images,
    Map<String, String> labels,
    Map<String, String> annotations) {

  public PodContext {
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    serviceAccount =
        serviceAccount == null || serviceAccount.isEmpty() ? "default" : serviceAccount;
    images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
    labels = Map.copyOf(Objects.requireNonNullElse(labels, Map.of()));
    annotations = Map.copyOf(Objects.requireNonNullElse(annotations, Map.of()));
  }

  /** The pod a watcher reported. */
  public static PodContext of(PodEvent e) {
    return new PodContext(
        e.clusterId(),
        e.namespace(),
        e.name(),
        e.serviceAccount(),
        e.images(),
        e.labels(),
        e.annotations());
  }
}
