package dev.vigil.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.WorkloadRef;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
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
    ConcurrentLinkedQueue<PodEvent> published = new ConcurrentLinkedQueue<>();
    RecordPublisher recording =
        new RecordPublisher() {
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
        };

    Map<String, Object> f = WatchBench.run(PODS, recording, System.out::println);
    System.out.println(f);

    Map<String, Integer> served = new HashMap<>();
    for (int i = 0; i < PODS; i++) {
      served.put(WatchBench.podNamespace(i) + "/" + WatchBench.podName(i), i);
    }
    Map<String, PodEvent> added = new HashMap<>();
    Set<String> modified = new HashSet<>();
    for (PodEvent e : published) {
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
}
