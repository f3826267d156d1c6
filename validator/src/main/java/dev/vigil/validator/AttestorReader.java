package dev.vigil.validator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.PolicyDocument;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.openpgp.PGPPublicKeyRing;

/**
 * Reads attestors as {@code gcloud container binauthz attestors describe --format=yaml} writes
 * them: one attestor, or a list of them, per document.
 */
public final class AttestorReader {

  private static final Set<String> TOP =
      Set.of(
          "name",
          "description",
          "etag",
          "updateTime",
          "userOwnedGrafeasNote",
          "userOwnedDrydockNote");
  private static final Set<String> NOTE =
      Set.of("noteReference", "publicKeys", "delegationServiceAccountEmail");
  private static final Set<String> KEY =
      Set.of("id", "comment", "pkixPublicKey", "asciiArmoredPgpPublicKey");
  private static final Set<String> PKIX = Set.of("publicKeyPem", "signatureAlgorithm", "keyId");
  private static final Pattern NAME = Pattern.compile("projects/[^/\\s]+/attestors/[^/\\s]+");
  private static final Pattern NOTE_NAME = Pattern.compile("projects/[^/\\s]+/notes/[^/\\s]+");

  private AttestorReader() {}

  /** Reads every attestor in {@code doc}; throws with every problem found. */
  public static List<Attestor> read(PolicyDocument doc) throws InvalidPolicyException {
    ProblemCollector c = new ProblemCollector();
    return c.orThrow(doc.key(), read(doc.content(), doc.format(), c));
  }

  static List<Attestor> read(String content, PolicyDocument.Format format, ProblemCollector c) {
    List<Attestor> out = new ArrayList<>();
    List<JsonNode> docs = c.roots(content, format);
    int n = 0;
    for (JsonNode root : docs) {
      if (root.isArray()) {
        for (int i = 0; i < root.size(); i++) {
          attestor(root.get(i), "[" + n++ + "]", c).ifPresent(out::add);
        }
      } else {
        attestor(root, docs.size() == 1 ? "" : "[" + n++ + "]", c).ifPresent(out::add);
      }
    }
    Set<String> names = new HashSet<>();
    for (Attestor a : out) {
      if (!names.add(a.name())) {
        c.problem("name", "attestor " + a.name() + " appears twice");
      }
    }
    return out;
  }

  private static Optional<Attestor> attestor(JsonNode node, String path, ProblemCollector c) {
    int before = c.problems.size();
    if (!c.object(node, path, TOP)) {
      return Optional.empty();
    }
    String name = c.text(node, "name", path, true);
    if (name != null && !NAME.matcher(name).matches()) {
      c.problem(ProblemCollector.join(path, "name"), "must be projects/PROJECT/attestors/NAME");
    }
    String notePath =
        ProblemCollector.join(
            path,
            node.has("userOwnedDrydockNote") ? "userOwnedDrydockNote" : "userOwnedGrafeasNote");
    JsonNode note =
        node.has("userOwnedDrydockNote")
            ? node.get("userOwnedDrydockNote")
            : node.get("userOwnedGrafeasNote");
    List<VerificationKey> keys = new ArrayList<>();
    String noteReference = null;
    if (note == null) {
      c.problem(notePath, "is required");
    } else if (c.object(note, notePath, NOTE)) {
      noteReference = c.text(note, "noteReference", notePath, true);
      if (noteReference != null && !NOTE_NAME.matcher(noteReference).matches()) {
        c.problem(
            ProblemCollector.join(notePath, "noteReference"),
            "must be projects/PROJECT/notes/NAME");
      }
      JsonNode list = c.array(note, "publicKeys", notePath, false);
      String keysPath = ProblemCollector.join(notePath, "publicKeys");
      if (list == null || list.isEmpty()) {
        c.warning(keysPath, "attestor has no keys: no attestation can satisfy it");
      } else {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
          key(list.get(i), ProblemCollector.index(keysPath, i), c)
              .ifPresent(
                  k -> {
                    if (!ids.add(k.id().toUpperCase(java.util.Locale.ROOT))) {
                      c.problem(keysPath, "key id " + k.id() + " appears twice");
                    }
                    keys.add(k);
                  });
        }
      }
    }
    if (c.problems.size() > before) {
      return Optional.empty();
    }
    return Optional.of(new Attestor(name, noteReference, keys));
  }

  private static Optional<VerificationKey> key(JsonNode node, String path, ProblemCollector c) {
    if (!c.object(node, path, KEY)) {
      return Optional.empty();
    }
    String id = c.text(node, "id", path, false);
    JsonNode pkix = node.get("pkixPublicKey");
    String armored = c.text(node, "asciiArmoredPgpPublicKey", path, false);
    if ((pkix == null) == (armored == null)) {
      c.problem(path, "needs exactly one of pkixPublicKey and asciiArmoredPgpPublicKey");
      return Optional.empty();
    }
    if (armored != null) {
      return pgpKey(id, armored, path, c);
    }
    String pkixPath = ProblemCollector.join(path, "pkixPublicKey");
    if (!c.object(pkix, pkixPath, PKIX)) {
      return Optional.empty();
    }
    // PkixPublicKey.keyId inside an AttestorPublicKey "can either match that value exactly, or be
    // left
    // blank, in which case it behaves exactly as though it is equal to that wrapper value".
    String keyId = c.text(pkix, "keyId", pkixPath, false);
    boolean idBlank = id == null || id.isEmpty();
    boolean keyIdBlank = keyId == null || keyId.isEmpty();
    if (!idBlank && !keyIdBlank && !id.equals(keyId)) {
      c.problem(
          ProblemCollector.join(pkixPath, "keyId"),
          "is "
              + keyId
              + " but the key's id is "
              + id
              + "; it must match the id exactly or be left blank");
      return Optional.empty();
    }
    Optional<VerificationKey> key =
        pkixKey(
            idBlank ? (keyIdBlank ? "" : keyId) : id,
            c.text(pkix, "publicKeyPem", pkixPath, true),
            c.text(pkix, "signatureAlgorithm", pkixPath, true),
            pkixPath,
            c);
    if (idBlank && keyIdBlank && key.isPresent()) {
      // "If id is left blank, a default one will be computed based on the digest of the DER
      // encoding of
      // the public key" (AttestorPublicKey); see PublicKeys.defaultKeyId for the form.
      VerificationKey.Pkix k = (VerificationKey.Pkix) key.get();
      return Optional.of(
          new VerificationKey.Pkix(
              PublicKeys.defaultKeyId(k.key()),
              k.key(),
              k.algorithm(),
              k.jcaName(),
              k.parameters(),
              k.fingerprint()));
    }
    return key;
  }

  /** A PKIX key with a declared algorithm; problems at {@code path}. */
  static Optional<VerificationKey> pkixKey(
      String id, String pem, String algorithmName, String path, ProblemCollector c) {
    if (pem == null || algorithmName == null) {
      return Optional.empty();
    }
    Optional<SignatureAlgorithm> algorithm = SignatureAlgorithm.named(algorithmName);
    if (algorithm.isEmpty()) {
      c.problem(
          ProblemCollector.join(path, "signatureAlgorithm"),
          "unknown algorithm \""
              + algorithmName
              + "\"; use one of "
              + SignatureAlgorithm.accepted());
    }
    PublicKey key;
    try {
      key = PublicKeys.parsePem(pem);
    } catch (PublicKeys.BadKeyException e) {
      c.problem(ProblemCollector.join(path, "publicKeyPem"), e.getMessage());
      return Optional.empty();
    }
    if (algorithm.isEmpty()) {
      return Optional.empty();
    }
    String mismatch = PublicKeys.mismatch(key, algorithm.get());
    if (mismatch != null) {
      c.problem(
          ProblemCollector.join(path, "signatureAlgorithm"), "does not fit the key: " + mismatch);
      return Optional.empty();
    }
    SignatureAlgorithm a = algorithm.get();
    return Optional.of(
        new VerificationKey.Pkix(
            id,
            key,
            a,
            a.jcaName(),
            a.parameters(),
            PublicKeys.fingerprint(key.getEncoded()) + "/" + a.name()));
  }

  /** A bare PKIX key as cosign uses it (ECDSA or RSA with SHA-256). */
  static Optional<VerificationKey> cosignKey(
      String id, String pem, String path, ProblemCollector c) {
    if (pem == null) {
      return Optional.empty();
    }
    try {
      PublicKey key = PublicKeys.parsePem(pem);
      String jca = PublicKeys.cosignJcaName(key);
      return Optional.of(
          new VerificationKey.Pkix(
              id == null ? "" : id,
              key,
              null,
              jca,
              null,
              PublicKeys.fingerprint(key.getEncoded()) + "/" + jca));
    } catch (PublicKeys.BadKeyException e) {
      c.problem(ProblemCollector.join(path, "publicKeyPem"), e.getMessage());
      return Optional.empty();
    }
  }

  private static Optional<VerificationKey> pgpKey(
      String id, String armored, String path, ProblemCollector c) {
    PGPPublicKeyRing ring;
    try {
      ring = Pgp.parseKey(armored);
    } catch (PublicKeys.BadKeyException e) {
      c.problem(ProblemCollector.join(path, "asciiArmoredPgpPublicKey"), e.getMessage());
      return Optional.empty();
    }
    String fingerprint = Pgp.fingerprint(ring);
    if (id != null && !id.isEmpty() && !Attestor.normalisePgpId(id).equals(fingerprint)) {
      c.problem(
          ProblemCollector.join(path, "id"),
          "is " + id + " but the PGP key's fingerprint is " + fingerprint);
      return Optional.empty();
    }
    try {
      return Optional.of(
          new VerificationKey.Pgp(fingerprint, ring, PublicKeys.fingerprint(ring.getEncoded())));
    } catch (java.io.IOException e) {
      c.problem(ProblemCollector.join(path, "asciiArmoredPgpPublicKey"), "cannot encode the key");
      return Optional.empty();
    }
  }
}
