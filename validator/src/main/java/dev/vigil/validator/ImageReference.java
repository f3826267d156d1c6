package dev.vigil.validator;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A container image reference, parsed once and normalised by the distribution/reference grammar:
 * {@code [domain[:port]/]path-component(/path-component)*[:tag][@digest]}.
 *
 * <p>A first component is a registry only when it contains {@code .} or {@code :} or is {@code
 * localhost}; otherwise the image is on {@code docker.io} and a single component gets {@code
 * library/} in front. The registry host is compared without regard to case (hosts are
 * case-insensitive) and kept lower-case; path components must already be lower-case. Only {@code
 * sha256} digests are accepted.
 *
 * @param registry lower-case host with optional port, e.g. {@code docker.io}, {@code
 *     localhost:5000}
 * @param repository the path below the registry, e.g. {@code library/nginx}
 * @param tag the tag, or {@code null} when the reference has none
 * @param digest {@code sha256:<64 lower-case hex>}, or {@code null}
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

  /** Docker Hub, where references without a registry live. */
  public static final String DOCKER_HUB = "docker.io";

  /** Longest reference accepted (distribution limits the name to 255; tags and digests add). */
  public static final int MAX_LENGTH = 4096;

  private static final int MAX_NAME_LENGTH = 255;
  private static final Pattern PATH_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*");
  private static final Pattern DOMAIN_COMPONENT =
      Pattern.compile("(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])");
  private static final Pattern IPV6 = Pattern.compile("\\[[a-fA-F0-9:]+\\]");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");
  private static final Pattern ALGORITHM =
      Pattern.compile("[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*");

  public ImageReference {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(repository, "repository");
  }

  /**
   * Parses and normalises {@code reference}.
   *
   * @throws InvalidImageReferenceException naming the input and what is wrong with it
   */
  public static ImageReference parse(String reference) throws InvalidImageReferenceException {
    if (reference == null || reference.isEmpty()) {
      throw new InvalidImageReferenceException(reference, "empty");
    }
    if (reference.length() > MAX_LENGTH) {
      throw new InvalidImageReferenceException(
          reference, "longer than " + MAX_LENGTH + " characters");
    }
    String rest = reference;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = parseDigest(reference, rest.substring(at + 1));
      rest = rest.substring(0, at);
    }
    String tag = null;
    int lastSlash = rest.lastIndexOf('/');
    int colon = rest.indexOf(':', lastSlash + 1);
    if (colon >= 0) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new InvalidImageReferenceException(reference, "invalid tag \"" + tag + "\"");
      }
    }
    if (rest.isEmpty()) {
      throw new InvalidImageReferenceException(reference, "no repository name");
    }
    if (rest.length() > MAX_NAME_LENGTH) {
      throw new InvalidImageReferenceException(
          reference, "repository name longer than " + MAX_NAME_LENGTH);
    }
    String registry;
    String path;
    int slash = rest.indexOf('/');
    String first = slash < 0 ? rest : rest.substring(0, slash);
    if (slash >= 0
        && (first.indexOf('.') >= 0 || first.indexOf(':') >= 0 || first.equals("localhost"))) {
      registry = parseDomain(reference, first);
      path = rest.substring(slash + 1);
    } else {
      if (slash < 0 && !first.equals(first.toLowerCase(java.util.Locale.ROOT))) {
        throw new InvalidImageReferenceException(reference, "repository name must be lower-case");
      }
      registry = DOCKER_HUB;
      path = rest;
    }
    if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
      registry = DOCKER_HUB;
    }
    if (path.isEmpty()) {
      throw new InvalidImageReferenceException(reference, "no repository path after the registry");
    }
    int start = 0;
    int components = 0;
    while (true) {
      int end = path.indexOf('/', start);
      String component = end < 0 ? path.substring(start) : path.substring(start, end);
      if (component.isEmpty()) {
        throw new InvalidImageReferenceException(reference, "empty path component");
      }
      if (!PATH_COMPONENT.matcher(component).matches()) {
        throw new InvalidImageReferenceException(
            reference,
            "invalid path component \""
                + component
                + "\" (lower-case letters, digits and separators . _ __ - only)");
      }
      components++;
      if (end < 0) {
        break;
      }
      start = end + 1;
    }
    if (registry.equals(DOCKER_HUB) && components == 1) {
      path = "library/" + path;
    }
    return new ImageReference(registry, path, tag, digest);
  }

  private static String parseDomain(String reference, String domain)
      throws InvalidImageReferenceException {
    String host = domain;
    String port = null;
    if (domain.startsWith("[")) {
      int close = domain.indexOf(']');
      if (close < 0) {
        throw new InvalidImageReferenceException(reference, "unterminated IPv6 address");
      }
      host = domain.substring(0, close + 1);
      if (!IPV6.matcher(host).matches()) {
        throw new InvalidImageReferenceException(
            reference, "invalid IPv6 address \"" + host + "\"");
      }
      String after = domain.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw new InvalidImageReferenceException(
              reference, "invalid registry \"" + domain + "\"");
        }
        port = after.substring(1);
      }
    } else {
      int colon = domain.indexOf(':');
      if (colon >= 0) {
        host = domain.substring(0, colon);
        port = domain.substring(colon + 1);
      }
      if (host.isEmpty()) {
        throw new InvalidImageReferenceException(reference, "empty registry host");
      }
      int start = 0;
      while (true) {
        int end = host.indexOf('.', start);
        String label = end < 0 ? host.substring(start) : host.substring(start, end);
        if (!DOMAIN_COMPONENT.matcher(label).matches()) {
          throw new InvalidImageReferenceException(
              reference, "invalid registry host \"" + host + "\"");
        }
        if (end < 0) {
          break;
        }
        start = end + 1;
      }
    }
    if (port != null && !PORT.matcher(port).matches()) {
      throw new InvalidImageReferenceException(reference, "invalid registry port \"" + port + "\"");
    }
    String lower = host.toLowerCase(java.util.Locale.ROOT);
    return port == null ? lower : lower + ":" + port;
  }

  private static String parseDigest(String reference, String digest)
      throws InvalidImageReferenceException {
    int colon = digest.indexOf(':');
    if (colon <= 0) {
      throw new InvalidImageReferenceException(reference, "digest must be algorithm:hex");
    }
    String algorithm = digest.substring(0, colon);
    String hex = digest.substring(colon + 1);
    if (!ALGORITHM.matcher(algorithm).matches()) {
      throw new InvalidImageReferenceException(
          reference, "invalid digest algorithm \"" + algorithm + "\"");
    }
    if (!algorithm.equals("sha256")) {
      throw new InvalidImageReferenceException(
          reference,
          "unsupported digest algorithm \"" + algorithm + "\" (only sha256 is accepted)");
    }
    if (!SHA256_HEX.matcher(hex).matches()) {
      throw new InvalidImageReferenceException(
          reference, "sha256 digest must be 64 lower-case hex characters");
    }
    return digest;
  }

  /** True when {@code s} is {@code sha256:} followed by 64 lower-case hex characters. */
  public static boolean isDigest(String s) {
    return s != null
        && s.length() == 71
        && s.startsWith("sha256:")
        && SHA256_HEX.matcher(s.substring(7)).matches();
  }

  /**
   * The manifest digest in a container status {@code imageID}: {@code
   * docker-pullable://repo@sha256:...} or {@code repo@sha256:...}. Returns {@code null} for a bare
   * {@code sha256:...} or {@code docker://sha256:...}, which is the local image (config) id, not a
   * manifest digest, and for anything unreadable.
   */
  public static String digestFromImageId(String imageId) {
    if (imageId == null) {
      return null;
    }
    int at = imageId.lastIndexOf('@');
    if (at < 0) {
      return null;
    }
    String d = imageId.substring(at + 1);
    return isDigest(d) ? d : null;
  }

  /** {@code registry/repository}, without tag or digest. */
  public String name() {
    return registry + "/" + repository;
  }

  /** True when the reference names a digest. */
  public boolean isPinned() {
    return digest != null;
  }

  /** The normalised reference: {@code registry/repository[:tag][@digest]}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(registry.length() + repository.length() + 90);
    b.append(registry).append('/').append(repository);
    if (tag != null) {
      b.append(':').append(tag);
    }
    if (digest != null) {
      b.append('@').append(digest);
    }
    return b.toString();
  }
}
