package dev.vigil.cli.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.ingest.watch.PodWatcher;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.WorkloadRef;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The {@code watch} measurement against the paged mock API server: the pod watcher lists every pod
 * served, in pages of its limit, resolves each to its Deployment through the ReplicaSets served,
 * and sees the changes its open watch delivers.
 */
class WatchBenchTest {

  /** Not a multiple of the watcher's page of 500, so the last page is a short one. */
  private static final int PODS = 1234;

  @Test
  void theWatcherSeesEveryPodServedAndTheWatchedChanges() throws Exception {
    Recording recording = new Recording();

    Map<String, Object> f = WatchBench.run(PODS, recording, System.out::println);
    System.out.println(f);

    Map<String, Integer> served = new HashMap<>();
    for (int i = 0; i < PODS; i++) {
      served.put(WatchBench.podNamespace(i) + "/" + WatchBench.podName(i), i);
    }
    Map<String, PodEvent> added = new HashMap<>();
    Set<String> modified = new HashSet<>();
    for (PodEvent e : recording.published) {
      String pod = e.namespace() + "/" + e.name();
      assertTrue(served.containsKey(pod), "not served: " + pod);
      if (e.type() == PodEvent.Type.ADDED) {
        assertEquals(null, added.put(pod, e), "listed twice: " + pod);
      } else {
        assertEquals(PodEvent.Type.MODIFIED, e.type(), e.toString());
        assertTrue(modified.add(pod), "changed twice: " + pod);
      }
    }
    assertEquals(served.keySet(), added.keySet());
    for (PodEvent e : added.values()) {
      int i = served.get(e.namespace() + "/" + e.name());
      assertEquals(
          new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, e.namespace(), WatchBench.podDeployment(i)),
          e.owner(),
          e.toString());
    }
    // The first pods start terminating on the watch, after the list.
    Set<String> changed = new HashSet<>();
    for (int i = 0; i < WatchBench.CHANGES; i++) {
      changed.add(WatchBench.podNamespace(i) + "/" + WatchBench.podName(i));
    }
    assertEquals(changed, modified);

    assertEquals(PODS, f.get("pods"));
    assertEquals((long) PODS + WatchBench.CHANGES, f.get("podEventsPublished"));
    assertEquals((long) (PODS + 499) / 500, f.get("podListPages"), f.toString());
    assertEquals(0L, f.get("unknownRequests"), f.toString());
    assertTrue(f.get("heapMiB") instanceof Double, f.toString());
  }

  @Test
  void podsOfTheFirstPagesArePublishedWhileTheRestOfTheListIsComing() throws Exception {
    Recording recording = new Recording();
    PagedApiServer api = WatchBench.apiServer(PODS);
    AtomicBoolean publishedBeforeLastPage = new AtomicBoolean();
    // Holds the last page of pods until the watcher has published a pod (or 20 s went by).
    Dispatcher holding =
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            if (path.startsWith(WatchBench.PODS + "?")
                && path.contains("continue=")
                && api.collection(WatchBench.PODS).pages() == (PODS - 1) / 500) {
              long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
              while (recording.published.isEmpty() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
              }
              publishedBeforeLastPage.set(!recording.published.isEmpty());
            }
            return api.dispatch(request);
          }
        };
    KubernetesMockServer mock =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), holding, false);
    mock.init(InetAddress.getLoopbackAddress(), 0);
    try (KubernetesClient client = mock.createClient();
        PodWatcher watcher =
            new PodWatcher(
                "paged",
                client,
                List.of(),
                recording,
                IngestMetrics.NOOP,
                Clock.systemUTC(),
                Duration.ZERO)) {
      watcher.start(Duration.ofMinutes(2));

      assertTrue(publishedBeforeLastPage.get(), "nothing published before the last page");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> recording.published.size() == PODS + WatchBench.CHANGES);
      assertEquals(3, api.collection(WatchBench.PODS).pages());
    } finally {
      try {
        mock.destroy();
      } catch (IllegalStateException e) {
        // Its web server may time out closing the open watches; what was asserted stands.
      }
    }
  }

  /** Keeps every pod event "published", acknowledged at once. */
  private static final class Recording implements RecordPublisher {
    final ConcurrentLinkedQueue<PodEvent> published = new ConcurrentLinkedQueue<>();

    @Override
    public void publishAll(List<? extends Outgoing<?>> records) {
      records.forEach(this::publishAsync);
    }

    @Override
    public CompletableFuture<Void> publishAsync(Outgoing<?> record) {
      published.add((PodEvent) record.value());
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {}
  }
}
