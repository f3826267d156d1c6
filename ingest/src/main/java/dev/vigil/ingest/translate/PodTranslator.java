package dev.vigil.ingest.translate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns Kubernetes pods into {@link PodEvent}s. Pure: no I/O, no clock (the caller passes the time
 * the pod was observed). The pod watcher, {@code vigil replay} and {@code vigil demo} all use it.
 */
public final class PodTranslator {

  private PodTranslator() {}

  /**
   * Translates one pod.
   *
   * @param pod a Pod object as JSON ({@code kubectl get pod -o json})
   * @param owners resolves ReplicaSets and Jobs to their controllers; {@link OwnerLookup#NONE}
   *     falls back to naming conventions
   * @throws TranslationException when {@code pod} is not a pod or has no namespace and name
   */
  public static PodEvent translate(
      String clusterId, PodEvent.Type type, JsonNode pod, OwnerLookup owners, Instant observedAt) {
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(type, "type");
    if (!PodJson.isPod(pod)) {
      throw new TranslationException("not a Pod object");
    }
    JsonNode meta = pod.path("metadata");
    String namespace = PodJson.nonEmpty(PodJson.text(meta, "namespace"));
    String name = PodJson.nonEmpty(PodJson.text(meta, "name"));
    if (namespace == null || name == null) {
      throw new TranslationException("pod without metadata.namespace or metadata.name");
    }
    String uid = PodJson.text(meta, "uid");
    String rv = PodJson.text(meta, "resourceVersion");
    return new PodEvent(
        eventId(clusterId, type, namespace, name, uid, rv),
        clusterId,
        type,
        namespace,
        name,
        uid,
        PodJson.serviceAccount(pod),
        PodJson.text(pod.path("status"), "phase"),
        PodJson.owner(pod, namespace, name, owners),
        PodJson.images(pod),
        PodJson.imagePullSecrets(pod),
        PodJson.labels(pod),
        PodJson.annotations(pod),
        rv,
        observedAt);
  }

  /** Translates a fabric8 {@link Pod}, as an informer hands it over. */
  public static PodEvent translate(
      String clusterId, PodEvent.Type type, Pod pod, OwnerLookup owners, Instant observedAt) {
    return translate(clusterId, type, toJson(pod), owners, observedAt);
  }

  /**
   * Translates a document that holds pods: a Pod, a {@code PodList} or {@code List} (as {@code
   * kubectl get pods -o json} writes it; items count as {@code ADDED}), or a watch event {@code
   * {"type": "ADDED|MODIFIED|DELETED", "object": {...}}}. Other items (bookmarks, errors, other
   * kinds) are skipped.
   */
  public static List<PodEvent> translateDocument(
      String clusterId, JsonNode document, OwnerLookup owners, Instant observedAt) {
    List<PodEvent> out = new ArrayList<>();
    if (document == null || !document.isObject()) {
      throw new TranslationException("expected a JSON object (Pod, PodList or watch event)");
    }
    if (document.has("type") && document.has("object")) {
      watchType(PodJson.text(document, "type"))
          .filter(t -> PodJson.isPod(document.get("object")))
          .ifPresent(
              t -> out.add(translate(clusterId, t, document.get("object"), owners, observedAt)));
      return out;
    }
    JsonNode items = document.get("items");
    if (items != null && items.isArray()) {
      for (JsonNode item : items) {
        if (PodJson.isPod(item)) {
          out.add(translate(clusterId, PodEvent.Type.ADDED, item, owners, observedAt));
        }
      }
      return out;
    }
    if (PodJson.isPod(document)) {
      out.add(translate(clusterId, PodEvent.Type.ADDED, document, owners, observedAt));
    }
    return out;
  }

  /**
   * What of a pod event matters for judging it: everything except identifiers and times. Two events
   * with equal fingerprints need not both be published.
   */
  public static Object fingerprint(PodEvent e, boolean terminating) {
    return List.of(
        e.type() == PodEvent.Type.DELETED,
        terminating,
        Objects.toString(e.uid(), ""),
        Objects.toString(e.serviceAccount(), ""),
        Objects.toString(e.phase(), ""),
        e.owner(),
        e.images(),
        e.imagePullSecrets(),
        e.labels(),
        e.annotations());
  }

  /** Whether the pod JSON has {@code metadata.deletionTimestamp} set (it is shutting down). */
  public static boolean isTerminating(JsonNode pod) {
    return PodJson.nonEmpty(PodJson.text(pod.path("metadata"), "deletionTimestamp")) != null;
  }

  /** The fabric8 pod as JSON, through fabric8's own serialiser. */
  public static JsonNode toJson(Pod pod) {
    try {
      return Json.mapper().readTree(Serialization.asJson(pod));
    } catch (JsonProcessingException e) {
      throw new TranslationException("cannot read pod JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static Optional<PodEvent.Type> watchType(String type) {
    if (type == null) {
      return Optional.empty();
    }
    switch (type) {
      case "ADDED":
        return Optional.of(PodEvent.Type.ADDED);
      case "MODIFIED":
        return Optional.of(PodEvent.Type.MODIFIED);
      case "DELETED":
        return Optional.of(PodEvent.Type.DELETED);
      default:
        return Optional.empty();
    }
  }

  /** Deterministic, so that replaying the same input yields the same ids. */
  private static String eventId(
      String clusterId, PodEvent.Type type, String ns, String name, String uid, String rv) {
    String seed =
        String.join(
            "|",
            clusterId,
            type.name(),
            ns,
            name,
            Objects.toString(uid, ""),
            Objects.toString(rv, ""));
    return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
