package dev.vigil.cli.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.ingest.feeds.Attestations;
import dev.vigil.ingest.feeds.ImageMetadataFiles;
import dev.vigil.ingest.feeds.PolicyFilePublisher;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.translate.AuditEventTranslator;
import dev.vigil.ingest.translate.OwnerLookup;
import dev.vigil.ingest.translate.PodTranslator;
import dev.vigil.ingest.translate.TranslationException;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.validator.Documents;
import dev.vigil.validator.InvalidPolicyException;
import dev.vigil.validator.PolicySet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The inputs of one replay, read and checked before any broker starts, through ingest's own
 * parsing: policies validated with {@link PolicySet#parse}, Grafeas occurrences with {@link
 * Attestations#parse}, image metadata with {@link ImageMetadataFiles#parse}, pods with {@link
 * PodTranslator} and audit events with {@link AuditEventTranslator}.
 */
public final class ReplayInputs {

  /** Larger than a policy: pod watch logs and audit logs may run to many megabytes. */
  private static final long MAX_STREAM_BYTES = 512L * 1024 * 1024;

  private final ReplayRequest request;
  private final Instant start;
  final List<Outgoing<?>> attestations = new ArrayList<>();
  final List<Outgoing<?>> imageMetadata = new ArrayList<>();
  final List<Outgoing<?>> pods = new ArrayList<>();
  final List<Outgoing<?>> audit = new ArrayList<>();
  final List<Outgoing<?>> laterAttestations = new ArrayList<>();
  int auditSkipped;

  private ReplayInputs(ReplayRequest request, Instant start) {
    this.request = request;
    this.start = start;
  }

  /**
   * Reads every input of {@code request}.
   *
   * @param start the time used where an input carries none (pods without creationTimestamp)
   */
  public static ReplayInputs read(ReplayRequest request, Instant start)
      throws ReplayInputException {
    ReplayInputs in = new ReplayInputs(request, start);
    in.checkPolicies();
    Clock fixed = Clock.fixed(start, ZoneOffset.UTC);
    for (Path f : request.attestations()) {
      in.attestations.addAll(feed(f, true, fixed));
    }
    for (Path f : request.imageMetadata()) {
      in.imageMetadata.addAll(feed(f, false, fixed));
    }
    for (Path f : request.attestationsUpdate()) {
      in.laterAttestations.addAll(feed(f, true, fixed));
    }
    if (request.pods() != null) {
      in.readPods(request.pods());
    }
    if (request.audit() != null) {
      in.readAudit(request.audit());
    }
    return in;
  }

  // ---- policies ---------------------------------------------------------------------------

  private void checkPolicies() throws ReplayInputException {
    checkSet(request.policy());
    if (request.policyUpdate() != null) {
      checkSet(request.policyUpdate());
    }
  }

  /** The whole set the streams side will hold, as {@code vigil evaluate} checks it. */
  private void checkSet(Path binauthzFile) throws ReplayInputException {
    Map<String, Path> files = new HashMap<>();
    PolicyDocument binauthz = document(binauthzFile, PolicyDocument.Kind.BINAUTHZ_POLICY);
    files.put(binauthz.key(), binauthzFile);
    PolicyDocument platform = null;
    if (request.platformPolicy() != null) {
      platform = document(request.platformPolicy(), PolicyDocument.Kind.PLATFORM_POLICY);
      files.put(platform.key(), request.platformPolicy());
    }
    List<PolicyDocument> attestors = new ArrayList<>();
    for (Path file : request.attestors()) {
      PolicyDocument a = document(file, PolicyDocument.Kind.ATTESTOR);
      attestors.add(a);
      files.put(a.key(), file);
    }
    try {
      PolicySet.parse(binauthz, platform, attestors);
    } catch (InvalidPolicyException e) {
      Path file = files.getOrDefault(e.document(), binauthzFile);
      InvalidPolicyException.Problem first = e.problems().isEmpty() ? null : e.problems().get(0);
      String rest =
          e.problems().size() > 1
              ? " (and "
                  + (e.problems().size() - 1)
                  + " more: "
                  + e.problems().subList(1, e.problems().size()).stream()
                      .map(Object::toString)
                      .collect(Collectors.joining("; "))
                  + ")"
              : "";
      throw new ReplayInputException(
          file,
          first == null ? null : first.path(),
          (first == null ? "invalid" : first.message()) + rest);
    }
  }

  private PolicyDocument document(Path file, PolicyDocument.Kind kind) throws ReplayInputException {
    return PolicyFilePublisher.localDocument(file, text(file), kind, start);
  }

  // ---- attestations and image metadata ----------------------------------------------------

  private static List<Outgoing<?>> feed(Path file, boolean attestations, Clock clock)
      throws ReplayInputException {
    byte[] content = bytes(file);
    try {
      return attestations
          ? Attestations.parse(content, clock)
          : ImageMetadataFiles.parse(content, clock);
    } catch (IllegalArgumentException | NullPointerException e) {
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      // Attestations name the occurrence first ("projects/p/occurrences/o: ..."), metadata "entry
      // N: ...".
      int colon = m.indexOf(": ");
      if (colon > 0 && !m.startsWith("not JSON") && !m.startsWith("expected")) {
        throw new ReplayInputException(file, m.substring(0, colon), m.substring(colon + 2));
      }
      throw new ReplayInputException(file, null, m);
    }
  }

  // ---- pods ---------------------------------------------------------------------------------

  private void readPods(Path file) throws ReplayInputException {
    int n = 0;
    for (Doc d : documents(file)) {
      n++;
      JsonNode doc = d.node();
      try {
        if (!doc.isObject()) {
          throw new ReplayInputException(
              file, d.where(), "expected a watch event, a Pod or a PodList object");
        }
        if (doc.has("type") && doc.has("object")) {
          String type = doc.path("type").asText();
          if (!List.of("ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR").contains(type)) {
            throw new ReplayInputException(
                file, d.where() + ".type", "unknown watch event type '" + type + "'");
          }
          for (PodEvent e :
              PodTranslator.translateDocument(
                  request.cluster(),
                  doc,
                  OwnerLookup.NONE,
                  observedAt(doc.get("object"), type.equals("DELETED")))) {
            add(e);
          }
        } else if (doc.has("items")) {
          JsonNode items = doc.get("items");
          if (!items.isArray()) {
            throw new ReplayInputException(file, d.where() + ".items", "must be a list");
          }
          for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            if (!"Pod".equals(item.path("kind").asText("Pod"))) {
              continue;
            }
            try {
              add(
                  PodTranslator.translate(
                      request.cluster(),
                      PodEvent.Type.ADDED,
                      item,
                      OwnerLookup.NONE,
                      observedAt(item, false)));
            } catch (TranslationException e) {
              throw new ReplayInputException(file, d.where() + ".items[" + i + "]", e.getMessage());
            }
          }
        } else if ("Pod".equals(doc.path("kind").asText())) {
          add(
              PodTranslator.translate(
                  request.cluster(),
                  PodEvent.Type.ADDED,
                  doc,
                  OwnerLookup.NONE,
                  observedAt(doc, false)));
        } else {
          throw new ReplayInputException(
              file,
              d.where(),
              "neither a watch event {\"type\",\"object\"}, nor a Pod, nor a PodList");
        }
      } catch (TranslationException e) {
        throw new ReplayInputException(file, d.where() + ".object", e.getMessage());
      }
    }
    if (n == 0) {
      throw new ReplayInputException(file, null, "holds no pod, PodList or watch event");
    }
  }

  private void add(PodEvent e) {
    pods.add(new Outgoing<>(Topics.POD_EVENTS, e.key(), e, e.eventId(), e.observedAt()));
  }

  /**
   * When the pod was observed, from the pod itself so that a replay does not depend on the day it
   * runs: its deletionTimestamp for a deletion, else its creationTimestamp, else the replay's
   * start.
   */
  private Instant observedAt(JsonNode pod, boolean deleted) throws ReplayInputException {
    JsonNode meta = pod == null ? null : pod.path("metadata");
    if (meta == null) {
      return start;
    }
    Instant t = deleted ? time(meta.path("deletionTimestamp")) : null;
    if (t == null) {
      t = time(meta.path("creationTimestamp"));
    }
    return t == null ? start : t;
  }

  private static Instant time(JsonNode node) {
    if (!node.isTextual()) {
      return null;
    }
    try {
      return Instant.parse(node.asText());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  // ---- audit events -------------------------------------------------------------------------

  private void readAudit(Path file) throws ReplayInputException {
    int n = 0;
    for (Doc d : documents(file)) {
      n++;
      JsonNode doc = d.node();
      List<JsonNode> events =
          "EventList".equals(doc.path("kind").asText())
              ? AuditEventTranslator.events(doc)
              : List.of(doc);
      for (int i = 0; i < events.size(); i++) {
        JsonNode event = events.get(i);
        String where =
            events.size() == 1 && event == doc ? d.where() : d.where() + ".items[" + i + "]";
        // v1beta1 events written by older log backends carry no apiVersion; an auditID they all
        // have.
        if (!event.isObject()
            || !(event.path("apiVersion").asText().startsWith("audit.k8s.io/")
                || event.has("auditID"))) {
          throw new ReplayInputException(file, where + ".apiVersion", "not an audit.k8s.io Event");
        }
        try {
          var a = AuditEventTranslator.translate(request.cluster(), event, OwnerLookup.NONE);
          if (a.isPresent()) {
            AdmissionEvent e = a.get();
            audit.add(
                new Outgoing<>(
                    Topics.ADMISSION_EVENTS, e.key(), e, e.eventId(), e.requestReceivedAt()));
          } else {
            auditSkipped++;
          }
        } catch (TranslationException e) {
          throw new ReplayInputException(file, where, e.getMessage());
        }
      }
    }
    if (n == 0) {
      throw new ReplayInputException(file, null, "holds no audit event");
    }
  }

  // ---- files --------------------------------------------------------------------------------

  /** One JSON (or YAML) document of a stream, and where it was. */
  record Doc(JsonNode node, String where) {}

  /**
   * The documents of a file: JSON lines, concatenated (pretty-printed) JSON values as {@code
   * kubectl get --watch -o json} writes them, one JSON document, or YAML documents.
   */
  static List<Doc> documents(Path file) throws ReplayInputException {
    String content = new String(bytes(file), StandardCharsets.UTF_8);
    List<Doc> out = new ArrayList<>();
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      try {
        List<JsonNode> docs = Documents.readAll(content, PolicyDocument.Format.YAML);
        for (int i = 0; i < docs.size(); i++) {
          out.add(new Doc(docs.get(i), "document " + (i + 1)));
        }
        return out;
      } catch (Documents.UnreadableDocumentException e) {
        throw new ReplayInputException(file, null, "unreadable YAML: " + e.getMessage());
      }
    }
    ObjectMapper mapper = Json.create(MAX_STREAM_BYTES);
    try (MappingIterator<JsonNode> it = mapper.readerFor(JsonNode.class).readValues(content)) {
      while (true) {
        int line;
        try {
          if (!it.hasNextValue()) {
            break;
          }
          line = it.getCurrentLocation() == null ? -1 : it.getCurrentLocation().getLineNr();
          JsonNode node = it.nextValue();
          out.add(new Doc(node, "line " + line));
        } catch (JsonProcessingException e) {
          int at = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
          throw new ReplayInputException(file, "line " + at, "not JSON: " + e.getOriginalMessage());
        }
      }
    } catch (IOException e) {
      throw new ReplayInputException(file, null, "unreadable: " + e.getMessage());
    } catch (RuntimeException e) {
      throw new ReplayInputException(file, null, "not JSON: " + firstLine(e.getMessage()));
    }
    return out;
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }

  static String text(Path file) throws ReplayInputException {
    byte[] b = bytes(file);
    if (b.length > Documents.MAX_DOCUMENT_CHARS) {
      throw new ReplayInputException(
          file, null, "larger than " + Documents.MAX_DOCUMENT_CHARS + " bytes");
    }
    return new String(b, StandardCharsets.UTF_8);
  }

  static byte[] bytes(Path file) throws ReplayInputException {
    try {
      if (Files.size(file) > MAX_STREAM_BYTES) {
        throw new ReplayInputException(file, null, "larger than " + MAX_STREAM_BYTES + " bytes");
      }
      return Files.readAllBytes(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ReplayInputException(file, null, "no such file");
    } catch (IOException e) {
      throw new ReplayInputException(file, null, "cannot read: " + e.getClass().getSimpleName());
    }
  }
}
