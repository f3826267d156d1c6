package dev.vigil.streams;

import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.PodEvent;
import dev.vigil.validator.PodContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Everything a pod's outcome depends on besides the policies and facts in force (ADR 0150): its
 * cluster, namespace and service account (which select the rules) and its containers' images with
 * the digests they run. Not its name, uid, labels or annotations: the evaluator reads none of them.
 * The pods of one ReplicaSet, StatefulSet or Job share one template, so one judgement serves them
 * all.
 *
 * @param serviceAccount as the pod names it ({@code default} when it names none)
 */
record PodTemplate(
    String clusterId, String namespace, String serviceAccount, List<ContainerImage> images) {

  PodTemplate {
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(namespace, "namespace");
    serviceAccount =
        serviceAccount == null || serviceAccount.isEmpty() ? "default" : serviceAccount;
    images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
  }

  /** The template of the pod a watcher reported. */
  static PodTemplate of(PodEvent e) {
    return new PodTemplate(e.clusterId(), e.namespace(), e.serviceAccount(), e.images());
  }

  /** The template's fingerprint: 128 bits of SHA-256 over its fields, 22 base64url characters. */
  String fingerprint() {
    MessageDigest sha = StoreFacts.sha256();
    field(sha, clusterId);
    field(sha, namespace);
    field(sha, serviceAccount);
    for (ContainerImage c : images) {
      field(sha, c.container());
      field(sha, c.kind().name());
      field(sha, c.image());
      field(sha, c.imageId());
    }
    byte[] h = sha.digest();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(h, 16));
  }

  /** What the evaluator is given for a pod of this template named {@code podName}. */
  PodContext context(String podName) {
    return new PodContext(
        clusterId,
        namespace,
        podName,
        serviceAccount,
        images,
        java.util.Map.of(),
        java.util.Map.of());
  }

  /**
   * The image digests ({@code sha256:<hex>}) the template runs, from image ids or digest references
   * ({@link StoreFacts#digest}), sorted.
   */
  List<String> digests() {
    java.util.TreeSet<String> out = new java.util.TreeSet<>();
    for (ContainerImage c : images) {
      String d = StoreFacts.digest(c);
      if (d != null) {
        out.add(d);
      }
    }
    return List.copyOf(out);
  }

  /** A field, length-prefixed so that no two templates hash the same bytes; null apart from "". */
  private static void field(MessageDigest sha, String s) {
    if (s == null) {
      sha.update((byte) 0);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    sha.update((byte) 1);
    sha.update(
        new byte[] {
          (byte) (b.length >>> 24),
          (byte) (b.length >>> 16),
          (byte) (b.length >>> 8),
          (byte) b.length
        });
    sha.update(b);
  }
}
