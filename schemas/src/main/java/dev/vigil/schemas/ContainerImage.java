package dev.vigil.schemas;

import java.util.Objects;

/**
 * One image a pod runs: the container's name and kind, the image as the pod spec names it, and,
 * once the kubelet reports it, the running image id ({@code status.containerStatuses[].imageID}).
 */
public record ContainerImage(String container, Kind kind, String image, String imageId) {

  /** Where in the pod spec the container is declared. */
  public enum Kind {
    CONTAINER,
    INIT_CONTAINER,
    EPHEMERAL_CONTAINER
  }

  public ContainerImage {
    Objects.requireNonNull(container, "container");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(image, "image");
  }
}
