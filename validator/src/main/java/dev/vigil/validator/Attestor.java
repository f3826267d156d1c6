package dev.vigil.validator;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A Binary Authorization attestor: its name, the Grafeas note its attestations are attached to, and
 * the keys that may sign them.
 *
 * @param noteReference {@code projects/P/notes/N}; attestations on other notes do not count
 */
public record Attestor(String name, String noteReference, List<VerificationKey> keys) {

  public Attestor {
    Objects.requireNonNull(name, "name");
    keys = List.copyOf(keys);
  }

  /** The key attestations cite as {@code publicKeyId}; PGP fingerprints compare without case. */
  public VerificationKey key(String publicKeyId) {
    for (VerificationKey k : keys) {
      if (k.id().equals(publicKeyId)
          || (k instanceof VerificationKey.Pgp && k.id().equalsIgnoreCase(publicKeyId))) {
        return k;
      }
    }
    return null;
  }

  /** Index by name, for policy sets. */
  static Map<String, Attestor> byName(List<Attestor> attestors) {
    Map<String, Attestor> m = new HashMap<>();
    for (Attestor a : attestors) {
      m.put(a.name(), a);
    }
    return m;
  }

  /** A PGP key id (16 hex) or fingerprint (40 hex) as upper case without spaces. */
  static String normalisePgpId(String id) {
    return id == null ? null : id.replace(" ", "").toUpperCase(Locale.ROOT);
  }
}
