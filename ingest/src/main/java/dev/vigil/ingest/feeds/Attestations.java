package dev.vigil.ingest.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Topics;
import dev.vigil.validator.GrafeasOccurrences;
import dev.vigil.validator.InvalidPolicyException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The attestation feeds' records: Grafeas ATTESTATION occurrences, as {@code gcloud container
 * binauthz attestations list --format=json} writes them (an array), one occurrence, or a REST list
 * ({@code {"occurrences": [...]}}), become {@link Attestation}s keyed {@code
 * imageDigest/occurrence} ({@link Attestation#key()}). Each occurrence is read by the validator's
 * {@link GrafeasOccurrences}, the reader {@code vigil evaluate} uses, so both accept the same v1
 * and v1beta1 shapes and read them into the same records. Occurrences of another kind are left out.
 */
public final class Attestations {

  private Attestations() {}

  /** Parses a document. @throws IllegalArgumentException naming the occurrence and the reason */
  public static List<Outgoing<?>> parse(byte[] content, Clock clock) {
    List<JsonNode> items =
        JsonFileFeed.items(
            content,
            "occurrences",
            "expected an occurrence, an array of them, or {\"occurrences\": [...]}");
    List<Outgoing<?>> out = new ArrayList<>();
    for (JsonNode o : items) {
      if (!"ATTESTATION".equals(o.path("kind").asText("ATTESTATION"))) {
        continue;
      }
      Attestation a = attestation(o);
      out.add(
          new Outgoing<>(
              Topics.ATTESTATIONS,
              a.key(),
              a,
              a.occurrence(),
              a.createTime() != null ? a.createTime() : clock.instant()));
    }
    return out;
  }

  /**
   * One occurrence, read by {@link GrafeasOccurrences#occurrence}.
   *
   * @throws IllegalArgumentException "{@code <occurrence name>: <path>: <problem>; ...}" when it
   *     cannot be read
   */
  public static Attestation attestation(JsonNode o) {
    GrafeasOccurrences.Occurrences read = GrafeasOccurrences.occurrence(o);
    if (!read.skipped().isEmpty()) {
      String name =
          o.path("name").isTextual() ? o.get("name").textValue() : "occurrence without name";
      throw new IllegalArgumentException(
          name
              + ": "
              + read.skipped().stream()
                  .map(InvalidPolicyException.Problem::toString)
                  .collect(Collectors.joining("; ")));
    }
    return read.attestations().get(0);
  }
}
