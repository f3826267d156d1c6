package dev.vigil.streams;

import dev.vigil.schemas.Severity;
import dev.vigil.schemas.ViolationTransition.ImageFinding;

/**
 * The registry-hygiene rules: each has a stable id (the {@code rules} entry and {@code
 * images[].rule} of its findings on {@code vigil.violations}) and a fixed severity. None of them
 * changes a policy decision.
 */
enum HygieneRule {
  /**
   * A container's spec names its image by tag, not by digest (attestations are looked up by
   * digest).
   */
  IMAGE_BY_TAG("hygiene/image-by-tag", Severity.LOW),
  /** Pods of one workload run different digests under the same tag reference: the tag moved. */
  TAG_MOVED("hygiene/tag-moved", Severity.MEDIUM),
  /**
   * A pod with {@code imagePullSecrets} pulls from Artifact Registry or Container Registry, which
   * GKE reaches with the node's service account or Workload Identity: the secret is a long-lived
   * static credential that should not exist.
   */
  PULL_SECRET_FOR_ARTIFACT_REGISTRY("hygiene/pull-secret-for-artifact-registry", Severity.MEDIUM);

  private final String id;
  private final Severity severity;

  HygieneRule(String id, Severity severity) {
    this.id = id;
    this.severity = severity;
  }

  /** The rule id, e.g. {@code hygiene/image-by-tag}. */
  String id() {
    return id;
  }

  Severity severity() {
    return severity;
  }

  /**
   * The finding's violation id: one per rule and pod, {@code <rule id>/<cluster/namespace/name>}.
   */
  String violationId(String podKey) {
    return id + "/" + podKey;
  }

  /**
   * What makes a finding of this rule the same finding: the container and the image it names, and
   * for a moved tag also the digest it runs (a digest learnt later for an image named by tag is not
   * a change).
   */
  String identity(ImageFinding f) {
    return f.container() + " " + f.image() + (this == TAG_MOVED ? " " + f.digest() : "");
  }
}
