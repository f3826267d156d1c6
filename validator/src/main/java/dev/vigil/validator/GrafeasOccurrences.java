package dev.vigil.validator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.PolicyDocument;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads Grafeas ATTESTATION occurrences as {@code gcloud container binauthz attestations list
 * --format=json} writes them (one object or a list) into {@link Attestation} records; the image
 * digest comes from {@code resourceUri}.
 */
public final class GrafeasOccurrences {

  private static final Set<String> TOP = Set.of("name", "kind", "noteName", "resourceUri", "resource",
      "attestation", "createTime", "updateTime", "remediation", "envelope");
  private static final Set<String> ATTESTATION = Set.of("serializedPayload", "signatures", "pgpSignedAttestation",
      "genericSignedAttestation", "jwts");
  private static final Set<String> SIGNATURE = Set.of("publicKeyId", "signature");
  private static final Set<String> PGP = Set.of("signature", "contentType", "pgpKeyId");

  private GrafeasOccurrences() {}

  /** Reads every occurrence in {@code content}; throws with every problem found. */
  public static List<Attestation> read(String documentName, String content, PolicyDocument.Format format)
      throws InvalidPolicyException {
    ProblemCollector c = new ProblemCollector();
    List<Attestation> out = new ArrayList<>();
    List<JsonNode> docs;
    try {
      docs = Documents.readAll(content, format);
    } catch (Documents.UnreadableDocumentException e) {
      throw new InvalidPolicyException(documentName,
          List.of(new InvalidPolicyException.Problem("(document)", "unreadable " + format + ": " + e.getMessage())));
    }
    int n = 0;
    for (JsonNode root : docs) {
      if (root.isArray()) {
        for (JsonNode item : root) {
          read(item, "[" + n++ + "]", c, out);
        }
      } else {
        read(root, docs.size() == 1 ? "" : "[" + n++ + "]", c, out);
      }
    }
    if (!c.problems.isEmpty()) {
      throw new InvalidPolicyException(documentName, c.problems);
    }
    return out;
  }

  private static void read(JsonNode node, String path, ProblemCollector c, List<Attestation> out) {
    int before = c.problems.size();
    if (!c.object(node, path, TOP)) {
      return;
    }
    String name = c.text(node, "name", path, true);
    String kind = c.text(node, "kind", path, false);
    if (kind != null && !kind.equals("ATTESTATION")) {
      c.problem(ProblemCollector.join(path, "kind"), "must be ATTESTATION, not " + kind);
    }
    String note = c.text(node, "noteName", path, true);
    String uri = null;
    JsonNode resource = node.get("resource");
    if (node.has("resourceUri")) {
      uri = c.text(node, "resourceUri", path, true);
    } else if (resource != null && resource.isObject() && resource.get("uri") != null) {
      uri = c.text(resource, "uri", ProblemCollector.join(path, "resource"), true);
    } else {
      c.problem(ProblemCollector.join(path, "resourceUri"), "is required");
    }
    String digest = null;
    if (uri != null) {
      int at = uri.lastIndexOf('@');
      digest = at < 0 ? null : uri.substring(at + 1);
      if (!ImageReference.isDigest(digest)) {
        c.problem(ProblemCollector.join(path, "resourceUri"), "must end in @sha256:<64 lower-case hex>");
        digest = null;
      }
    }
    Instant created = null;
    String createTime = c.text(node, "createTime", path, false);
    if (createTime != null) {
      try {
        created = Instant.parse(createTime);
      } catch (DateTimeParseException e) {
        c.problem(ProblemCollector.join(path, "createTime"), "is not an RFC 3339 time");
      }
    }
    String ap = ProblemCollector.join(path, "attestation");
    JsonNode att = node.get("attestation");
    String payload = null;
    List<Attestation.Signature> sigs = new ArrayList<>();
    Attestation.PgpSignedAttestation pgp = null;
    if (att == null) {
      c.problem(ap, "is required");
    } else if (c.object(att, ap, ATTESTATION)) {
      payload = c.text(att, "serializedPayload", ap, false);
      JsonNode list = c.array(att, "signatures", ap, false);
      for (int i = 0; list != null && i < list.size(); i++) {
        String sp = ProblemCollector.index(ProblemCollector.join(ap, "signatures"), i);
        JsonNode s = list.get(i);
        if (c.object(s, sp, SIGNATURE)) {
          String id = c.text(s, "publicKeyId", sp, false);
          String sig = c.text(s, "signature", sp, true);
          if (sig != null) {
            sigs.add(new Attestation.Signature(id == null ? "" : id, sig));
          }
        }
      }
      JsonNode p = att.get("pgpSignedAttestation");
      String pp = ProblemCollector.join(ap, "pgpSignedAttestation");
      if (p != null && c.object(p, pp, PGP)) {
        String sig = c.text(p, "signature", pp, true);
        if (sig != null) {
          pgp = new Attestation.PgpSignedAttestation(sig, c.text(p, "contentType", pp, false),
              c.text(p, "pgpKeyId", pp, false));
        }
      }
      if (sigs.isEmpty() && pgp == null) {
        c.problem(ap, "has neither signatures nor pgpSignedAttestation");
      }
    }
    if (c.problems.size() == before) {
      out.add(new Attestation(name, note, uri, digest, payload, sigs, pgp, created));
    }
  }
}
