package dev.vigil.validator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.PolicyDocument;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * A "simple signing" payload: {@code critical.type}, {@code critical.image.docker-manifest-digest}
 * and {@code critical.identity.docker-reference}. The type is compared without regard to case.
 */
public record SimpleSigningPayload(
    String type, String dockerManifestDigest, String dockerReference) {

  /** The payload types Vigil accepts, lower-case. */
  public static final Set<String> TYPES =
      Set.of(
          "google cloud binauthz container signature",
          "atomic container signature",
          "cosign container image signature");

  /** Largest payload read. */
  public static final int MAX_BYTES = 64 * 1024;

  /** A payload that is not a usable simple signing document. */
  public static final class MalformedPayloadException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedPayloadException(String message) {
      super(message);
    }
  }

  /** Reads and checks a payload. */
  public static SimpleSigningPayload parse(byte[] payload) throws MalformedPayloadException {
    if (payload == null || payload.length == 0) {
      throw new MalformedPayloadException("empty payload");
    }
    if (payload.length > MAX_BYTES) {
      throw new MalformedPayloadException("payload larger than " + MAX_BYTES + " bytes");
    }
    JsonNode root;
    try {
      root =
          Documents.read(new String(payload, StandardCharsets.UTF_8), PolicyDocument.Format.JSON);
    } catch (Documents.UnreadableDocumentException e) {
      throw new MalformedPayloadException("payload is not JSON: " + e.getMessage());
    }
    if (!root.isObject()) {
      throw new MalformedPayloadException("payload is not a JSON object");
    }
    JsonNode critical = root.get("critical");
    if (critical == null || !critical.isObject()) {
      throw new MalformedPayloadException("payload has no critical object");
    }
    String type = text(critical, "type", "critical.type");
    if (!TYPES.contains(type.toLowerCase(Locale.ROOT))) {
      throw new MalformedPayloadException(
          "critical.type \"" + type + "\" is not a container signature type");
    }
    JsonNode image = critical.get("image");
    if (image == null || !image.isObject()) {
      throw new MalformedPayloadException("payload has no critical.image object");
    }
    String digest = text(image, "docker-manifest-digest", "critical.image.docker-manifest-digest");
    if (!ImageReference.isDigest(digest)) {
      throw new MalformedPayloadException(
          "critical.image.docker-manifest-digest is not sha256:<64 lower-case hex>: \""
              + abbreviate(digest)
              + "\"");
    }
    JsonNode identity = critical.get("identity");
    if (identity == null || !identity.isObject()) {
      throw new MalformedPayloadException("payload has no critical.identity object");
    }
    String reference = text(identity, "docker-reference", "critical.identity.docker-reference");
    try {
      ImageReference.parse(reference);
    } catch (InvalidImageReferenceException e) {
      throw new MalformedPayloadException(
          "critical.identity.docker-reference is invalid: " + e.getMessage());
    }
    return new SimpleSigningPayload(type, digest, reference);
  }

  private static String text(JsonNode node, String field, String path)
      throws MalformedPayloadException {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new MalformedPayloadException(path + " is missing or not a string");
    }
    return v.textValue();
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }
}
