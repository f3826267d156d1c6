package dev.vigil.cli.bench;

import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.PublishException;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.ingest.watch.PodWatcher;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The {@code watch} measurement of {@code vigil bench ingest --watch-pods N}: the heap the pod
 * watcher keeps for N pods. fabric8's mock API server (same JVM) serves N pods as an API server
 * sends them (managedFields, probes, env, volumes, conditions; ten pods per ReplicaSet, 20
 * namespaces) through a {@link PagedApiServer}: lists in pages that honour {@code limit} and {@code
 * continue}, and watches that stay open and deliver a few changes. The heap is measured after a
 * full GC, then the watcher lists and watches them all (every pod event to Kafka) and the heap is
 * measured again: the difference is what the watcher keeps.
 */
final class WatchBench {

  private static final int NAMESPACES = 20;
  // Strong reference: java.util.logging forgets levels of loggers nobody holds.
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
  private static final int PODS_PER_REPLICA_SET = 10;

  /** Pods that start terminating once the watch is open (a scale-down): one event each. */
  static final int CHANGES = 10;

  /** The resource version of the lists; objects have lower ones, changes higher. */
  private static final long LIST_VERSION = 1_000_000_000L;

  /** The list of pods of all namespaces. */
  static final String PODS = "/api/v1/pods";

  private WatchBench() {}

  /** Measures; returns the figures of measurement {@code watch}. */
  static Map<String, Object> run(int pods, RecordPublisher publisher, Consumer<String> log)
      throws Exception {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING); // one line per request otherwise
    log.accept("serialising " + pods + " pods for the mock API server");
    long t0 = System.nanoTime();
    int changes = Math.min(CHANGES, pods);
    PagedApiServer api = apiServer(pods);
    PagedApiServer.Collection podList = api.collection(PODS);
    double prepareSeconds = (System.nanoTime() - t0) / 1e9;
    KubernetesMockServer mock =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), api, false);
    mock.init(InetAddress.getLoopbackAddress(), 0);
    try (KubernetesClient client = mock.createClient()) {
      long before = heapAfterGc();
      Map<String, Long> classesBefore = HeapHistogram.take();
      log.accept("watching them");
      long t1 = System.nanoTime();
      AtomicLong acked = new AtomicLong();
      RecordPublisher counting =
          new RecordPublisher() {
            @Override
            public void publishAll(List<? extends Outgoing<?>> records) throws PublishException {
              publisher.publishAll(records);
              acked.addAndGet(records.size());
            }

            @Override
            public CompletableFuture<Void> publishAsync(Outgoing<?> record) {
              return publisher
                  .publishAsync(record)
                  .whenComplete((ok, error) -> acked.incrementAndGet());
            }

            @Override
            public void close() {}
          };
      PodWatcher watcher =
          new PodWatcher(
              "bench-watch",
              client,
              List.of(),
              counting,
              IngestMetrics.NOOP,
              Clock.systemUTC(),
              Duration.ZERO);
      try {
        watcher.start(Duration.ofMinutes(30));
        double syncSeconds = (System.nanoTime() - t1) / 1e9;
        // Every pod event (one per pod listed, one per change watched) acknowledged by Kafka, so
        // that no record in flight is counted.
        long expected = pods + changes;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (acked.get() < expected && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        double publishedSeconds = (System.nanoTime() - t1) / 1e9;
        if (acked.get() < expected) {
          throw new IllegalStateException(
              "only "
                  + acked.get()
                  + " of "
                  + expected
                  + " pod events ("
                  + pods
                  + " pods listed, "
                  + changes
                  + " changes watched) reached Kafka");
        }
        long after = heapAfterGc();
        String grown = HeapHistogram.growth(classesBefore, HeapHistogram.take(), 12);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("pods", pods);
        f.put("heapMiB", Math.round((after - before) / 1048576.0 * 10) / 10.0);
        f.put("heapBytesPerPod", pods == 0 ? 0 : (after - before) / pods);
        f.put("listAndSyncSeconds", Math.round(syncSeconds * 10) / 10.0);
        f.put("allPublishedSeconds", Math.round(publishedSeconds * 10) / 10.0);
        f.put("podEventsPublished", acked.get());
        f.put("watchChanges", changes);
        f.put("podListPages", podList.pages());
        f.put("podWatches", podList.watches());
        f.put("unknownRequests", api.unknownRequests());
        f.put("requests", api.requests());
        f.put("apiServer", "fabric8 KubernetesMockServer, paged dispatcher (PagedApiServer)");
        f.put("keptByClassMiB", grown);
        f.put("prepareSeconds", Math.round(prepareSeconds * 10) / 10.0);
        f.put("heapMiBWithMockServer", Math.round(after / 1048576.0 * 10) / 10.0);
        return f;
      } finally {
        watcher.close();
      }
    } finally {
      try {
        mock.destroy();
      } catch (RuntimeException e) {
        log.accept(
            "the mock API server did not stop cleanly (" + e.getMessage() + "); the figures stand");
      }
    }
  }

  /**
   * The mock API server's dispatcher with {@code pods} pods, their ReplicaSets, no Jobs, and {@link
   * #CHANGES} changes to make once the pods are watched.
   */
  static PagedApiServer apiServer(int pods) {
    return new PagedApiServer(
        List.of(
            new PagedApiServer.Collection(
                PODS, "v1", "PodList", pods(pods), LIST_VERSION, changes(Math.min(CHANGES, pods))),
            new PagedApiServer.Collection(
                "/apis/apps/v1/replicasets",
                "apps/v1",
                "ReplicaSetList",
                replicaSets(pods),
                LIST_VERSION,
                List.of()),
            new PagedApiServer.Collection(
                "/apis/batch/v1/jobs", "batch/v1", "JobList", List.of(), LIST_VERSION, List.of())));
  }

  /** The pods as JSON, ReplicaSet by ReplicaSet. */
  private static List<byte[]> pods(int pods) {
    List<byte[]> out = new ArrayList<>(pods);
    for (int i = 0; i < pods; i++) {
      out.add(json(pod(i).build()));
    }
    return out;
  }

  /** The first {@code n} pods start terminating (deletionTimestamp set), one version each. */
  private static List<PagedApiServer.Change> changes(int n) {
    List<PagedApiServer.Change> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Pod p =
          pod(i)
              .editMetadata()
              .withResourceVersion(Long.toString(LIST_VERSION + 1 + i))
              .withDeletionTimestamp("2026-11-30T10:00:00Z")
              .withDeletionGracePeriodSeconds(30L)
              .endMetadata()
              .build();
      out.add(new PagedApiServer.Change(i, json(p)));
    }
    return out;
  }

  private static List<byte[]> replicaSets(int pods) {
    int sets = (pods + PODS_PER_REPLICA_SET - 1) / PODS_PER_REPLICA_SET;
    List<byte[]> out = new ArrayList<>(sets);
    for (int set = 0; set < sets; set++) {
      out.add(
          json(
              new ReplicaSetBuilder()
                  .withNewMetadata()
                  .withNamespace(namespace(set))
                  .withName(replicaSet(set))
                  .withUid("rs-" + replicaSet(set))
                  .withResourceVersion(Long.toString(LIST_VERSION - 1 - set))
                  .withCreationTimestamp("2026-11-30T08:59:59Z")
                  .addNewOwnerReference()
                  .withApiVersion("apps/v1")
                  .withKind("Deployment")
                  .withName(podDeployment(set * PODS_PER_REPLICA_SET))
                  .withUid("d-" + set)
                  .withController(true)
                  .endOwnerReference()
                  .endMetadata()
                  .build()));
    }
    return out;
  }

  /** The namespace of pod {@code i}. */
  static String podNamespace(int i) {
    return namespace(i / PODS_PER_REPLICA_SET);
  }

  /** The name of pod {@code i}. */
  static String podName(int i) {
    return replicaSet(i / PODS_PER_REPLICA_SET) + "-" + Integer.toString(i, 36);
  }

  /** The Deployment that owns pod {@code i} through its ReplicaSet. */
  static String podDeployment(int i) {
    return "app-" + i / PODS_PER_REPLICA_SET;
  }

  private static String namespace(int set) {
    return "team-" + set % NAMESPACES;
  }

  private static String replicaSet(int set) {
    return "app-" + set + "-7998647bdf";
  }

  private static byte[] json(Object resource) {
    return Serialization.asJson(resource).getBytes(StandardCharsets.UTF_8);
  }

  /** Pod {@code i} as a kube-apiserver returns it (about 4 KB of JSON). */
  private static PodBuilder pod(int i) {
    int set = i / PODS_PER_REPLICA_SET;
    String ns = namespace(set);
    String rs = replicaSet(set);
    String name = podName(i);
    String digest = String.format("%064x", (long) i * 2654435761L);
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .withUid(new java.util.UUID(i, 42).toString())
            .withResourceVersion(Long.toString(LIST_VERSION - 1 - i))
            .withCreationTimestamp("2026-11-30T09:00:00Z")
            .addToLabels("app", rs.substring(0, rs.lastIndexOf('-')))
            .addToLabels("pod-template-hash", "7998647bdf")
            .addToAnnotations("kubectl.kubernetes.io/restartedAt", "2026-11-30T09:00:00Z")
            .addNewOwnerReference()
            .withApiVersion("apps/v1")
            .withKind("ReplicaSet")
            .withName(rs)
            .withUid("rs-" + rs)
            .withController(true)
            .withBlockOwnerDeletion(true)
            .endOwnerReference()
            .withManagedFields(
                new ManagedFieldsEntryBuilder()
                    .withManager("kube-controller-manager")
                    .withOperation("Update")
                    .withApiVersion("v1")
                    .withTime("2026-11-30T09:00:00Z")
                    .withFieldsType("FieldsV1")
                    .build(),
                new ManagedFieldsEntryBuilder()
                    .withManager("kubelet")
                    .withOperation("Update")
                    .withApiVersion("v1")
                    .withTime("2026-11-30T09:00:05Z")
                    .withFieldsType("FieldsV1")
                    .withSubresource("status")
                    .build())
            .endMetadata()
            .withNewSpec()
            .withServiceAccountName("app")
            .withNodeName("node-" + i % 500)
            .withRestartPolicy("Always")
            .withDnsPolicy("ClusterFirst")
            .withSchedulerName("default-scheduler")
            .withTerminationGracePeriodSeconds(30L)
            .endSpec();
    for (String c : new String[] {"app", "envoy"}) {
      b.editSpec()
          .addToContainers(
              new ContainerBuilder()
                  .withName(c)
                  .withImage("registry.example.com/" + c + "@sha256:" + digest)
                  .withImagePullPolicy("IfNotPresent")
                  .addNewEnv()
                  .withName("LOG_LEVEL")
                  .withValue("info")
                  .endEnv()
                  .addNewEnv()
                  .withName("POD_NAME")
                  .withNewValueFrom()
                  .withNewFieldRef()
                  .withFieldPath("metadata.name")
                  .endFieldRef()
                  .endValueFrom()
                  .endEnv()
                  .addNewPort()
                  .withContainerPort(8080)
                  .withProtocol("TCP")
                  .endPort()
                  .withNewResources()
                  .addToRequests("cpu", new Quantity("250m"))
                  .addToRequests("memory", new Quantity("256Mi"))
                  .endResources()
                  .withNewReadinessProbe()
                  .withNewHttpGet()
                  .withPath("/ready")
                  .withNewPort(8080)
                  .endHttpGet()
                  .withPeriodSeconds(10)
                  .endReadinessProbe()
                  .addNewVolumeMount()
                  .withName("kube-api-access")
                  .withMountPath("/var/run/secrets/kubernetes.io/serviceaccount")
                  .withReadOnly(true)
                  .endVolumeMount()
                  .withTerminationMessagePath("/dev/termination-log")
                  .withTerminationMessagePolicy("File")
                  .build())
          .endSpec();
    }
    b.editSpec()
        .addNewVolume()
        .withName("kube-api-access")
        .withNewProjected()
        .addNewSource()
        .withNewServiceAccountToken()
        .withExpirationSeconds(3607L)
        .withPath("token")
        .endServiceAccountToken()
        .endSource()
        .endProjected()
        .endVolume()
        .addNewToleration()
        .withKey("node.kubernetes.io/not-ready")
        .withOperator("Exists")
        .withEffect("NoExecute")
        .withTolerationSeconds(300L)
        .endToleration()
        .endSpec();
    b.withNewStatus()
        .withPhase("Running")
        .withPodIP("10.4." + i % 250 + "." + i / 250 % 250)
        .withQosClass("Burstable")
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .withLastTransitionTime("2026-11-30T09:00:05Z")
        .endCondition()
        .addNewCondition()
        .withType("PodScheduled")
        .withStatus("True")
        .withLastTransitionTime("2026-11-30T09:00:00Z")
        .endCondition()
        .addNewContainerStatus()
        .withName("app")
        .withImage("registry.example.com/app@sha256:" + digest)
        .withImageID("registry.example.com/app@sha256:" + digest)
        .withReady(true)
        .withRestartCount(0)
        .withNewState()
        .withNewRunning()
        .withStartedAt("2026-11-30T09:00:04Z")
        .endRunning()
        .endState()
        .endContainerStatus()
        .addNewContainerStatus()
        .withName("envoy")
        .withImage("registry.example.com/envoy@sha256:" + digest)
        .withImageID("registry.example.com/envoy@sha256:" + digest)
        .withReady(true)
        .withRestartCount(0)
        .endContainerStatus()
        .endStatus();
    return b;
  }

  /** Heap in use after full collections. */
  private static long heapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
