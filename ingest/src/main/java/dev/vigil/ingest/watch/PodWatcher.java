package dev.vigil.ingest.watch;

import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.ingest.translate.OwnerLookup;
import dev.vigil.ingest.translate.PodTranslator;
import dev.vigil.ingest.translate.TranslationException;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Topics;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one cluster's pods with fabric8 shared informers and publishes a {@link PodEvent} to
 * {@code vigil.pod-events} whenever a pod is added, deleted, or changes in a way that matters
 * (images, running digests, annotations, labels, service account, phase, deletion).
 *
 * <p>ReplicaSet and Job informers resolve each pod's owning workload. The informers re-list after a
 * watch expires (410 Gone) or the connection drops; a pod that vanished meanwhile is reported as
 * {@code DELETED} by the re-list. Handlers only translate; the publisher does the sending.
 */
public final class PodWatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PodWatcher.class);

  /** Objects per page when the informers list (the API server's own default is all at once). */
  static final long PAGE = 500;

  private final String clusterId;
  private final KubernetesClient client;
  private final List<String> namespaces;
  private final RecordPublisher publisher;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final Duration resync;
  private final List<SharedIndexInformer<ReplicaSet>> replicaSets = new ArrayList<>();
  private final List<SharedIndexInformer<Job>> jobs = new ArrayList<>();
  private final List<SharedIndexInformer<Pod>> pods = new ArrayList<>();

  /**
   * A digest of what was last published per pod key ({@link Fingerprints}); a failed send forgets
   * it so a resync sends again.
   */
  private final Map<String, Object> published = new ConcurrentHashMap<>();

  /**
   * @param clusterId the id written on every record (e.g. {@code us-central1-a.prod})
   * @param namespaces the namespaces to watch; empty for all
   * @param resync how often the informers replay their caches; an update that failed to publish is
   *     sent again then ({@code Duration.ZERO} turns it off)
   */
  public PodWatcher(
      String clusterId,
      KubernetesClient client,
      List<String> namespaces,
      RecordPublisher publisher,
      IngestMetrics metrics,
      Clock clock,
      Duration resync) {
    this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
    this.client = Objects.requireNonNull(client, "client");
    this.namespaces = List.copyOf(namespaces);
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.resync = Objects.requireNonNull(resync, "resync");
  }

  /** The cluster this watcher reports on. */
  public String clusterId() {
    return clusterId;
  }

  /**
   * Starts the informers: owners first, so that pods listed at start-up resolve to their
   * Deployments and CronJobs, then pods. Returns once the pods are listed.
   */
  public void start(Duration syncTimeout) {
    long resyncMs = resync.toMillis();
    for (Informable<ReplicaSet> source : watched(client.apps().replicaSets())) {
      replicaSets.add(slim(source, ReplicaSet.class, SlimStore.OWNED, new Ignore<>(), resyncMs));
    }
    for (Informable<Job> source : watched(client.batch().v1().jobs())) {
      jobs.add(slim(source, Job.class, SlimStore.OWNED, new Ignore<>(), resyncMs));
    }
    awaitSynced(replicaSets, syncTimeout);
    awaitSynced(jobs, syncTimeout);
    Handler handler = new Handler();
    for (Informable<Pod> source : watched(client.pods())) {
      pods.add(slim(source, Pod.class, SlimStore.POD, handler, resyncMs));
    }
    awaitSynced(pods, syncTimeout);
    LOG.info(
        "watching pods of cluster {} ({})",
        clusterId,
        namespaces.isEmpty() ? "all namespaces" : String.join(",", namespaces));
  }

  /**
   * The resources of {@code kind} this watcher sees, listed in pages of {@link #PAGE}: in any
   * namespace, or in each of the namespaces it was given.
   */
  private <T> List<Informable<T>> watched(MixedOperation<T, ?, ?> kind) {
    if (namespaces.isEmpty()) {
      return List.of(kind.inAnyNamespace().withLimit(PAGE));
    }
    List<Informable<T>> each = new ArrayList<>();
    for (String ns : namespaces) {
      each.add(kind.inNamespace(ns).withLimit(PAGE));
    }
    return each;
  }

  /**
   * An informer that lists in pages of {@link #PAGE} and caches only what Vigil reads of each
   * object ({@link SlimStore}), without fabric8's namespace index (nothing looks objects up by
   * namespace). Not started: {@link #awaitSynced} starts it.
   */
  private static <T extends HasMetadata> SharedIndexInformer<T> slim(
      Informable<T> source,
      Class<T> type,
      Map<String, Object> kept,
      ResourceEventHandler<? super T> handler,
      long resyncMs) {
    SharedIndexInformer<T> informer = source.runnableInformer(resyncMs);
    informer.itemStore(new SlimStore<>(type, kept));
    informer.removeNamespaceIndex();
    informer.addEventHandler(handler);
    return informer;
  }

  /** Whether every informer has listed its resources at least once. */
  public boolean hasSynced() {
    return !pods.isEmpty()
        && pods.stream().allMatch(SharedIndexInformer::hasSynced)
        && replicaSets.stream().allMatch(SharedIndexInformer::hasSynced)
        && jobs.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  /** Whether every pod informer currently has a live watch. */
  public boolean isWatching() {
    return !pods.isEmpty() && pods.stream().allMatch(SharedIndexInformer::isWatching);
  }

  /** The owner lookup the translator uses, backed by the informer caches. */
  OwnerLookup owners() {
    return (kind, namespace, name) -> {
      switch (kind) {
        case "ReplicaSet":
          return lookup(replicaSets, namespace, name);
        case "Job":
          return lookup(jobs, namespace, name);
        default:
          return Optional.empty();
      }
    };
  }

  private static <T extends HasMetadata> Optional<OwnerLookup.Owner> lookup(
      List<SharedIndexInformer<T>> informers, String namespace, String name) {
    for (SharedIndexInformer<T> inf : informers) {
      T obj = inf.getIndexer().getByKey(namespace + "/" + name);
      if (obj != null) {
        return Optional.of(controller(obj.getMetadata().getOwnerReferences()));
      }
    }
    return Optional.empty();
  }

  private static OwnerLookup.Owner controller(List<OwnerReference> refs) {
    if (refs == null || refs.isEmpty()) {
      return OwnerLookup.Owner.NONE;
    }
    OwnerReference ref =
        refs.stream()
            .filter(r -> Boolean.TRUE.equals(r.getController()))
            .findFirst()
            .orElse(refs.get(0));
    return new OwnerLookup.Owner(
        Objects.toString(ref.getKind(), ""), Objects.toString(ref.getName(), ""));
  }

  private static <T> void awaitSynced(List<SharedIndexInformer<T>> informers, Duration timeout) {
    for (SharedIndexInformer<T> inf : informers) {
      try {
        inf.start().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(
            "interrupted while listing " + inf.getApiTypeClass().getSimpleName(), e);
      } catch (Exception e) {
        throw new IllegalStateException(
            "cannot list " + inf.getApiTypeClass().getSimpleName() + "s: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public void close() {
    pods.forEach(SharedIndexInformer::close);
    replicaSets.forEach(SharedIndexInformer::close);
    jobs.forEach(SharedIndexInformer::close);
  }

  /** Translates informer notifications into pod events; publishing is asynchronous. */
  private final class Handler implements ResourceEventHandler<Pod> {

    @Override
    public void onAdd(Pod pod) {
      emit(PodEvent.Type.ADDED, pod);
    }

    @Override
    public void onUpdate(Pod oldPod, Pod newPod) {
      emit(PodEvent.Type.MODIFIED, newPod);
    }

    @Override
    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
      emit(PodEvent.Type.DELETED, pod);
    }

    private void emit(PodEvent.Type type, Pod pod) {
      PodEvent event;
      boolean terminating;
      try {
        var json = PodTranslator.toJson(pod);
        event = PodTranslator.translate(clusterId, type, json, owners(), clock.instant());
        terminating = PodTranslator.isTerminating(json);
      } catch (TranslationException e) {
        LOG.warn("cluster {}: cannot translate pod {}: {}", clusterId, name(pod), e.getMessage());
        return;
      }
      String key = event.key();
      Object fingerprint = Fingerprints.digest(PodTranslator.fingerprint(event, terminating));
      if (type == PodEvent.Type.DELETED) {
        published.remove(key);
      } else if (fingerprint.equals(published.put(key, fingerprint))) {
        metrics.podEventSuppressed(clusterId);
        return;
      }
      publisher
          .publishAsync(
              new Outgoing<>(Topics.POD_EVENTS, key, event, event.eventId(), event.observedAt()))
          .whenComplete(
              (ok, error) -> {
                if (error == null) {
                  metrics.recordsPublished(Topics.POD_EVENTS.name(), 1);
                } else {
                  // Forget it, so that the next update or resync of this pod publishes again.
                  published.remove(key, fingerprint);
                  metrics.publishFailed(
                      Topics.POD_EVENTS.name(), IngestMetrics.PublishFailure.ERROR);
                  LOG.warn(
                      "cluster {}: pod event for {} not published: {}",
                      clusterId,
                      key,
                      error.toString());
                }
              });
    }

    private String name(Pod pod) {
      return pod.getMetadata() == null
          ? "?"
          : pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
  }

  /** Owner informers only fill their caches. */
  private static final class Ignore<T> implements ResourceEventHandler<T> {
    @Override
    public void onAdd(T obj) {}

    @Override
    public void onUpdate(T oldObj, T newObj) {}

    @Override
    public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
  }
}
