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
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The {@code watch} measurement of {@code vigil bench ingest --watch-pods N}: the heap the pod
 * watcher keeps for N pods. fabric8's mock API server (CRUD mode, same JVM) is filled with N pods
 * as an API server sends them (managedFields, probes, env, volumes, conditions; ten pods per
 * ReplicaSet, 20 namespaces), the heap is measured after a full GC, then the watcher lists and
 * watches them all (every pod event to Kafka) and the heap is measured again: the difference is
 * what the watcher keeps.
 */
final class WatchBench {

  private static final int NAMESPACES = 20;
  // Strong reference: java.util.logging forgets levels of loggers nobody holds.
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
  private static final int PODS_PER_REPLICA_SET = 10;

  private WatchBench() {}

  /** Measures; returns the figures of measurement {@code watch}. */
  static Map<String, Object> run(int pods, RecordPublisher publisher, Consumer<String> log)
      throws Exception {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING); // one line per request otherwise
    KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
    KubernetesMockServer mock =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), crud, false);
    mock.init(InetAddress.getLoopbackAddress(), 0);
    try (KubernetesClient client = mock.createClient()) {
      log.accept("creating " + pods + " pods in the mock API server");
      long t0 = System.nanoTime();
      create(crud, pods);
      double createSeconds = (System.nanoTime() - t0) / 1e9;
      long before = heapAfterGc();
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
        // Every pod event acknowledged by Kafka, so that no record in flight is counted.
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (acked.get() < pods && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        if (acked.get() < pods) {
          throw new IllegalStateException(
              "only " + acked.get() + " of " + pods + " pod events reached Kafka");
        }
        long after = heapAfterGc();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("pods", pods);
        f.put("heapMiB", Math.round((after - before) / 1048576.0 * 10) / 10.0);
        f.put("heapBytesPerPod", pods == 0 ? 0 : (after - before) / pods);
        f.put("listAndSyncSeconds", Math.round(syncSeconds * 10) / 10.0);
        f.put("createSeconds", Math.round(createSeconds * 10) / 10.0);
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
   * Creates the pods and their ReplicaSets through the CRUD dispatcher, as a POST would (it sets
   * uid, resourceVersion and creationTimestamp), without the HTTP round trips.
   */
  private static void create(KubernetesCrudDispatcher crud, int pods) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> done = new ArrayList<>();
      int sets = (pods + PODS_PER_REPLICA_SET - 1) / PODS_PER_REPLICA_SET;
      for (int s = 0; s < sets; s++) {
        int set = s;
        done.add(
            pool.submit(
                () -> {
                  String ns = "team-" + set % NAMESPACES;
                  String rs = "app-" + set + "-7998647bdf";
                  post(
                      crud,
                      "/apis/apps/v1/namespaces/" + ns + "/replicasets",
                      new ReplicaSetBuilder()
                          .withNewMetadata()
                          .withNamespace(ns)
                          .withName(rs)
                          .addNewOwnerReference()
                          .withApiVersion("apps/v1")
                          .withKind("Deployment")
                          .withName("app-" + set)
                          .withUid("d-" + set)
                          .withController(true)
                          .endOwnerReference()
                          .endMetadata()
                          .build());
                  for (int i = set * PODS_PER_REPLICA_SET;
                      i < Math.min(pods, (set + 1) * PODS_PER_REPLICA_SET);
                      i++) {
                    post(crud, "/api/v1/namespaces/" + ns + "/pods", pod(ns, rs, i));
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void post(KubernetesCrudDispatcher crud, String path, Object resource) {
    MockResponse r =
        crud.handleCreate(
            new RecordedRequest(
                "HTTP/1.1",
                HttpMethod.POST,
                path,
                Headers.builder().add("Content-Type", "application/json").build(),
                new Buffer(Serialization.asJson(resource).getBytes(StandardCharsets.UTF_8))));
    if (r.code() / 100 != 2) {
      throw new IllegalStateException("the mock API server refused " + path + ": " + r.code());
    }
  }

  /** A pod as a kube-apiserver returns it (about 4 KB of JSON). */
  private static Pod pod(String ns, String rs, int i) {
    String name = rs + "-" + Integer.toString(i, 36);
    String digest = String.format("%064x", (long) i * 2654435761L);
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .withUid(new java.util.UUID(i, 42).toString())
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
    return b.build();
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
