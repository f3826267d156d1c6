package dev.vigil.reliability.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.PublishException;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.kafka.EmbeddedKafkaCluster;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.WorkloadRef;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, item 5: Vigil on a replicated cluster (one KRaft controller and three brokers, RF 3,
 * min ISR 2) while brokers and instances fail. Two ingest instances (each its own idempotent,
 * {@code acks=all} {@link KafkaRecordPublisher}, in this JVM) publish a steady load of pod events
 * and fail-open admissions, each retrying what Kafka did not acknowledge, as the pod watcher and
 * the audit webhook's API server do; three streams instances run in their own JVMs ({@link
 * StreamsProcessMain}, changelogs RF 3). Under that load the broker that leads most of the busiest
 * partitions is killed with SIGKILL (the brokers run in JVMs of their own), one streams instance is
 * killed with SIGKILL while the broker is away, the broker comes back while the killed instance
 * starts again, and the other two are rolled (SIGTERM, start again) one after the other.
 *
 * <p>The outcome must be that of an undisturbed run, which for this input is known in advance:
 * every pod with the unlisted image opens one {@code OPENED DENY} violation, resolved once if the
 * pod is deleted; every fail-open workload (one pod each) opens one follow-up that goes OPEN →
 * ESCALATED (unlisted image) or OPEN → VERIFIED (allowlisted), then RESOLVED once if the pod is
 * deleted; every acknowledged pod is judged. Compared per pod and per follow-up, read_committed.
 */
class BrokerFailoverIT {

  static final String GOOD = "us-docker.pkg.dev/acme/good/api@" + World.digest('a');
  static final String BAD = "us-docker.pkg.dev/acme/bad/api@" + World.digest('b');
  static final String APP = "vigil-failover";
  static final int INSTANCES = 3;

  /** Pause between two pods of one ingest instance: about 2 × 10 pods a second. */
  static final Duration PACE = Duration.ofMillis(100);

  /** A pod chosen for deletion is deleted this many pods of its ingest instance later. */
  static final int DELETE_LAG = 30;

  @TempDir static Path dir;

  /**
   * Each streams instance's whole output (Kafka Streams at INFO), one file per instance, kept after
   * the run for a post-mortem.
   */
  static final Path LOGS = Path.of("target", "failover-logs");

  static EmbeddedKafkaCluster cluster;

  /** Every child JVM ever started, so that {@link #stopEverything} kills any still alive. */
  static final List<Process> children = new CopyOnWriteArrayList<>();

  static final AtomicLong resourceVersions = new AtomicLong(1000);

  @AfterAll
  static void stopEverything() throws InterruptedException {
    for (Process p : children) {
      p.destroyForcibly();
    }
    for (Process p : children) {
      p.waitFor(30, TimeUnit.SECONDS);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void acknowledgedInputIsJudgedAndEveryTransitionAndFollowUpChangeHappensExactlyOnce()
      throws Exception {
    long t0 = System.nanoTime();
    List<String> phases = new ArrayList<>();
    java.nio.file.Files.createDirectories(LOGS);
    cluster =
        EmbeddedKafkaCluster.start(
            dir.resolve("kafka"), 3, EmbeddedKafkaCluster.Brokers.SEPARATE_JVMS);
    String bootstrap = cluster.bootstrapServers();
    phases.add("3 brokers running " + StreamsKillIT.seconds(t0));
    Ingest a = null;
    Ingest b = null;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      TopicAdmin topics = new TopicAdmin(admin, (short) 3, 2);
      topics.create(Topics.ALL);
      // The controller applies the default replication factor (Kafka Streams' internal topics
      // with replication.factor -1 get it): three copies here too.
      admin
          .createTopics(
              List.of(
                  new NewTopic("failover-default-replication", Optional.empty(), Optional.empty())))
          .all()
          .get(30, TimeUnit.SECONDS);
      topics.awaitServed(List.of("failover-default-replication"), Duration.ofSeconds(30));
      assertEquals(
          3,
          replicas(admin, "failover-default-replication"),
          "replicas of a topic created without a factor");
      phases.add("topics " + StreamsKillIT.seconds(t0));

      a = new Ingest("a", bootstrap);
      b = new Ingest("b", bootstrap);
      PolicyDocument v1 = World.policy(1, "ALWAYS_DENY", "us-docker.pkg.dev/acme/good/*");
      a.publish(new Outgoing<>(Topics.POLICIES, v1.key(), v1, "policy-1", Instant.now()), false);

      Instance[] streams = new Instance[INSTANCES];
      List<CompletableFuture<Instance>> starting = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        starting.add(Instance.startAsync(i + 1, bootstrap));
      }
      for (int i = 0; i < INSTANCES; i++) {
        streams[i] = starting.get(i).get(200, TimeUnit.SECONDS);
      }
      phases.add("3 streams instances running " + StreamsKillIT.seconds(t0));

      try (World.Outputs out =
          new World.Outputs(
              bootstrap, List.of(Topics.VERDICTS, Topics.VIOLATIONS, Topics.FOLLOWUPS))) {
        // Given steady load from two ingest instances, judged by three streams instances,
        a.start();
        b.start();
        assertTrue(
            poll(out, () -> judged(out).size() >= 50, Duration.ofSeconds(120)), "no steady state");
        phases.add("50 pods judged " + StreamsKillIT.seconds(t0));

        // when the leader of the busiest partitions is killed (SIGKILL: no controlled shutdown),
        int leader = busiestLeader(admin);
        cluster.killBroker(leader);
        phases.add("broker " + leader + " SIGKILLed " + StreamsKillIT.seconds(t0));
        poll(out, () -> false, Duration.ofSeconds(5));
        // one streams instance is killed while it is away,
        streams[0].kill();
        phases.add("instance 1 SIGKILLed " + StreamsKillIT.seconds(t0));
        poll(out, () -> false, Duration.ofSeconds(10));
        // the killed instance starts again while the broker comes back,
        CompletableFuture<Instance> restarted = Instance.startAsync(1, cluster.bootstrapServers());
        cluster.startBroker(leader);
        phases.add("broker " + leader + " back " + StreamsKillIT.seconds(t0));
        streams[0] = restarted.get(200, TimeUnit.SECONDS);
        phases.add("instance 1 running again " + StreamsKillIT.seconds(t0));
        // and the other two are rolled one after the other,
        for (int i = 1; i < INSTANCES; i++) {
          streams[i].stop();
          streams[i] = Instance.start(i + 1, cluster.bootstrapServers());
          phases.add("instance " + (i + 1) + " rolled " + StreamsKillIT.seconds(t0));
        }
        poll(out, () -> false, Duration.ofSeconds(5));
        a.stop();
        b.stop();
        phases.add("load stopped " + StreamsKillIT.seconds(t0));

        // then every acknowledged input is judged and every expected change is there, exactly once.
        Expected expected = Expected.of(a, b);
        boolean complete =
            poll(out, () -> compare(expected, out).complete(), Duration.ofSeconds(150));
        phases.add(
            (complete ? "outputs complete " : "outputs incomplete ") + StreamsKillIT.seconds(t0));
        if (!complete) {
          printStall(admin);
          Comparison gap = compare(expected, out);
          List<String> gaps = new ArrayList<>(gap.lost());
          gaps.addAll(gap.missing());
          printWhere(bootstrap, gaps);
        }
        // (a bounded extra look, for duplicates arriving late)
        poll(out, () -> false, Duration.ofSeconds(5));
        Comparison c = compare(expected, out);
        System.out.printf(
            "broker failover: acknowledged %d, lost %d, duplicated %d, missing %d%n",
            expected.acknowledged, c.lost.size(), c.duplicated.size(), c.missing.size());
        System.out.printf(
            "broker failover: %d pods (%d unlisted image, %d fail-open, %d deleted); expected %d violation"
                + " transitions and %d follow-up changes; found %d and %d; unexpected %d; ingest publish failures"
                + " retried %d; streams instances alive at the end %d of %d%n",
            expected.pods.size(),
            expected.pods.values().stream().filter(Pod::bad).count(),
            expected.pods.values().stream().filter(Pod::failOpen).count(),
            expected.pods.values().stream().filter(Pod::deleted).count(),
            expected.transitions.values().stream().mapToInt(List::size).sum(),
            expected.followUps.values().stream().mapToInt(List::size).sum(),
            out.values(Topics.VIOLATIONS, ViolationTransition.class).size(),
            out.values(Topics.FOLLOWUPS, FollowUp.class).size(),
            c.unexpected.size(),
            a.failures.get() + b.failures.get(),
            java.util.Arrays.stream(streams).filter(Instance::alive).count(),
            INSTANCES);
        System.out.println("broker failover: times from the start: " + String.join(", ", phases));
        assertTrue(c.lost.isEmpty(), "acknowledged but never judged: " + first(c.lost));
        assertTrue(c.duplicated.isEmpty(), "duplicated: " + first(c.duplicated));
        assertTrue(c.missing.isEmpty(), "missing: " + first(c.missing));
        assertTrue(c.unexpected.isEmpty(), "not in an undisturbed run: " + first(c.unexpected));
        for (Instance s : streams) {
          assertTrue(s.alive(), "streams instance " + s.n + " died by itself");
        }
      }
    } finally {
      if (a != null) {
        a.close();
      }
      if (b != null) {
        b.close();
      }
      stopEverything();
      children.clear();
      cluster = null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Input: two ingest instances.

  /** What was acknowledged about one pod. */
  record Pod(String name, boolean bad, boolean failOpen, boolean deleted) {}

  /**
   * One ingest instance: its own producer, its own pods ({@code <name>-<i>}). Pod i has the
   * unlisted image when i is odd, is admitted failing open (its own Deployment, so its own
   * follow-up) when i % 5 == 0, and is deleted {@link #DELETE_LAG} pods later when i % 3 == 0 and
   * it has a violation or a follow-up. Each record is published until Kafka acknowledges it.
   */
  static final class Ingest implements AutoCloseable {
    final String name;
    final KafkaRecordPublisher publisher;
    final Map<String, Pod> acknowledged = new ConcurrentHashMap<>();
    final AtomicInteger records = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    volatile boolean stopping;
    private final Thread thread;
    private volatile Throwable failed;

    Ingest(String name, String bootstrap) {
      this.name = name;
      this.publisher =
          new KafkaRecordPublisher(
              bootstrap,
              Map.of("client.id", "vigil-ingest-" + name),
              "/vigil/ingest/failover-" + name,
              Duration.ofSeconds(10),
              IngestMetrics.NOOP);
      this.thread = new Thread(this::run, "ingest-" + name);
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      stopping = true;
      thread.join(180_000);
      assertTrue(!thread.isAlive(), "ingest " + name + " did not stop");
      if (failed != null) {
        throw new AssertionError("ingest " + name + " failed", failed);
      }
    }

    private void run() {
      try {
        for (int i = 0; !stopping; i++) {
          String pod = name + "-" + i;
          boolean bad = i % 2 == 1;
          boolean failOpen = i % 5 == 0;
          String image = bad ? BAD : GOOD;
          WorkloadRef owner = new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, namespace(pod), pod);
          if (failOpen) {
            AdmissionEvent e = admission(pod, owner, image);
            publish(
                new Outgoing<>(
                    Topics.ADMISSION_EVENTS, e.key(), e, e.eventId(), e.requestReceivedAt()),
                true);
          }
          PodEvent added = podEvent(PodEvent.Type.ADDED, pod, owner, image);
          publish(
              new Outgoing<>(
                  Topics.POD_EVENTS, added.key(), added, added.eventId(), added.observedAt()),
              true);
          acknowledged.put(pod, new Pod(pod, bad, failOpen, false));
          int j = i - DELETE_LAG;
          if (j >= 0 && j % 3 == 0 && (j % 2 == 1 || j % 5 == 0)) {
            Pod victim = acknowledged.get(name + "-" + j);
            String victimImage = victim.bad() ? BAD : GOOD;
            WorkloadRef victimOwner =
                new WorkloadRef(
                    WorkloadRef.Kind.DEPLOYMENT, namespace(victim.name()), victim.name());
            PodEvent deleted =
                podEvent(PodEvent.Type.DELETED, victim.name(), victimOwner, victimImage);
            publish(
                new Outgoing<>(
                    Topics.POD_EVENTS,
                    deleted.key(),
                    deleted,
                    deleted.eventId(),
                    deleted.observedAt()),
                true);
            acknowledged.put(
                victim.name(), new Pod(victim.name(), victim.bad(), victim.failOpen(), true));
          }
          LockSupport.parkNanos(PACE.toNanos());
        }
      } catch (Throwable t) {
        failed = t;
      }
    }

    /** Publishes until acknowledged (at most 2 minutes), counting the attempts that failed. */
    void publish(Outgoing<?> record, boolean count) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (true) {
        try {
          publisher.publishAll(List.of(record));
          if (count) {
            records.incrementAndGet();
          }
          return;
        } catch (PublishException e) {
          failures.incrementAndGet();
          if (System.nanoTime() > deadline) {
            throw new AssertionError(
                "ingest "
                    + name
                    + ": Kafka did not acknowledge "
                    + record.ceId()
                    + " within 2 minutes",
                e);
          }
          Thread.sleep(200);
        }
      }
    }

    @Override
    public void close() {
      stopping = true;
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      publisher.close();
    }
  }

  static String namespace(String pod) {
    return "ns-" + Math.floorMod(pod.hashCode(), 8);
  }

  static PodEvent podEvent(PodEvent.Type type, String pod, WorkloadRef owner, String image) {
    long rv = resourceVersions.incrementAndGet();
    ContainerImage c = new ContainerImage("c0", ContainerImage.Kind.CONTAINER, image, image);
    return new PodEvent(
        pod + "@" + rv + "/" + type,
        World.CLUSTER,
        type,
        owner.namespace(),
        pod,
        "uid-" + pod,
        "default",
        "Running",
        owner,
        List.of(c),
        Map.of(),
        Map.of(),
        String.valueOf(rv),
        Instant.now());
  }

  static AdmissionEvent admission(String pod, WorkloadRef owner, String image) {
    ContainerImage c = new ContainerImage("c0", ContainerImage.Kind.CONTAINER, image, null);
    return new AdmissionEvent(
        "ev-audit-" + pod,
        World.CLUSTER,
        AdmissionEvent.Source.KUBERNETES_AUDIT,
        "audit-" + pod,
        "ResponseComplete",
        "create",
        owner.namespace(),
        pod,
        null,
        "system:serviceaccount:kube-system:replicaset-controller",
        "default",
        owner,
        List.of(c),
        false,
        false,
        false,
        new AdmissionEvent.FailedOpen(
            AdmissionEvent.FailedOpen.Mechanism.IMAGE_POLICY_WEBHOOK,
            "imagepolicywebhook.image-policy.k8s.io/failed-open=true"),
        201,
        "Created",
        Map.of(),
        Instant.now());
  }

  // ---------------------------------------------------------------------------------------------
  // Expected outcome, computed from the acknowledged input, and the comparison.

  /** What an undisturbed run publishes for the acknowledged input. */
  static final class Expected {
    final Map<String, Pod> pods = new TreeMap<>();

    /** Per pod: the violation transitions, as {@code TRANSITION:current}. */
    final Map<String, List<String>> transitions = new TreeMap<>();

    /** Per follow-up key: the states it goes through. */
    final Map<String, List<String>> followUps = new TreeMap<>();

    int acknowledged;

    static Expected of(Ingest... ingests) {
      Expected x = new Expected();
      for (Ingest in : ingests) {
        x.acknowledged += in.records.get();
        x.pods.putAll(in.acknowledged);
      }
      for (Pod p : x.pods.values()) {
        if (p.bad()) {
          x.transitions.put(
              p.name(),
              p.deleted() ? List.of("OPENED:DENY", "RESOLVED:DENY") : List.of("OPENED:DENY"));
        }
        if (p.failOpen()) {
          List<String> states =
              new ArrayList<>(List.of("OPEN", p.bad() ? "ESCALATED" : "VERIFIED"));
          if (p.deleted()) {
            states.add("RESOLVED");
          }
          x.followUps.put(followUpKey(p), states);
        }
      }
      return x;
    }

    static String followUpKey(Pod p) {
      return FollowUp.key(
          World.CLUSTER,
          new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, namespace(p.name()), p.name()),
          FollowUp.Kind.FAIL_OPEN);
    }
  }

  /**
   * Lost: acknowledged pods without any verdict, fail-open admissions without any follow-up.
   * Missing: expected changes not found. Duplicated: an expected change found more often than
   * expected. Unexpected: a change an undisturbed run does not make.
   */
  record Comparison(
      List<String> lost, List<String> duplicated, List<String> missing, List<String> unexpected) {
    boolean complete() {
      return lost.isEmpty() && missing.isEmpty();
    }
  }

  static Comparison compare(Expected x, World.Outputs out) {
    Set<String> judged = judged(out);
    Map<String, List<String>> transitions = new HashMap<>();
    for (ViolationTransition t : out.values(Topics.VIOLATIONS, ViolationTransition.class)) {
      transitions
          .computeIfAbsent(t.podName(), k -> new ArrayList<>())
          .add(t.transition() + ":" + t.current());
    }
    Map<String, List<String>> followUps = new HashMap<>();
    for (FollowUp f : out.values(Topics.FOLLOWUPS, FollowUp.class)) {
      followUps.computeIfAbsent(f.key(), k -> new ArrayList<>()).add(f.state().name());
    }
    List<String> lost = new ArrayList<>();
    for (Pod p : x.pods.values()) {
      if (!judged.contains(p.name())) {
        lost.add("pod " + p.name() + " (no verdict)");
      }
      if (p.failOpen() && !followUps.containsKey(Expected.followUpKey(p))) {
        lost.add("admission of " + p.name() + " (no follow-up)");
      }
    }
    List<String> duplicated = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    diff("violation of", x.transitions, transitions, duplicated, missing, unexpected);
    diff("follow-up", x.followUps, followUps, duplicated, missing, unexpected);
    return new Comparison(lost, duplicated, missing, unexpected);
  }

  private static void diff(
      String what,
      Map<String, List<String>> expected,
      Map<String, List<String>> found,
      List<String> duplicated,
      List<String> missing,
      List<String> unexpected) {
    Set<String> keys = new java.util.TreeSet<>(expected.keySet());
    keys.addAll(found.keySet());
    for (String key : keys) {
      Map<String, Long> want = counts(expected.getOrDefault(key, List.of()));
      Map<String, Long> got = counts(found.getOrDefault(key, List.of()));
      Set<String> entries = new java.util.TreeSet<>(want.keySet());
      entries.addAll(got.keySet());
      for (String e : entries) {
        long w = want.getOrDefault(e, 0L);
        long g = got.getOrDefault(e, 0L);
        String label =
            what + " " + key + " " + e + " (found " + found.getOrDefault(key, List.of()) + ")";
        for (long k = w; k < g; k++) {
          (w == 0 ? unexpected : duplicated).add(label);
        }
        for (long k = g; k < w; k++) {
          missing.add(label);
        }
      }
      if (want.equals(got)
          && !expected.getOrDefault(key, List.of()).equals(found.getOrDefault(key, List.of()))) {
        unexpected.add(what + " " + key + " in another order: " + found.get(key));
      }
    }
  }

  private static Map<String, Long> counts(List<String> l) {
    return l.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
  }

  static Set<String> judged(World.Outputs out) {
    return out.values(Topics.VERDICTS, Verdict.class).stream()
        .filter(v -> v.trigger() == Verdict.Trigger.POD_EVENT)
        .map(Verdict::podName)
        .collect(Collectors.toSet());
  }

  static String first(List<String> l) {
    return l.size() + " " + l.subList(0, Math.min(10, l.size()));
  }

  static boolean poll(
      World.Outputs out, java.util.function.BooleanSupplier done, Duration timeout) {
    return World.await(
        () -> {
          out.poll(Duration.ofMillis(200));
          return done.getAsBoolean();
        },
        timeout);
  }

  // ---------------------------------------------------------------------------------------------
  // The cluster.

  /** Replicas of partition 0, once a broker describes the topic (a broker's metadata can lag). */
  static int replicas(Admin admin, String topic) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        return admin
            .describeTopics(List.of(topic))
            .allTopicNames()
            .get(30, TimeUnit.SECONDS)
            .get(topic)
            .partitions()
            .get(0)
            .replicas()
            .size();
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause()
                instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  /**
   * What a stall looks like from the outside, printed when the outputs stay incomplete: every
   * partition the streams application reads (or Kafka's transaction state) whose committed offset
   * is behind its last stable offset, or whose last stable offset is behind its high watermark (an
   * open transaction), and every transaction still open.
   */
  static void printStall(Admin admin) {
    try {
      Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(APP)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      Set<String> names =
          admin
              .listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
              .names()
              .get(30, TimeUnit.SECONDS);
      for (TopicDescription d :
          admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
        for (TopicPartitionInfo p : d.partitions()) {
          latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
        }
      }
      var stable =
          admin
              .listOffsets(
                  latest,
                  new org.apache.kafka.clients.admin.ListOffsetsOptions(
                      org.apache.kafka.common.IsolationLevel.READ_COMMITTED))
              .all()
              .get(30, TimeUnit.SECONDS);
      var high = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
      for (TopicPartition tp :
          latest.keySet().stream()
              .sorted(Comparator.comparing(TopicPartition::toString))
              .toList()) {
        long lso = stable.get(tp).offset();
        long hw = high.get(tp).offset();
        var c = committed.get(tp);
        if (lso < hw || (c != null && c.offset() < lso)) {
          System.out.printf(
              "broker failover: stall? %s committed %s, last stable %d, high watermark %d%n",
              tp, c == null ? "-" : c.offset(), lso, hw);
        }
      }
      var open =
          admin.listTransactions().all().get(30, TimeUnit.SECONDS).stream()
              .filter(
                  t ->
                      t.state() != org.apache.kafka.clients.admin.TransactionState.COMPLETE_COMMIT
                          && t.state()
                              != org.apache.kafka.clients.admin.TransactionState.COMPLETE_ABORT
                          && t.state() != org.apache.kafka.clients.admin.TransactionState.EMPTY)
              .map(t -> t.transactionalId())
              .toList();
      if (!open.isEmpty()) {
        admin
            .describeTransactions(open)
            .all()
            .get(30, TimeUnit.SECONDS)
            .forEach(
                (id, t) ->
                    System.out.printf(
                        "broker failover: open transaction %s %s since %s, partitions %s%n",
                        id,
                        t.state(),
                        t.transactionStartTimeMs().isPresent()
                            ? Instant.ofEpochMilli(t.transactionStartTimeMs().getAsLong())
                            : "-",
                        t.topicPartitions()));
      }
      System.out.println("broker failover: open transactions " + open.size());
    } catch (Exception e) {
      System.out.println("broker failover: cannot describe the stall: " + e);
    }
  }

  /**
   * Post-mortem of what is lost or missing ("pod a-266 (no verdict)", "violation of a-105 …",
   * "follow-up …/a-120/FAIL_OPEN …"): for each pod named, its records in the input, the pod-state
   * changelog, the verdicts, violations and follow-up signals, committed and uncommitted (aborted
   * transactions included), and in the dead-letter topic. Tells input never processed (no state)
   * from output lost (state written) from work aborted and never redone (only uncommitted).
   */
  static void printWhere(String bootstrap, List<String> gaps) {
    Set<String> pods = new java.util.TreeSet<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\\b([ab]-\\d+)\\b").matcher(String.join(" ", gaps));
    while (m.find()) {
      pods.add(m.group(1));
    }
    List<String> topics =
        List.of(
            Topics.POD_EVENTS.name(),
            Topics.ADMISSION_EVENTS.name(),
            APP + "-pods-store-changelog",
            Topics.VERDICTS.name(),
            Topics.VIOLATIONS.name(),
            APP + "-followup-signals-repartition",
            APP + "-followups-store-changelog",
            Topics.FOLLOWUPS.name(),
            Topics.DEAD_LETTER.name());
    for (String isolation : List.of("read_committed", "read_uncommitted")) {
      Map<String, Object> config =
          Map.of(
              "bootstrap.servers",
              bootstrap,
              "isolation.level",
              isolation,
              "key.deserializer",
              org.apache.kafka.common.serialization.StringDeserializer.class,
              "value.deserializer",
              org.apache.kafka.common.serialization.StringDeserializer.class);
      try (var consumer =
          new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(config)) {
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : topics) {
          var infos = consumer.partitionsFor(t);
          if (infos != null) {
            infos.forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
          }
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, List<String>> found = new TreeMap<>();
        while (System.nanoTime() < deadline
            && parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
          for (var r : consumer.poll(Duration.ofMillis(500))) {
            String text =
                (r.key() == null ? "" : r.key()) + " " + (r.value() == null ? "" : r.value());
            for (String pod : pods) {
              if (text.matches("(?s).*\\b" + pod + "\\b.*")) {
                String what =
                    r.value() == null
                        ? "tombstone"
                        : r.value()
                            .replaceAll(
                                "(?s).*\\\"(type|transition|status|decision|state)\\\":\\\"([A-Z_]+)\\\".*",
                                "$2");
                found
                    .computeIfAbsent(pod, k -> new ArrayList<>())
                    .add(
                        r.topic()
                            + "-"
                            + r.partition()
                            + "@"
                            + r.offset()
                            + " "
                            + (what.length() > 40 ? "" : what));
              }
            }
          }
        }
        pods.forEach(
            pod ->
                System.out.printf(
                    "broker failover: post-mortem %s %s: %s%n",
                    isolation, pod, found.getOrDefault(pod, List.of())));
      } catch (Exception e) {
        System.out.println("broker failover: cannot read the topics: " + e);
      }
    }
  }

  /**
   * The broker that leads most of the ten partitions with the most records (Vigil's topics, the
   * streams changelogs and repartition topics, Kafka's offsets and transaction state).
   */
  static int busiestLeader(Admin admin) throws Exception {
    Set<String> names =
        admin
            .listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
            .names()
            .get(30, TimeUnit.SECONDS);
    Map<String, TopicDescription> described =
        admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    Map<TopicPartition, Integer> leaders = new HashMap<>();
    for (TopicDescription d : described.values()) {
      for (TopicPartitionInfo p : d.partitions()) {
        TopicPartition tp = new TopicPartition(d.name(), p.partition());
        assertEquals(3, p.replicas().size(), tp + " replicas");
        if (p.leader() != null) {
          latest.put(tp, OffsetSpec.latest());
          leaders.put(tp, p.leader().id());
        }
      }
    }
    Map<TopicPartition, Long> ends = new HashMap<>();
    admin
        .listOffsets(latest)
        .all()
        .get(30, TimeUnit.SECONDS)
        .forEach((tp, info) -> ends.put(tp, info.offset()));
    List<TopicPartition> busiest =
        ends.keySet().stream()
            .sorted(Comparator.comparing((TopicPartition tp) -> ends.get(tp)).reversed())
            .limit(10)
            .toList();
    Map<Integer, Long> led =
        busiest.stream().collect(Collectors.groupingBy(leaders::get, Collectors.counting()));
    int leader = led.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    System.out.printf(
        "broker failover: stopping broker %d, leader of %d of the 10 busiest partitions %s%n",
        leader,
        led.get(leader),
        busiest.stream().map(tp -> tp + "=" + ends.get(tp) + "@" + leaders.get(tp)).toList());
    return leader;
  }

  // ---------------------------------------------------------------------------------------------
  // Streams instances, each in its own JVM.

  /** One streams instance: a {@link StreamsProcessMain} JVM with its own state directory. */
  static final class Instance {
    final int n;
    final Process process;

    private Instance(int n, Process process) {
      this.n = n;
      this.process = process;
    }

    /** Starts instance {@code n} on the test class path and waits until it is RUNNING. */
    static Instance start(int n, String bootstrap) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder b =
          new ProcessBuilder(
                  java,
                  "-Xmx384m",
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1",
                  "-Dlog4j2.configurationFile=log4j2-failover.xml",
                  "-cp",
                  System.getProperty("java.class.path"),
                  StreamsProcessMain.class.getName(),
                  bootstrap,
                  dir.resolve("state-" + n).toString(),
                  APP,
                  "streams.replication-factor=3",
                  "streams.followup-flush-interval=2s")
              .redirectErrorStream(true);
      try {
        Process p = b.start();
        children.add(p);
        CompletableFuture<Boolean> running = new CompletableFuture<>();
        AtomicInteger shown = new AtomicInteger();
        Thread reader =
            new Thread(
                () -> {
                  try (BufferedReader r =
                          new BufferedReader(
                              new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                      java.io.PrintStream log =
                          new java.io.PrintStream(
                              new java.io.FileOutputStream(
                                  LOGS.resolve("streams-" + n + ".log").toFile(), true),
                              true,
                              StandardCharsets.UTF_8)) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                      log.println(line);
                      if (line.equals("RUNNING")) {
                        running.complete(true);
                      } else if ((line.contains("ERROR") || line.contains("Exception"))
                          && shown.incrementAndGet() <= 20) {
                        System.out.println("[streams " + n + "] " + line);
                      }
                    }
                  } catch (java.io.IOException e) {
                    // the process was killed
                  }
                  running.complete(false);
                },
                "streams-" + n + "-output");
        reader.setDaemon(true);
        reader.start();
        assertTrue(
            running.get(180, TimeUnit.SECONDS), "streams instance " + n + " did not reach RUNNING");
        return new Instance(n, p);
      } catch (Exception e) {
        throw new IllegalStateException("cannot start streams instance " + n, e);
      }
    }

    /** {@link #start} on a thread of its own. */
    static CompletableFuture<Instance> startAsync(int n, String bootstrap) {
      CompletableFuture<Instance> f = new CompletableFuture<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  f.complete(start(n, bootstrap));
                } catch (Throwable e) {
                  f.completeExceptionally(e);
                }
              },
              "start-streams-" + n);
      t.setDaemon(true);
      t.start();
      return f;
    }

    /** SIGKILL: no shutdown hook, no commit, no close. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertTrue(
          process.waitFor(30, TimeUnit.SECONDS), "instance " + n + " still alive after SIGKILL");
      assertEquals(137, process.exitValue(), "instance " + n + " killed by SIGKILL");
    }

    /** SIGTERM: the instance commits, leaves the group and exits, as in a rolling restart. */
    void stop() throws InterruptedException {
      process.destroy();
      assertTrue(
          process.waitFor(90, TimeUnit.SECONDS), "instance " + n + " did not stop after SIGTERM");
      assertEquals(143, process.exitValue(), "instance " + n + " stopped by SIGTERM");
    }

    boolean alive() {
      return process.isAlive();
    }
  }
}
