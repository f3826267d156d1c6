package dev.vigil.streams;

import dev.vigil.schemas.PodEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A validation task's pods and their templates, over four stores (ADR 0150): {@value
 * StoreNames#PODS} (each pod compactly, {@link PodStateCodec}, with its template's fingerprint),
 * {@value StoreNames#TEMPLATES} (each template once, with its judgement), {@value
 * StoreNames#TEMPLATE_PODS} ({@code fingerprint|podKey} → {@code r} running or {@code d} deleted:
 * the pods of a template) and {@value StoreNames#TEMPLATES_BY_DIGEST} ({@code digest|fingerprint}:
 * the templates that run an image). A template outlives its last pod (deleted ones count until they
 * are forgotten) until a scan drops it ({@link #dropIfUnused}): the next pod of a ReplicaSet finds
 * its template, and its judgement, instead of creating and judging it again (ADR 0170).
 *
 * <p>Reads give a pod's {@link PodState} whole again (its pod event with its template's images);
 * writes keep the four stores in step. It keeps nothing the stores do not say: the only field is a
 * bounded cache of templates as read ({@link #CACHED_TEMPLATES}, least recently used out), which
 * every write here goes through; the task makes a new {@code PodStore} in each {@code init()}, so a
 * task revived with its stores rolled back starts with an empty cache (ADR 0150). Reading a
 * template (its evaluation as JSON) was a third of the stream thread's time without it.
 */
final class PodStore implements PodLifecycle.Templates {

  static final String RUNNING = "r";
  static final String DELETED = "d";

  private final KeyValueStore<String, StoredPod> pods;
  private final KeyValueStore<String, TemplateState> templates;
  private final KeyValueStore<String, String> templatePods;
  private final KeyValueStore<String, String> templatesByDigest;

  /** Templates kept decoded per task at most. */
  static final int CACHED_TEMPLATES = 2_048;

  private final java.util.LinkedHashMap<String, TemplateState> cache =
      new java.util.LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, TemplateState> e) {
          return size() > CACHED_TEMPLATES;
        }
      };

  PodStore(
      KeyValueStore<String, StoredPod> pods,
      KeyValueStore<String, TemplateState> templates,
      KeyValueStore<String, String> templatePods,
      KeyValueStore<String, String> templatesByDigest) {
    this.pods = pods;
    this.templates = templates;
    this.templatePods = templatePods;
    this.templatesByDigest = templatesByDigest;
  }

  /** The pod's state, or null when there is none or it no longer reads. */
  PodState get(String key) {
    StoredPod p = pods.get(key);
    return p == null ? null : whole(p);
  }

  /**
   * The pod's state with its template's images, or null when its template is gone (damaged stores):
   * such a pod cannot be judged, and is treated as one whose state no longer reads.
   */
  PodState whole(StoredPod p) {
    if (p.template() == null) {
      return p.state(); // written before ADR 0150: the state has its images
    }
    TemplateState t = template(p.template());
    if (t == null) {
      return null;
    }
    return p.state().withPod(withImages(p.state().pod(), t.template()));
  }

  @Override
  public TemplateState template(String fingerprint) {
    TemplateState t = cache.get(fingerprint);
    if (t == null) {
      t = templates.get(fingerprint);
      if (t != null) {
        cache.put(fingerprint, t);
      }
    }
    return t;
  }

  KeyValueStore<String, StoredPod> pods() {
    return pods;
  }

  KeyValueStore<String, TemplateState> templates() {
    return templates;
  }

  /** Writes the new judgement of a template that exists (a re-evaluation's). */
  void rejudged(String fingerprint, TemplateState t) {
    templates.put(fingerprint, t);
    cache.put(fingerprint, t);
  }

  /** Writes a template's new judgement (the template is created if it is new). */
  void judged(String fingerprint, TemplateState t) {
    if (template(fingerprint) == null) {
      for (String d : t.template().digests()) {
        templatesByDigest.put(d + "|" + fingerprint, "");
      }
    }
    templates.put(fingerprint, t);
    cache.put(fingerprint, t);
  }

  /**
   * Writes what changed between {@code before} and {@code after} (null: no pod) for pod {@code
   * key}: the pod, its template (created when new; kept when its last pod leaves it, for {@link
   * #dropIfUnused}) and the indexes.
   */
  void put(String key, PodState before, PodState after) {
    String was = before == null ? null : PodTemplate.of(before.pod()).fingerprint();
    String is = null;
    if (after == null) {
      pods.delete(key);
    } else {
      PodTemplate t = PodTemplate.of(after.pod());
      is = t.fingerprint();
      if (template(is) == null) {
        judged(is, new TemplateState(t, null));
      }
      pods.put(key, new StoredPod(after, is));
      if (!is.equals(was) || before.deleted() != after.deleted()) {
        templatePods.put(is + "|" + key, after.deleted() ? DELETED : RUNNING);
      }
    }
    if (was != null && !was.equals(is)) {
      templatePods.delete(was + "|" + key);
    }
  }

  /**
   * For the one-time {@link Reevaluations#MIGRATE} scan: whether pod {@code stored} is not yet in
   * the template indexes, as a pod stored before ADR 0150 is (also once a pod event rewrote it
   * before the scan reached it: {@link #put} writes the index only when the template changes).
   */
  boolean unindexed(String key, StoredPod stored) {
    return stored.template() == null || templatePods.get(stored.template() + "|" + key) == null;
  }

  /**
   * Gives a pod stored before ADR 0150 its template and index entry ({@code state} with its
   * images); a template it creates has no judgement yet, so the next policy scan judges it and its
   * pods.
   */
  void adopt(String key, PodState state) {
    PodTemplate t = PodTemplate.of(state.pod());
    String fingerprint = t.fingerprint();
    if (template(fingerprint) == null) {
      judged(fingerprint, new TemplateState(t, null));
    }
    pods.put(key, new StoredPod(state, fingerprint));
    templatePods.put(fingerprint + "|" + key, state.deleted() ? DELETED : RUNNING);
  }

  /** Forgets a pod ({@code stored} as read, may be null when it no longer reads). */
  void forget(String key, StoredPod stored) {
    forget(key, stored == null ? null : stored.template());
  }

  /** Forgets a pod of template {@code fingerprint} (null: not known); the template stays. */
  void forget(String key, String fingerprint) {
    pods.delete(key);
    if (fingerprint != null) {
      templatePods.delete(fingerprint + "|" + key);
    }
  }

  /** True when no pod, running or deleted, is of template {@code fingerprint}. */
  boolean unused(String fingerprint) {
    try (KeyValueIterator<String, String> it =
        templatePods.prefixScan(fingerprint + "|", new StringSerializer())) {
      return !it.hasNext();
    }
  }

  /**
   * Drops template {@code fingerprint} and its digest entries when no pod is of it ({@link
   * Reevaluations#SWEEP}); true when it did.
   */
  boolean dropIfUnused(String fingerprint) {
    if (!unused(fingerprint)) {
      return false;
    }
    TemplateState t = template(fingerprint);
    if (t != null) {
      for (String d : t.template().digests()) {
        templatesByDigest.delete(d + "|" + fingerprint);
      }
    }
    templates.delete(fingerprint);
    cache.remove(fingerprint);
    return true;
  }

  @Override
  public boolean hasRunningPods(String fingerprint) {
    try (KeyValueIterator<String, String> it =
        templatePods.prefixScan(fingerprint + "|", new StringSerializer())) {
      while (it.hasNext()) {
        if (RUNNING.equals(it.next().value)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The keys of the running pods of a template, in key order. */
  List<String> runningPods(String fingerprint) {
    List<String> out = new ArrayList<>();
    String prefix = fingerprint + "|";
    try (KeyValueIterator<String, String> it =
        templatePods.prefixScan(prefix, new StringSerializer())) {
      while (it.hasNext()) {
        var kv = it.next();
        if (RUNNING.equals(kv.value)) {
          out.add(kv.key.substring(prefix.length()));
        }
      }
    }
    return out;
  }

  /** The index of templates by digest ({@code digest|fingerprint}). */
  KeyValueStore<String, String> templatesByDigest() {
    return templatesByDigest;
  }

  private static PodEvent withImages(PodEvent p, PodTemplate t) {
    return new PodEvent(
        p.eventId(),
        p.clusterId(),
        p.type(),
        p.namespace(),
        p.name(),
        p.uid(),
        p.serviceAccount(),
        p.phase(),
        p.owner(),
        t.images(),
        p.imagePullSecrets(),
        p.labels(),
        p.annotations(),
        p.resourceVersion(),
        p.observedAt());
  }
}
