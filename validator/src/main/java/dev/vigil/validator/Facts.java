package dev.vigil.validator;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ImageMetadata;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Facts about image digests that the caller supplies: attestations and registry/scanner metadata.
 * Lookups must be cheap and side-effect free (a map or a state store read).
 */
public interface Facts {

  /** Every known, unrevoked attestation for {@code digest} ({@code sha256:<hex>}). */
  List<Attestation> attestations(String digest);

  /** Registry and scanner facts about {@code digest}, if any. */
  Optional<ImageMetadata> metadata(String digest);

  /** No facts at all. */
  Facts NONE = of(Map.of(), Map.of());

  /** Facts held in maps keyed by digest. */
  static Facts of(
      Map<String, List<Attestation>> attestations, Map<String, ImageMetadata> metadata) {
    return new Facts() {
      @Override
      public List<Attestation> attestations(String digest) {
        return attestations.getOrDefault(digest, List.of());
      }

      @Override
      public Optional<ImageMetadata> metadata(String digest) {
        return Optional.ofNullable(metadata.get(digest));
      }
    };
  }
}
