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
 * digest comes from {@code resourceUri} (v1) or {@code resource.uri} (v1beta1). Both real shapes of
 * the attestation are read: Container Analysis v1 ({@code attestation.serializedPayload} and {@code
 * attestation.signatures}) and v1beta1, where it is nested once more ({@code
 * attestation.attestation.pgpSignedAttestation} or {@code
 * attestation.attestation.genericSignedAttestation}). An occurrence that cannot be read is reported
 * and skipped; the others are kept.
 */
public final class GrafeasOccurrences {

  private static final Set<String> TOP =
      Set.of(
          "name",
          "kind",
          "noteName",
          "resourceUri",
          "resource",
          "attestation",
          "createTime",
          "updateTime",
          "remediation",
          "envelope");

  /** v1 AttestationOccurrence. */
  private static final Set<String> ATTESTATION_V1 =
      Set.of("serializedPayload", "signatures", "jwts");

  /** v1beta1 Details: {@code {"attestation": Attestation}}. */
  private static final Set<String> DETAILS_V1BETA1 = Set.of("attestation");

  /** v1beta1 Attestation: one of the two. */
  private static final Set<String> ATTESTATION_V1BETA1 =
      Set.of("pgpSignedAttestation", "genericSignedAttestation");

  private static final Set<String> GENERIC =
      Set.of("contentType", "serializedPayload", "signatures");
  private static final Set<String> SIGNATURE = Set.of("publicKeyId", "signature");
  private static final Set<String> PGP = Set.of("signature", "contentType", "pgpKeyId");

  private GrafeasOccurrences() {}

  /**
   * The occurrences read, and those skipped with the reason (path and message).
   *
   * @param skipped one problem per line of the reason an occurrence was skipped; an occurrence may
   *     have several
   */
  public record Occurrences(
      List<Attestation> attestations, List<InvalidPolicyException.Problem> skipped) {
    public Occurrences {
      attestations = List.copyOf(attestations);
      skipped = List.copyOf(skipped);
    }
  }

  /**
   * Reads every occurrence in {@code content}, skipping (and reporting) those that cannot be read.
   *
   * @throws InvalidPolicyException only when the document itself cannot be read (syntax, limits)
   */
  public static Occurrences read(String documentName, String content, PolicyDocument.Format format)
      throws InvalidPolicyException {
    ProblemCollector c = new ProblemCollector();
    List<Attestation> out = new ArrayList<>();
    List<JsonNode> docs;
    try {
      docs = Documents.readAll(content, format);
    } catch (Documents.UnreadableDocumentException e) {
      throw new InvalidPolicyException(
          documentName,
          List.of(
              new InvalidPolicyException.Problem(
                  "(document)", "unreadable " + format + ": " + e.getMessage())));
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
    return new Occurrences(out, c.problems);
  }

  /**
   * Reads one occurrence already parsed (an element of a Grafeas listing or of an ingest feed
   * file): it is in {@code attestations}, or in {@code skipped} with every reason.
   */
  public static Occurrences occurrence(JsonNode occurrence) {
    ProblemCollector c = new ProblemCollector();
    List<Attestation> out = new ArrayList<>();
    read(occurrence, "", c, out);
    return new Occurrences(out, c.problems);
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
        c.problem(
            ProblemCollector.join(path, "resourceUri"), "must end in @sha256:<64 lower-case hex>");
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
    } else if (att.isObject() && att.has("attestation")) {
      // Container Analysis v1beta1: Occurrence.attestation is a Details holding the Attestation.
      String ip = ProblemCollector.join(ap, "attestation");
      JsonNode inner = att.get("attestation");
      if (c.object(att, ap, DETAILS_V1BETA1) && c.object(inner, ip, ATTESTATION_V1BETA1)) {
        pgp = pgp(inner, ip, c);
        JsonNode generic = inner.get("genericSignedAttestation");
        String gp = ProblemCollector.join(ip, "genericSignedAttestation");
        if (generic != null && c.object(generic, gp, GENERIC)) {
          payload = signatures(generic, gp, c, sigs);
        }
        if (sigs.isEmpty() && pgp == null) {
          c.problem(ip, "has neither pgpSignedAttestation nor genericSignedAttestation signatures");
        }
      }
    } else if (c.object(att, ap, ATTESTATION_V1)) {
      payload = signatures(att, ap, c, sigs);
      if (sigs.isEmpty()) {
        c.problem(
            ap,
            att.has("jwts")
                ? "has no signatures (JWT attestations are not supported)"
                : "has no signatures");
      }
    }
    if (c.problems.size() == before) {
      out.add(new Attestation(name, note, uri, digest, payload, sigs, pgp, created));
    }
  }

  /**
   * Reads {@code signatures[]} of {@code node} into {@code sigs}; returns its {@code
   * serializedPayload}.
   */
  private static String signatures(
      JsonNode node, String path, ProblemCollector c, List<Attestation.Signature> sigs) {
    String payload = c.text(node, "serializedPayload", path, false);
    JsonNode list = c.array(node, "signatures", path, false);
    for (int i = 0; list != null && i < list.size(); i++) {
      String sp = ProblemCollector.index(ProblemCollector.join(path, "signatures"), i);
      JsonNode s = list.get(i);
      if (c.object(s, sp, SIGNATURE)) {
        String id = c.text(s, "publicKeyId", sp, false);
        String sig = c.text(s, "signature", sp, true);
        if (sig != null) {
          sigs.add(new Attestation.Signature(id == null ? "" : id, sig));
        }
      }
    }
    return payload;
  }

  /** The {@code pgpSignedAttestation} of {@code node}, or null. */
  private static Attestation.PgpSignedAttestation pgp(
      JsonNode node, String path, ProblemCollector c) {
    JsonNode p = node.get("pgpSignedAttestation");
    String pp = ProblemCollector.join(path, "pgpSignedAttestation");
    if (p == null || !c.object(p, pp, PGP)) {
      return null;
    }
    String sig = c.text(p, "signature", pp, true);
    return sig == null
        ? null
        : new Attestation.PgpSignedAttestation(
            sig, c.text(p, "contentType", pp, false), c.text(p, "pgpKeyId", pp, false));
  }
}
