package dev.vigil.streams;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ImageMetadata;
import dev.vigil.schemas.Json;
import dev.vigil.validator.Facts;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * {@link Facts} read from the global attestation and image-metadata stores, through the instance's
 * {@link FactsCache}: parsed once per digest, not once per evaluation.
 */
final class StoreFacts implements PodLifecycle.KnownFacts {

  private static final String SHA256 = "sha256:";

  private final KeyValueStore<String, byte[]> attestations;
  private final KeyValueStore<String, byte[]> metadata;
  private final FactsCache cache;

  /** Facts from the global stores, which hold each fact as its record's bytes. */
  StoreFacts(
      KeyValueStore<String, byte[]> attestations,
      KeyValueStore<String, byte[]> metadata,
      FactsCache cache) {
    this.attestations = attestations;
    this.metadata = metadata;
    this.cache = cache;
  }

  @Override
  public List<Attestation> attestations(String digest) {
    return entry(digest).attestations();
  }

  @Override
  public Optional<ImageMetadata> metadata(String digest) {
    return Optional.ofNullable(entry(digest).metadata());
  }

  @Override
  public String fingerprint(Collection<String> digests) {
    MessageDigest sha = sha256();
    for (String d : new TreeSet<>(digests)) {
      sha.update(d.getBytes(StandardCharsets.UTF_8));
      sha.update(entry(d).fingerprint().getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(sha.digest(), 0, 12);
  }

  private FactsCache.Entry entry(String digest) {
    return cache.get(digest, this::load);
  }

  private FactsCache.Entry load(String digest) {
    MessageDigest sha = sha256();
    List<Attestation> found = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it =
        attestations.prefixScan(digest + "/", new StringSerializer())) {
      while (it.hasNext()) {
        byte[] a = it.next().value;
        if (a != null) {
          found.add(Json.read(a, Attestation.class));
          sha.update(a);
        }
      }
    }
    byte[] raw = metadata.get(digest);
    ImageMetadata m = null;
    if (raw != null) {
      m = Json.read(raw, ImageMetadata.class);
      sha.update(raw);
    }
    return new FactsCache.Entry(found, m, HexFormat.of().formatHex(sha.digest(), 0, 12));
  }

  private static final MessageDigest SHA256_PROTOTYPE = newSha256();

  /** A fresh SHA-256 digest, cloned (a provider lookup per evaluation showed in the profile). */
  static MessageDigest sha256() {
    try {
      return (MessageDigest) SHA256_PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return newSha256();
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  /** True when some image among {@code digests} has an upload time (freshness may apply). */
  boolean hasUploadTime(Collection<String> digests) {
    for (String d : digests) {
      if (metadata(d).map(m -> m.uploadTime() != null).orElse(false)) {
        return true;
      }
    }
    return false;
  }

  /** The digest a container runs, from its image id or a digest reference, or null. */
  static String digest(dev.vigil.schemas.ContainerImage c) {
    String found = find(c.imageId());
    return found != null ? found : find(c.image());
  }

  /**
   * The first {@code sha256:<64 lowercase hex>} in {@code s}, or null (as the regex, without one).
   */
  static String find(String s) {
    if (s == null) {
      return null;
    }
    for (int at = s.indexOf(SHA256); at >= 0; at = s.indexOf(SHA256, at + 1)) {
      int end = at + SHA256.length() + 64;
      if (end <= s.length() && isLowerHex(s, at + SHA256.length(), end)) {
        return s.substring(at, end);
      }
    }
    return null;
  }

  private static boolean isLowerHex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }
}
