package dev.vigil.ingest.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.KafkaTopics;
import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.WorkloadRef;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The pod watcher against fabric8's CRUD mock API server and a real embedded broker. */
@EnableKubernetesMockClient(crud = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PodWatcherIT {

  // Strong reference: java.util.logging forgets levels of loggers nobody holds.
  static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  KubernetesMockServer server;
  KubernetesClient client;
  KafkaCluster kafka;
  KafkaRecordPublisher publisher;
  final AtomicInteger suppressed = new AtomicInteger();

  @BeforeAll
  void startBroker(@TempDir Path dir) throws Exception {
    MOCK_LOG.setLevel(Level.WARNING);
    kafka = KafkaClusters.forTests(dir);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      new TopicAdmin(admin, (short) 1).create(Topics.ALL);
    }
    publisher =
        new KafkaRecordPublisher(
            kafka.bootstrapServers(),
            Map.of(),
            "/vigil/ingest/test",
            Duration.ofSeconds(60),
            IngestMetrics.NOOP);
    KafkaTopics.warmUp(publisher, Duration.ofSeconds(120));
  }

  @AfterAll
  void stopBroker() {
    publisher.close();
    kafka.close();
  }

  @Test
  void podsCreatedChangedAndDeletedAppearWithTheirOwningWorkload() {
    String cluster = "crud-cluster";
    client
        .resource(
            new ReplicaSetBuilder()
                .withNewMetadata()
                .withNamespace("shop")
                .withName("web-5f7b")
                .withOwnerReferences(
                    new OwnerReferenceBuilder()
                        .withApiVersion("apps/v1")
                        .withKind("Deployment")
                        .withName("web")
                        .withUid("d1")
                        .withController(true)
                        .build())
                .endMetadata()
                .build())
        .create();
    client
        .resource(
            new JobBuilder()
                .withNewMetadata()
                .withNamespace("batch")
                .withName("report-29000000")
                .withOwnerReferences(
                    new OwnerReferenceBuilder()
                        .withApiVersion("batch/v1")
                        .withKind("CronJob")
                        .withName("report")
                        .withUid("c1")
                        .withController(true)
                        .build())
                .endMetadata()
                .build())
        .create();

    try (PodWatcher watcher =
        new PodWatcher(
            cluster,
            client,
            List.of(),
            publisher,
            countingMetrics(),
            Clock.systemUTC(),
            Duration.ZERO)) {
      watcher.start(Duration.ofSeconds(20));
      try (KubernetesClient other = server.createClient()) {
        other
            .resource(pod("shop", "web-5f7b-abcde", "nginx:1.25", "ReplicaSet", "web-5f7b"))
            .create();
        other
            .resource(pod("batch", "report-29000000-xyz", "report:1", "Job", "report-29000000"))
            .create();
        other
            .resource(
                new PodBuilder(pod("db", "pg-0", "postgres:16", "StatefulSet", "pg"))
                    .editSpec()
                    .addNewImagePullSecret("hub-mirror")
                    .endSpec()
                    .build())
            .create();
        other.resource(pod("default", "debug", "busybox", null, null)).create();
        // A change that matters: the image.
        other
            .pods()
            .inNamespace("default")
            .withName("debug")
            .edit(
                p ->
                    new PodBuilder(p)
                        .editSpec()
                        .editFirstContainer()
                        .withImage("busybox:1.36")
                        .endContainer()
                        .endSpec()
                        .build());
        // A change that does not: an activeDeadlineSeconds tweak.
        other
            .pods()
            .inNamespace("db")
            .withName("pg-0")
            .edit(
                p ->
                    new PodBuilder(p)
                        .editSpec()
                        .withActiveDeadlineSeconds(3600L)
                        .endSpec()
                        .build());
        // The kubelet reports the running digest.
        other
            .pods()
            .inNamespace("db")
            .withName("pg-0")
            .editStatus(
                p ->
                    new PodBuilder(p)
                        .withNewStatus()
                        .withPhase("Running")
                        .addNewContainerStatus()
                        .withName("main")
                        .withImage("postgres:16")
                        .withImageID("docker.io/library/postgres@sha256:" + "ab".repeat(32))
                        .endContainerStatus()
                        .endStatus()
                        .build());
        other.pods().inNamespace("default").withName("debug").delete();
      }

      List<PodEvent> events =
          KafkaTopics.values(
              KafkaTopics.readUntil(
                  kafka.bootstrapServers(),
                  Topics.POD_EVENTS,
                  got -> forCluster(KafkaTopics.values(got), cluster).size() >= 7,
                  Duration.ofSeconds(60)));
      List<PodEvent> mine = forCluster(events, cluster);

      Map<String, List<String>> byPod =
          mine.stream()
              .collect(
                  Collectors.groupingBy(
                      PodEvent::name,
                      java.util.LinkedHashMap::new,
                      Collectors.mapping(e -> e.type().name(), Collectors.toList())));
      assertEquals(
          Map.of(
              "web-5f7b-abcde", List.of("ADDED"),
              "report-29000000-xyz", List.of("ADDED"),
              "pg-0", List.of("ADDED", "MODIFIED"),
              "debug", List.of("ADDED", "MODIFIED", "DELETED")),
          Map.copyOf(byPod),
          "events per pod: " + mine);
      assertEquals(
          new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "shop", "web"),
          owner(mine, "web-5f7b-abcde"));
      assertEquals(
          new WorkloadRef(WorkloadRef.Kind.CRON_JOB, "batch", "report"),
          owner(mine, "report-29000000-xyz"));
      assertEquals(new WorkloadRef(WorkloadRef.Kind.STATEFUL_SET, "db", "pg"), owner(mine, "pg-0"));
      assertEquals(new WorkloadRef(WorkloadRef.Kind.POD, "default", "debug"), owner(mine, "debug"));
      PodEvent running = last(mine, "pg-0");
      assertEquals("Running", running.phase());
      assertEquals(
          List.of(
              new ContainerImage(
                  "main",
                  ContainerImage.Kind.CONTAINER,
                  "postgres:16",
                  "docker.io/library/postgres@sha256:" + "ab".repeat(32))),
          running.images());
      assertEquals(
          List.of("hub-mirror"),
          running.imagePullSecrets(),
          "pull secret names travel (never contents)");
      assertEquals(List.of(), last(mine, "web-5f7b-abcde").imagePullSecrets());
      assertTrue(
          mine.stream()
              .allMatch(e -> e.key().equals(cluster + "/" + e.namespace() + "/" + e.name())));
      assertTrue(suppressed.get() >= 1, "the activeDeadlineSeconds change was not published");
    }
  }

  @Test
  void aPodDeletedWhileTheWatchHadExpiredStillProducesADeletion() {
    String cluster = "expiry-cluster";
    client.resource(pod("team", "keep", "nginx:1", null, null)).create();
    client.resource(pod("team", "gone", "nginx:1", null, null)).create();
    String rv = client.pods().inAnyNamespace().list().getMetadata().getResourceVersion();
    // The informer's first watch is cut off: nothing arrives for a while, then 410 Gone.
    server
        .expect()
        .get()
        .withPath(
            "/api/v1/pods?allowWatchBookmarks=true&resourceVersion="
                + rv
                + "&timeoutSeconds=600&watch=true")
        .andUpgradeToWebSocket()
        .open()
        .waitFor(1500)
        .andEmit(
            new WatchEvent(
                new StatusBuilder().withCode(410).withMessage("too old resource version").build(),
                "ERROR"))
        .done()
        .once();

    try (PodWatcher watcher =
        new PodWatcher(
            cluster,
            client,
            List.of(),
            publisher,
            IngestMetrics.NOOP,
            Clock.systemUTC(),
            Duration.ZERO)) {
      watcher.start(Duration.ofSeconds(20));
      // Deleted while the watcher's watch is the scripted one: it never hears of it directly.
      client.pods().inNamespace("team").withName("gone").delete();
      // After the 410 the watcher re-lists and watches the CRUD server again.
      client.resource(pod("team", "late", "nginx:2", null, null)).create();

      List<PodEvent> mine =
          forCluster(
              KafkaTopics.values(
                  KafkaTopics.readUntil(
                      kafka.bootstrapServers(),
                      Topics.POD_EVENTS,
                      got -> forCluster(KafkaTopics.values(got), cluster).size() >= 4,
                      Duration.ofSeconds(60))),
              cluster);

      assertTrue(podListRequests() >= 2, "the watcher re-listed after the 410");
      assertEquals(
          List.of("ADDED keep", "ADDED gone", "DELETED gone", "ADDED late"),
          mine.stream().map(e -> e.type() + " " + e.name()).sorted(this::byScenario).toList(),
          "events: " + mine);
    }
  }

  /** Pod list requests the mock served (initial list and re-lists, not watches). */
  private int podListRequests() {
    int lists = 0;
    try {
      for (int i = 0; i < server.getRequestCount(); i++) {
        var r = server.takeRequest(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (r == null) {
          break;
        }
        String path = r.getPath();
        if (path.startsWith("/api/v1/pods") && !path.contains("watch=true")) {
          lists++;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return lists;
  }

  private int byScenario(String a, String b) {
    List<String> order = List.of("ADDED keep", "ADDED gone", "DELETED gone", "ADDED late");
    return Integer.compare(
        order.indexOf(a) < 0 ? 99 : order.indexOf(a), order.indexOf(b) < 0 ? 99 : order.indexOf(b));
  }

  private IngestMetrics countingMetrics() {
    return new IngestMetrics() {
      @Override
      public void podEventSuppressed(String clusterId) {
        suppressed.incrementAndGet();
      }
    };
  }

  static Pod pod(String ns, String name, String image, String ownerKind, String ownerName) {
    PodBuilder b =
        new PodBuilder()
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
            .endSpec();
    if (ownerKind != null) {
      b.editMetadata()
          .addToOwnerReferences(
              new OwnerReferenceBuilder()
                  .withApiVersion("v1")
                  .withKind(ownerKind)
                  .withName(ownerName)
                  .withUid("owner-" + ownerName)
                  .withController(true)
                  .build())
          .endMetadata();
    }
    return b.build();
  }

  static List<PodEvent> forCluster(List<PodEvent> events, String cluster) {
    return events.stream().filter(e -> e.clusterId().equals(cluster)).toList();
  }

  static WorkloadRef owner(List<PodEvent> events, String name) {
    return last(events, name).owner();
  }

  static PodEvent last(List<PodEvent> events, String name) {
    return events.stream().filter(e -> e.name().equals(name)).reduce((a, b) -> b).orElseThrow();
  }
}
