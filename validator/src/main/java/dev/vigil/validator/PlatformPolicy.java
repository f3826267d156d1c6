package dev.vigil.validator;

import dev.vigil.schemas.ImageMetadata;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A continuous-validation check-based platform policy ({@code gkePolicy}): an image allowlist and
 * check sets; of the check sets whose scope matches a pod, the most specific applies.
 */
public record PlatformPolicy(String name, List<NamePattern> allowlist, List<CheckSet> checkSets) {

  public PlatformPolicy {
    allowlist = List.copyOf(allowlist);
    checkSets = List.copyOf(checkSets);
  }

  /** A check set: its scope, its own allowlist, and checks that must all pass. */
  public record CheckSet(
      String displayName, Scope scope, List<NamePattern> allowlist, List<Check> checks) {
    public CheckSet {
      Objects.requireNonNull(displayName, "displayName");
      Objects.requireNonNull(scope, "scope");
      allowlist = List.copyOf(allowlist);
      checks = List.copyOf(checks);
    }
  }

  /** Which pods a check set covers: a namespace, a {@code ns:sa} service account, or all. */
  public record Scope(String namespace, String serviceAccountNamespace, String serviceAccount) {
    /** Every pod. */
    public static final Scope ALL = new Scope(null, null, null);

    public boolean matches(PodContext pod) {
      if (namespace != null) {
        return namespace.equals(pod.namespace());
      }
      if (serviceAccount != null) {
        return serviceAccountNamespace.equals(pod.namespace())
            && serviceAccount.equals(pod.serviceAccount());
      }
      return true;
    }

    /**
     * 2 for a service account, 1 for a namespace, 0 for every pod: the most specific match wins.
     */
    public int specificity() {
      return serviceAccount != null ? 2 : namespace != null ? 1 : 0;
    }

    /** The namespace the scope is limited to, or null for every pod. */
    String scopeNamespace() {
      return namespace != null ? namespace : serviceAccountNamespace;
    }

    /** As the policy writes it. */
    String describe() {
      return serviceAccount != null
          ? "kubernetesServiceAccount " + serviceAccountNamespace + ":" + serviceAccount
          : namespace != null ? "kubernetesNamespace " + namespace : "no scope";
    }
  }

  /**
   * The check set for {@code pod}: of those whose scope matches, the one with the most specific
   * scope ("only the CheckSet with the MOST SPECIFIC scope will match"), the first of equals; null
   * when none matches.
   */
  public CheckSet checkSetFor(PodContext pod) {
    CheckSet best = null;
    for (CheckSet s : checkSets) {
      if (s.scope().matches(pod)
          && (best == null || s.scope().specificity() > best.scope().specificity())) {
        best = s;
      }
    }
    return best;
  }

  /** One check; {@code name} is its display name or its kind, {@code allowlist} exempts images. */
  public sealed interface Check {
    String name();

    List<NamePattern> allowlist();
  }

  /** The image must be in one of the trusted directories. */
  public record TrustedDirectoryCheck(
      String name, List<NamePattern> allowlist, List<TrustedDirectoryPattern> trustedDirPatterns)
      implements Check {}

  /** The image must have been uploaded at most {@code maxUploadAgeDays} ago. */
  public record ImageFreshnessCheck(String name, List<NamePattern> allowlist, int maxUploadAgeDays)
      implements Check {}

  /** The image digest must have an attestation verified by one of the keys. */
  public record SimpleSigningAttestationCheck(
      String name, List<NamePattern> allowlist, List<VerificationKey> keys) implements Check {}

  /**
   * The image digest must have a cosign (keyed) signature verified by one of the keys. An
   * attestation with note {@link #UNREADABLE_NOTE} (no signature) says the image's signatures could
   * not be read; without a verified signature the check is then UNKNOWN, not DENY.
   */
  public record SigstoreSignatureCheck(
      String name, List<NamePattern> allowlist, List<VerificationKey> keys) implements Check {

    /** Note name of the fact "the registry holding this image's signatures could not be read". */
    public static final String UNREADABLE_NOTE = "cosign/unreadable";
  }

  /** Vulnerability thresholds; severities above the maximum fail, blocked CVEs always fail. */
  public record VulnerabilityCheck(
      String name,
      List<NamePattern> allowlist,
      Threshold maximumFixableSeverity,
      Threshold maximumUnfixableSeverity,
      Set<String> allowedCves,
      Set<String> blockedCves)
      implements Check {

    /** True when a vulnerability breaks the check. */
    public boolean fails(ImageMetadata.Vulnerability v) {
      if (blockedCves.contains(v.cve())) {
        return true;
      }
      if (allowedCves.contains(v.cve())) {
        return false;
      }
      return (v.fixable() ? maximumFixableSeverity : maximumUnfixableSeverity)
          .exceededBy(v.severity());
    }
  }

  /** Every image fails. */
  public record AlwaysDeny(String name, List<NamePattern> allowlist) implements Check {}

  /** A vulnerability severity threshold. */
  public enum Threshold {
    MINIMAL,
    LOW,
    MEDIUM,
    HIGH,
    CRITICAL,
    ALLOW_ALL,
    BLOCK_ALL;

    boolean exceededBy(ImageMetadata.Severity s) {
      if (this == ALLOW_ALL) {
        return false;
      }
      if (this == BLOCK_ALL) {
        return true;
      }
      return s.ordinal() > ordinal();
    }
  }
}
