package dev.vigil.reliability.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.ingest.watch.PodWatcher;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Topics;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, fault "cut the watch and let the API server expire resource versions": fabric8's CRUD
 * mock API server; the pod watcher's first watch hangs, then ends with 410 Gone, while pods are
 * created, changed and deleted. After the watcher re-lists, the pod events it published (in the
 * order they were acknowledged, i.e. what {@code vigil.pod-events} holds) agree with the API
 * server's final state: the last event of every live pod is not a deletion and names its current
 * image; every deleted pod's last event is a deletion.
 *
 * <p>Limits (platform-notes §4): the mock ignores {@code resourceVersion} on watches, so the 410 is
 * scripted on the first watch only, and there is no history replay to test.
 */
class WatchCutIT {

  // Strong reference: java.util.logging forgets levels of loggers nobody holds.
  static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  /** How long the cut watch hangs before it ends with 410 Gone. */
  static final int CUT_MS = 10_000;

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void afterTheCutThePublishedEventsAgreeWithTheApiServer() throws Exception {
    MOCK_LOG.setLevel(Level.WARNING);
    // The CRUD-plus-expectations mock, by hand rather than @EnableKubernetesMockClient, so that a
    // slow shutdown of the mock (its own teardown, "Unable to close MockWebServer" on a loaded
    // machine) does not fail the test.
    Map<
            io.fabric8.mockwebserver.ServerRequest,
            java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>
        responses = new java.util.HashMap<>();
    server =
        new KubernetesMockServer(
            new io.fabric8.mockwebserver.Context(),
            new io.fabric8.mockwebserver.MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.init(java.net.InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    try {
      run();
    } finally {
      client.close();
      try {
        server.destroy();
      } catch (IllegalStateException slowShutdown) {
        System.out.println("watch cut: mock API server shutdown: " + slowShutdown.getMessage());
      }
    }
  }

  private void run() throws Exception {
    int pods = World.LONG ? 300 : 40;
    for (int i = 0; i < pods; i++) {
      client.resource(pod("team-" + (i % 3), "p-" + i, "nginx:1")).create();
    }
    String rv = client.pods().inAnyNamespace().list().getMetadata().getResourceVersion();
    server
        .expect()
        .get()
        .withPath(
            "/api/v1/pods?allowWatchBookmarks=true&resourceVersion="
                + rv
                + "&timeoutSeconds=600&watch=true")
        .andUpgradeToWebSocket()
        .open()
        .waitFor(CUT_MS)
        .andEmit(
            new WatchEvent(
                new StatusBuilder().withCode(410).withMessage("too old resource version").build(),
                "ERROR"))
        .done()
        .once();
    List<PodEvent> published = new CopyOnWriteArrayList<>();
    RecordPublisher publisher =
        new RecordPublisher() {
          @Override
          public void publishAll(List<? extends Outgoing<?>> records) {
            records.forEach(this::take);
          }

          @Override
          public CompletableFuture<Void> publishAsync(Outgoing<?> record) {
            take(record);
            return CompletableFuture.completedFuture(null);
          }

          private void take(Outgoing<?> r) {
            if (r.topic() == Topics.POD_EVENTS) {
              published.add((PodEvent) r.value());
            }
          }

          @Override
          public void close() {}
        };

    check(publisher, published, pods);
  }

  private void check(RecordPublisher publisher, List<PodEvent> published, int pods)
      throws Exception {
    try (PodWatcher watcher =
        new PodWatcher(
            "cut",
            client,
            List.of(),
            publisher,
            IngestMetrics.NOOP,
            Clock.systemUTC(),
            Duration.ZERO)) {
      watcher.start(Duration.ofSeconds(20));
      long cutStart = System.nanoTime();
      // While the watch is cut: delete a quarter, change the image of a quarter, create new ones.
      for (int i = 0; i < pods; i++) {
        String ns = "team-" + (i % 3);
        if (i % 4 == 0) {
          client.pods().inNamespace(ns).withName("p-" + i).delete();
        } else if (i % 4 == 1) {
          client
              .pods()
              .inNamespace(ns)
              .withName("p-" + i)
              .edit(
                  p ->
                      new PodBuilder(p)
                          .editSpec()
                          .editFirstContainer()
                          .withImage("nginx:2")
                          .endContainer()
                          .endSpec()
                          .build());
        }
      }
      for (int i = pods; i < pods + pods / 4; i++) {
        client.resource(pod("team-" + (i % 3), "p-" + i, "nginx:3")).create();
      }

      long mutatedMs = (System.nanoTime() - cutStart) / 1_000_000;
      // The mock ignores resourceVersion, so a change made after the re-list but before the new
      // watch would be lost here (a real API server replays it): make every change inside the cut.
      org.junit.jupiter.api.Assumptions.assumeTrue(
          mutatedMs < CUT_MS - 1000,
          "the changes took "
              + mutatedMs
              + " ms, longer than the cut; inconclusive on this machine");
      Map<String, String> truth = new TreeMap<>();
      for (Pod p : client.pods().inAnyNamespace().list().getItems()) {
        truth.put(
            p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
            p.getSpec().getContainers().get(0).getImage());
      }
      boolean agrees = World.await(() -> view(published).equals(truth), Duration.ofSeconds(60));
      Map<String, String> seen = view(published);
      Set<String> wrong = new TreeSet<>(truth.keySet());
      wrong.addAll(seen.keySet());
      wrong.removeIf(k -> java.util.Objects.equals(truth.get(k), seen.get(k)));
      System.out.printf(
          "watch cut: API server holds %d pods (%d deleted, %d changed, %d created during the cut);"
              + " published %d events; pods whose last event disagrees: %d%n",
          truth.size(), (pods + 3) / 4, (pods + 2) / 4, pods / 4, published.size(), wrong.size());
      Map<String, List<String>> history = new TreeMap<>();
      for (PodEvent e : published) {
        String k = e.namespace() + "/" + e.name();
        if (wrong.contains(k)) {
          history
              .computeIfAbsent(k, x -> new java.util.ArrayList<>())
              .add(e.type() + " " + e.images().get(0).image() + " rv=" + e.resourceVersion());
        }
      }
      assertEquals(
          Set.of(),
          wrong,
          "pods whose published state disagrees with the API server (truth "
              + wrong.stream().map(k -> k + "=" + truth.get(k)).toList()
              + "), their events: "
              + history);
      assertTrue(agrees);
    }
  }

  /** Live pods and their image, from the last event per pod. */
  static Map<String, String> view(List<PodEvent> events) {
    Map<String, PodEvent> last = new TreeMap<>();
    for (PodEvent e : events) {
      last.put(e.namespace() + "/" + e.name(), e);
    }
    return last.entrySet().stream()
        .filter(e -> e.getValue().type() != PodEvent.Type.DELETED)
        .collect(
            Collectors.toMap(
                Map.Entry::getKey,
                e -> e.getValue().images().get(0).image(),
                (a, b) -> b,
                TreeMap::new));
  }

  static Pod pod(String ns, String name, String image) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .withUid(ns + "-" + name)
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName("runner")
        .addNewContainer()
        .withName("main")
        .withImage(image)
        .endContainer()
        .endSpec()
        .build();
  }
}
