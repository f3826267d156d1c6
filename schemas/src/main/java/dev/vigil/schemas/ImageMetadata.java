package dev.vigil.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Facts about an image digest that come from a registry or a scanner. Topic {@code
 * vigil.image-metadata} (compacted), key {@code imageDigest}.
 *
 * @param uploadTime when the registry received the image, or {@code null} when unknown
 * @param vulnerabilities known vulnerabilities, empty when scanned clean
 * @param scannedAt when the vulnerabilities were last scanned, or {@code null} if never
 */
public record ImageMetadata(
    String imageDigest,
    String repository,
    Instant uploadTime,
    List<Vulnerability> vulnerabilities,
    Instant scannedAt,
    String source) {

  /** One vulnerability found in the image. */
  public record Vulnerability(String cve, Severity severity, boolean fixable, String packageName) {
    public Vulnerability {
      Objects.requireNonNull(cve, "cve");
      Objects.requireNonNull(severity, "severity");
    }
  }

  /** Severity as Grafeas and Binary Authorization's vulnerabilityCheck name it. */
  public enum Severity {
    MINIMAL,
    LOW,
    MEDIUM,
    HIGH,
    CRITICAL
  }

  public ImageMetadata {
    Objects.requireNonNull(imageDigest, "imageDigest");
    vulnerabilities = List.copyOf(Objects.requireNonNullElse(vulnerabilities, List.of()));
  }
}
