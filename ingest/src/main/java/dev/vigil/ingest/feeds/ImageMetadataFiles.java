package dev.vigil.ingest.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.schemas.ImageMetadata;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.UnreadableMessageException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Reads image metadata files: one {@link ImageMetadata} object, or an array of them, in the
 * record's own JSON shape (documented in ingest/README.md), keyed by image digest.
 */
public final class ImageMetadataFiles {

  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  private ImageMetadataFiles() {}

  /** Parses a document. @throws IllegalArgumentException naming the entry and the reason */
  public static List<Outgoing<?>> parse(byte[] content, Clock clock) {
    List<JsonNode> items =
        JsonFileFeed.items(content, null, "expected an image metadata object or an array of them");
    List<Outgoing<?>> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      ImageMetadata m;
      try {
        m = Json.read(Json.write(items.get(i)), ImageMetadata.class);
      } catch (UnreadableMessageException e) {
        throw new IllegalArgumentException("entry " + i + ": " + e.getMessage());
      }
      if (!DIGEST.matcher(m.imageDigest()).matches()) {
        throw new IllegalArgumentException(
            "entry " + i + ": imageDigest must be sha256:<64 lower-case hex>");
      }
      String id = UUID.nameUUIDFromBytes(Json.write(m)).toString();
      out.add(
          new Outgoing<>(
              Topics.IMAGE_METADATA,
              m.imageDigest(),
              m,
              id,
              m.scannedAt() != null ? m.scannedAt() : clock.instant()));
    }
    return out;
  }
}
