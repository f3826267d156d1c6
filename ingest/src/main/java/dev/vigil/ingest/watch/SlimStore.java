package dev.vigil.ingest.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.schemas.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * An informer cache that keeps, of each object, only the fields Vigil reads, as compact JSON bytes,
 * and rebuilds the object when the informer asks for it (a resync, a re-list, an owner look-up). A
 * pod as the API server sends it carries managedFields, probes, env, volumes and conditions that
 * Vigil never reads; a fabric8 {@code Pod} built from it takes tens of kilobytes of heap, the bytes
 * of what Vigil reads well under one (docs/benchmarks.md, "watch").
 *
 * <p>Keys are fabric8's {@code namespace/name}, as in its own store, so that look-ups by key work
 * as before. The informer still hands every added or changed object to the handlers whole.
 */
final class SlimStore<T extends HasMetadata> implements ItemStore<T> {

  /**
   * What is kept: a name maps to the fields kept of its value (of each element of an array), or to
   * {@link #ALL}.
   */
  static final Map<String, Object> ALL = Map.of();

  private static final Map<String, Object> CONTAINER = Map.of("name", ALL, "image", ALL);
  private static final Map<String, Object> CONTAINER_STATUS = Map.of("name", ALL, "imageID", ALL);
  private static final Map<String, Object> OWNED_METADATA =
      Map.of(
          "name",
          ALL,
          "namespace",
          ALL,
          "uid",
          ALL,
          "resourceVersion",
          ALL,
          "ownerReferences",
          ALL,
          "deletionTimestamp",
          ALL);

  /**
   * Of a pod: what {@code PodTranslator} reads, and what the informer compares (resourceVersion).
   */
  static final Map<String, Object> POD =
      Map.of(
          "kind", ALL,
          "apiVersion", ALL,
          "metadata",
              Map.of(
                  "name",
                  ALL,
                  "generateName",
                  ALL,
                  "namespace",
                  ALL,
                  "uid",
                  ALL,
                  "resourceVersion",
                  ALL,
                  "labels",
                  ALL,
                  "annotations",
                  ALL,
                  "ownerReferences",
                  ALL,
                  "deletionTimestamp",
                  ALL),
          "spec",
              Map.of(
                  "serviceAccountName",
                  ALL,
                  "serviceAccount",
                  ALL,
                  "imagePullSecrets",
                  ALL,
                  "containers",
                  CONTAINER,
                  "initContainers",
                  CONTAINER,
                  "ephemeralContainers",
                  CONTAINER),
          "status",
              Map.of(
                  "phase",
                  ALL,
                  "containerStatuses",
                  CONTAINER_STATUS,
                  "initContainerStatuses",
                  CONTAINER_STATUS,
                  "ephemeralContainerStatuses",
                  CONTAINER_STATUS));

  /** Of a ReplicaSet or Job: who owns it. */
  static final Map<String, Object> OWNED =
      Map.of("kind", ALL, "apiVersion", ALL, "metadata", OWNED_METADATA);

  private final Class<T> type;
  private final Map<String, Object> kept;
  private final Map<String, byte[]> items = new ConcurrentHashMap<>();

  SlimStore(Class<T> type, Map<String, Object> kept) {
    this.type = Objects.requireNonNull(type, "type");
    this.kept = Objects.requireNonNull(kept, "kept");
  }

  /** {@code object} as JSON with only the fields {@code kept} names. */
  static JsonNode slim(Object object, Map<String, Object> kept) throws IOException {
    JsonNode tree =
        Json.mapper().readTree(Serialization.asJson(object)); // as PodTranslator reads it
    prune(tree, kept);
    return tree;
  }

  @SuppressWarnings("unchecked")
  private static void prune(JsonNode node, Map<String, Object> kept) {
    if (kept == ALL || node == null) {
      return;
    }
    if (node instanceof ArrayNode array) {
      array.forEach(e -> prune(e, kept));
    } else if (node instanceof ObjectNode object) {
      object.retain(kept.keySet());
      object
          .fields()
          .forEachRemaining(e -> prune(e.getValue(), (Map<String, Object>) kept.get(e.getKey())));
    }
  }

  @Override
  public String getKey(T obj) {
    return Cache.metaNamespaceKeyFunc(obj);
  }

  @Override
  public T put(String key, T obj) {
    byte[] old = items.put(key, bytes(obj));
    return old == null ? null : restore(old);
  }

  @Override
  public T remove(String key) {
    byte[] old = items.remove(key);
    return old == null ? null : restore(old);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet().stream();
  }

  @Override
  public Stream<T> values() {
    return items.values().stream().map(this::restore);
  }

  @Override
  public int size() {
    return items.size();
  }

  /**
   * No: so that the informer hands each pod of its first list to the handlers as the page arrives,
   * whole, instead of deferring the adds to the end of the list and then reading every pod back
   * from this cache, a rebuild per pod on the HTTP client's thread (as fabric8's own {@code
   * ReducedStateItemStore} does; docs/benchmarks.md, "watch").
   */
  @Override
  public boolean isFullState() {
    return false;
  }

  @Override
  public T get(String key) {
    byte[] b = items.get(key);
    return b == null ? null : restore(b);
  }

  private byte[] bytes(T obj) {
    try {
      return Json.mapper().writeValueAsBytes(slim(obj, kept));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep " + type.getSimpleName() + " " + getKey(obj), e);
    }
  }

  private T restore(byte[] b) {
    return Serialization.unmarshal(new ByteArrayInputStream(b), type);
  }
}
