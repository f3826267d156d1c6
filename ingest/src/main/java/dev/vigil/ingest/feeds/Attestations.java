package dev.vigil.ingest.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Topics;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Grafeas ATTESTATION occurrences, as {@code gcloud container binauthz attestations list
 * --format=json} writes them (an array), one occurrence, or a REST list ({@code {"occurrences":
 * [...]}}), into {@link Attestation}s keyed {@code imageDigest/occurrence}.
 */
public final class Attestations {

  private static final Pattern DIGEST = Pattern.compile("@(sha256:[0-9a-f]{64})$");

  private Attestations() {}

  /** Parses a document. @throws IllegalArgumentException naming the occurrence and the reason */
  public static List<Outgoing<?>> parse(byte[] content, Clock clock) {
    List<JsonNode> items = JsonFileFeed.items(content, "occurrences",
        "expected an occurrence, an array of them, or {\"occurrences\": [...]}");
    List<Outgoing<?>> out = new ArrayList<>();
    for (JsonNode o : items) {
      if (!"ATTESTATION".equals(o.path("kind").asText("ATTESTATION"))) {
        continue;
      }
      Attestation a = attestation(o);
      out.add(new Outgoing<>(Topics.ATTESTATIONS, a.key(), a, a.occurrence(),
          a.createTime() != null ? a.createTime() : clock.instant()));
    }
    return out;
  }

  /** One occurrence. @throws IllegalArgumentException when a required field is missing */
  public static Attestation attestation(JsonNode o) {
    String name = o.path("name").asText(null);
    if (name == null) {
      throw new IllegalArgumentException("occurrence without name");
    }
    String note = o.path("noteName").asText(null);
    String uri = o.path("resourceUri").asText(o.path("resource").path("uri").asText(null));
    if (note == null || uri == null) {
      throw new IllegalArgumentException(name + ": noteName and resourceUri are required");
    }
    Matcher m = DIGEST.matcher(uri);
    if (!m.find()) {
      throw new IllegalArgumentException(name + ": resourceUri does not end in @sha256:<64 hex>: " + uri);
    }
    JsonNode att = o.path("attestation");
    if (att.has("attestation")) {
      att = att.get("attestation"); // Grafeas v1beta1 nests it once more
    }
    List<Attestation.Signature> sigs = new ArrayList<>();
    for (JsonNode s : att.path("signatures")) {
      String id = s.path("publicKeyId").asText(null);
      String sig = s.path("signature").asText(null);
      if (id == null || sig == null) {
        throw new IllegalArgumentException(name + ": a signature needs publicKeyId and signature");
      }
      sigs.add(new Attestation.Signature(id, sig));
    }
    Attestation.PgpSignedAttestation pgp = null;
    JsonNode p = att.get("pgpSignedAttestation");
    if (p != null && p.hasNonNull("signature")) {
      pgp = new Attestation.PgpSignedAttestation(p.get("signature").asText(), p.path("contentType").asText(null),
          p.path("pgpKeyId").asText(null));
    }
    if (sigs.isEmpty() && pgp == null) {
      throw new IllegalArgumentException(name + ": no signatures and no pgpSignedAttestation");
    }
    Instant created = null;
    if (o.hasNonNull("createTime")) {
      try {
        created = Instant.parse(o.get("createTime").asText());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(name + ": createTime is not a time");
      }
    }
    return new Attestation(name, note, uri, m.group(1), att.path("serializedPayload").asText(null), sigs, pgp, created);
  }
}
