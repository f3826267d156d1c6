package dev.vigil.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.cli.bench.Fleet.Stage;
import dev.vigil.ingest.translate.PodTranslator;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.PodEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The bench's cluster: replica counts, pod templates and each pod's life as the API server says.
 */
class FleetTest {

  @Test
  void replicaCountsRunFromOneToFiftyWithAMeanOfAboutTen() {
    SplittableRandom r = new SplittableRandom(1);
    long sum = 0;
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (int i = 0; i < 20_000; i++) {
      int n = Fleet.replicas(r);
      sum += n;
      min = Math.min(min, n);
      max = Math.max(max, n);
    }
    assertEquals(1, min);
    assertEquals(Fleet.MAX_REPLICAS, max);
    double mean = sum / 20_000.0;
    assertTrue(mean > 9 && mean < 11, "mean " + mean);
  }

  @Test
  void theListHasOneRunningPodPerReplicaAndPodsOfADeploymentShareTheirTemplate() {
    Fleet fleet = new Fleet(7);
    Fleet.Plan list = fleet.list(2_000);

    assertEquals(2_000, list.size());
    assertEquals(2_000, fleet.alivePods());
    Map<String, List<PodEvent>> byOwner = new HashMap<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      assertEquals(Stage.LISTED, list.stage(i));
      PodEvent e = fleet.event(list.pod(i), list.stage(i), i);
      assertEquals(PodEvent.Type.ADDED, e.type());
      assertEquals("Running", e.phase());
      e.images().forEach(c -> assertNotNull(c.imageId(), c.toString()));
      assertTrue(names.add(e.name()), "pod names are unique: " + e.name());
      byOwner.computeIfAbsent(e.owner().key(), k -> new ArrayList<>()).add(e);
    }
    assertEquals(fleet.workloads(), byOwner.size());
    assertTrue(byOwner.size() > 100 && byOwner.size() < 300, "deployments " + byOwner.size());
    for (List<PodEvent> pods : byOwner.values()) {
      assertTrue(pods.size() <= Fleet.MAX_REPLICAS);
      PodEvent first = pods.get(0);
      for (PodEvent p : pods) {
        assertEquals(first.namespace(), p.namespace());
        assertEquals(first.serviceAccount(), p.serviceAccount());
        assertEquals(first.images(), p.images());
        assertEquals(first.labels(), p.labels());
        assertTrue(
            p.name()
                .startsWith(
                    first.owner().name() + "-" + first.labels().get("pod-template-hash") + "-"));
      }
    }
  }

  @Test
  void theWatchHasExactlyTheEventsAskedForAndEveryPodLivesAsTheApiServerReportsIt() {
    Fleet fleet = new Fleet(11);
    fleet.list(1_000);
    Fleet.Plan watch = fleet.watch(5_003);

    assertEquals(5_003, watch.size());
    Map<Integer, List<Stage>> lives = new HashMap<>();
    Map<Integer, PodEvent> previous = new HashMap<>();
    Map<Stage, Integer> counts = new HashMap<>();
    for (int i = 0; i < watch.size(); i++) {
      int pod = watch.pod(i);
      Stage stage = watch.stage(i);
      counts.merge(stage, 1, Integer::sum);
      lives.computeIfAbsent(pod, k -> new ArrayList<>()).add(stage);
      PodEvent e = fleet.event(pod, stage, i);
      boolean digests = e.images().stream().map(ContainerImage::imageId).allMatch(id -> id != null);
      boolean none = e.images().stream().map(ContainerImage::imageId).allMatch(id -> id == null);
      switch (stage) {
        case CREATED, SCHEDULED -> {
          assertEquals("Pending", e.phase());
          assertTrue(none, "no image ids before it runs: " + e);
        }
        default -> {
          assertEquals("Running", e.phase());
          assertTrue(digests, "image ids once running: " + e);
          e.images().forEach(c -> assertTrue(c.imageId().contains("@sha256:"), c.toString()));
        }
      }
      PodEvent before = previous.put(pod, e);
      if (stage.statusOnly() && before != null) {
        // Status-only: the pod watcher's fingerprint of what matters does not change.
        assertEquals(
            PodTranslator.fingerprint(before, false), PodTranslator.fingerprint(e, false), "" + e);
      } else if (before != null && stage != Stage.DELETED) {
        assertNotEquals(
            PodTranslator.fingerprint(before, false), PodTranslator.fingerprint(e, false));
      }
    }
    for (Stage s : Stage.values()) {
      if (s != Stage.LISTED) {
        assertTrue(counts.getOrDefault(s, 0) > 0, "some " + s + " events: " + counts);
      }
    }
    assertNull(counts.get(Stage.LISTED));
    List<Stage> bringUp = List.of(Stage.CREATED, Stage.SCHEDULED, Stage.RUNNING, Stage.READY);
    int created = 0;
    for (List<Stage> life : lives.values()) {
      int at = 0;
      if (life.get(0) == Stage.CREATED) {
        created++;
        assertEquals(bringUp, life.subList(0, 4), "a new pod's life: " + life);
        at = 4;
      }
      for (int i = at; i < life.size(); i++) {
        Stage s = life.get(i);
        assertTrue(
            s == Stage.RESTARTED || (s == Stage.DELETED && i == life.size() - 1),
            "then restarts, and DELETED last: " + life);
      }
    }
    assertEquals(counts.get(Stage.CREATED), created);
    // every pod deleted was replaced: as many pods as the list made, all running and ready
    assertEquals(counts.get(Stage.CREATED), counts.get(Stage.DELETED));
    assertEquals(1_000, fleet.alivePods());
    assertTrue(fleet.templates() > fleet.workloads(), "rollouts made new templates");
  }

  @Test
  void theSameSeedMakesTheSameClusterAndEvents() {
    Fleet a = new Fleet(3);
    Fleet b = new Fleet(3);
    a.list(500);
    b.list(500);
    Fleet.Plan pa = a.watch(1_000);
    Fleet.Plan pb = b.watch(1_000);
    for (int i = 0; i < pa.size(); i++) {
      assertEquals(a.key(pa.pod(i)), b.key(pb.pod(i)));
      assertEquals(pa.stage(i), pb.stage(i));
    }
    assertEquals(a.aliveKeys(), b.aliveKeys());
  }
}
