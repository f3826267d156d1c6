package dev.vigil.streams;

import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.ViolationTransition.ImageFinding;
import dev.vigil.validator.ImageReference;
import dev.vigil.validator.InvalidImageReferenceException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The pure part of the hygiene rules: what one pod event shows. No state, no Kafka; the processors
 * decide what is new.
 */
final class HygieneChecks {

  private HygieneChecks() {}

  /**
   * A container running an image its spec names by tag, with the digest it runs.
   *
   * @param image the image as the spec names it
   * @param reference the normalised tag reference ({@code registry/repository:tag}, {@code latest}
   *     when the spec names no tag): what two pods must share for the tag to have moved
   */
  record RunningTag(String container, String image, String reference, String digest) {}

  /** {@code hygiene/image-by-tag}: every container whose spec names its image without a digest. */
  static List<ImageFinding> imageByTag(PodEvent pod) {
    List<ImageFinding> out = new ArrayList<>();
    for (ContainerImage c : pod.images()) {
      if (c.image().isEmpty() || pinned(c.image())) {
        continue;
      }
      String digest = ImageReference.digestFromImageId(c.imageId());
      out.add(
          finding(
              HygieneRule.IMAGE_BY_TAG,
              c,
              digest,
              c.container()
                  + " names "
                  + c.image()
                  + " by tag, not by digest: attestations are looked up by digest"
                  + (digest == null ? "" : " (it runs " + digest + ")")));
    }
    return out;
  }

  /**
   * {@code hygiene/pull-secret-for-artifact-registry}: when the pod has image pull secrets, every
   * container whose image comes from a registry host matching {@code registries}.
   */
  static List<ImageFinding> pullSecretForArtifactRegistry(PodEvent pod, List<Pattern> registries) {
    if (pod.imagePullSecrets().isEmpty()) {
      return List.of();
    }
    List<ImageFinding> out = new ArrayList<>();
    for (ContainerImage c : pod.images()) {
      ImageReference ref = parse(c.image());
      if (ref != null && HygieneSettings.matches(registries, ref.registry())) {
        out.add(
            finding(
                HygieneRule.PULL_SECRET_FOR_ARTIFACT_REGISTRY,
                c,
                digest(ref, c),
                c.container()
                    + " pulls "
                    + c.image()
                    + " from "
                    + ref.registry()
                    + " with imagePullSecrets "
                    + pod.imagePullSecrets()
                    + ": GKE pulls from Artifact Registry with the node's service account "
                    + "or Workload Identity, so a pull secret is a long-lived credential that should not exist"));
      }
    }
    return out;
  }

  /**
   * The containers that run an image named by tag whose running digest is known, each tag once per
   * container.
   */
  static List<RunningTag> runningTags(PodEvent pod) {
    Set<RunningTag> out = new LinkedHashSet<>();
    for (ContainerImage c : pod.images()) {
      ImageReference ref = parse(c.image());
      String digest = ImageReference.digestFromImageId(c.imageId());
      if (ref != null && ref.digest() == null && digest != null) {
        out.add(
            new RunningTag(
                c.container(),
                c.image(),
                ref.name() + ":" + (ref.tag() == null ? "latest" : ref.tag()),
                digest));
      }
    }
    return List.copyOf(out);
  }

  /** A {@code hygiene/tag-moved} finding for one container. */
  static ImageFinding tagMoved(RunningTag t, Set<String> otherDigests, String workload) {
    return new ImageFinding(
        t.container(),
        t.image(),
        t.digest(),
        HygieneRule.TAG_MOVED.id(),
        null,
        List.of(),
        List.of(),
        List.of(
            t.container()
                + " runs "
                + t.reference()
                + " as "
                + t.digest()
                + " while other pods of "
                + workload
                + " run it as "
                + String.join(", ", otherDigests)));
  }

  private static ImageFinding finding(
      HygieneRule rule, ContainerImage c, String digest, String reason) {
    return new ImageFinding(
        c.container(), c.image(), digest, rule.id(), null, List.of(), List.of(), List.of(reason));
  }

  /** Pinned: the reference names a digest (an unreadable one counts when it has an {@code @}). */
  private static boolean pinned(String image) {
    ImageReference ref = parse(image);
    return ref == null ? image.contains("@") : ref.isPinned();
  }

  private static String digest(ImageReference ref, ContainerImage c) {
    return ref.digest() != null ? ref.digest() : ImageReference.digestFromImageId(c.imageId());
  }

  private static ImageReference parse(String image) {
    try {
      return ImageReference.parse(image);
    } catch (InvalidImageReferenceException e) {
      return null; // the policy side judges it UNKNOWN; hygiene has nothing to add about its
      // registry
    }
  }
}
