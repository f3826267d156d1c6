package dev.vigil.cli.bench;

import dev.vigil.cli.bench.Workload.Profile;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Keys;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.WorkloadRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The benchmark's cluster (ADR 0135): Deployments whose replica counts are drawn from 1 to 50 (mean
 * about 10), each running pods of one pod template (same namespace, service account, images and
 * labels; only the pod's name and uid differ), and the pod events the API server reports for them.
 *
 * <p>A run starts with the <em>list</em>: one ADDED event per running pod, with the kubelet's image
 * ids, as a watcher's initial list reports a running cluster. Then the <em>watch</em> stream, by
 * budget of events: about 30 % restarts (one MODIFIED each), 40 % pods replaced after an eviction
 * (DELETED, then the replacement's life) and 30 % rollouts (every pod of a Deployment replaced by
 * one of a new template). Each new pod's life is ADDED (Pending, no image ids), MODIFIED
 * (scheduled, still Pending), MODIFIED (Running, with the image ids) and MODIFIED (ready). The
 * events of different pods interleave in the order of a simulated clock. After a list or a watch,
 * every pod that exists is running and ready, and there are as many as the list made.
 *
 * <p>{@link PodEvent} has no node name, conditions or restart count: the scheduled, ready and
 * restart events differ from the pod's previous one only in resource version and times
 * (status-only; today's pod watcher would not publish them, the bench writes them to {@code
 * vigil.pod-events} as the API server reports them).
 *
 * <p>Deterministic for a seed. Not thread-safe.
 */
final class Fleet {

  /** What a pod event says about a pod's life. */
  enum Stage {
    /** ADDED by the initial list: already running, with image ids. */
    LISTED(PodEvent.Type.ADDED, "Running", true),
    /** ADDED by the watch: created, Pending, no image ids yet. */
    CREATED(PodEvent.Type.ADDED, "Pending", false),
    /** MODIFIED: bound to a node, still Pending. */
    SCHEDULED(PodEvent.Type.MODIFIED, "Pending", false),
    /** MODIFIED: containers started, the kubelet reports image ids. */
    RUNNING(PodEvent.Type.MODIFIED, "Running", true),
    /** MODIFIED: readiness probe passed. */
    READY(PodEvent.Type.MODIFIED, "Running", true),
    /** MODIFIED: a container restarted. */
    RESTARTED(PodEvent.Type.MODIFIED, "Running", true),
    /** DELETED: the pod's last state. */
    DELETED(PodEvent.Type.DELETED, "Running", true);

    final PodEvent.Type type;
    final String phase;
    final boolean imageIds;

    Stage(PodEvent.Type type, String phase, boolean imageIds) {
      this.type = type;
      this.phase = phase;
      this.imageIds = imageIds;
    }

    /** Whether the event changes nothing a {@link PodEvent} carries but versions and times. */
    boolean statusOnly() {
      return this == SCHEDULED || this == READY || this == RESTARTED;
    }
  }

  static final int MAX_REPLICAS = 50;

  /** Geometric replica counts with mean 10, redrawn above {@link #MAX_REPLICAS}. */
  private static final double REPLICA_P = 0.1;

  private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final long SUFFIXES = 14_348_907L; // 27^5
  private static final long HASHES = 205_891_132_094_649L; // 27^10
  private static final Stage[] STAGES = Stage.values();

  /** One pod template: what every pod of one Deployment's ReplicaSet shares. */
  record Template(
      int workload,
      int generation,
      Profile profile,
      String namespace,
      String serviceAccount,
      String hash,
      WorkloadRef owner,
      List<ContainerImage> pending,
      List<ContainerImage> running,
      Map<String, String> labels) {}

  private final SplittableRandom random;
  private final List<Template> templates = new ArrayList<>();
  // per workload
  private int[] workloadReplicas = new int[64];
  private int[] workloadFirstSlot = new int[64];
  private int[] workloadTemplate = new int[64];
  private int workloads;
  // per slot (a replica of a Deployment): its current pod and when it is free for the next change
  private int[] slotPod = new int[256];
  private long[] slotFree = new long[256];
  private int slots;
  // per pod: its template
  private int[] podTemplate = new int[256];
  private int pods;
  private long clock;

  Fleet(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** A replica count from 1 to {@link #MAX_REPLICAS}, geometric with mean about 10. */
  static int replicas(SplittableRandom r) {
    while (true) {
      int n = 1 + (int) Math.floor(Math.log(1 - r.nextDouble()) / Math.log(1 - REPLICA_P));
      if (n <= MAX_REPLICAS) {
        return n;
      }
    }
  }

  // ---- plans -----------------------------------------------------------------------------------

  /**
   * Creates Deployments until they run {@code count} pods (the last one gets the replicas that are
   * left) and returns the initial list: one {@link Stage#LISTED} event per pod, by Deployment.
   */
  Plan list(int count) {
    Plan plan = new Plan(count);
    int made = 0;
    while (made < count) {
      int w = workloads++;
      int replicas = Math.min(count - made, replicas(random));
      workloadReplicas = grow(workloadReplicas, w);
      workloadFirstSlot = grow(workloadFirstSlot, w);
      workloadTemplate = grow(workloadTemplate, w);
      workloadReplicas[w] = replicas;
      workloadFirstSlot[w] = slots;
      workloadTemplate[w] = template(w, 0);
      for (int i = 0; i < replicas; i++) {
        int s = slots++;
        slotPod = grow(slotPod, s);
        slotFree = grow(slotFree, s);
        slotPod[s] = newPod(workloadTemplate[w]);
        slotFree[s] = 0;
        plan.add(0, slotPod[s], Stage.LISTED);
      }
      made += replicas;
    }
    return plan.sorted();
  }

  /**
   * The watch stream of exactly {@code events} pod events over the pods that exist: restarts,
   * evicted pods replaced and rollouts, interleaved by a simulated clock. Every pod it creates is
   * ready, and every pod it deletes is replaced, by its last event.
   */
  Plan watch(long events) {
    Plan plan = new Plan((int) Math.min(Integer.MAX_VALUE - 8, events));
    if (slots == 0) {
      throw new IllegalStateException("no pods to watch: list some first");
    }
    long start = clock;
    long horizon = Math.max(60_000, events * 20); // ms of simulated time the changes spread over
    long left = events;
    long rollouts = events * 3 / 10;
    long replacements = events * 4 / 10;
    while (true) {
      int w = random.nextInt(workloads);
      long cost = 5L * workloadReplicas[w];
      if (cost > rollouts) {
        break;
      }
      rollout(plan, w, start + random.nextLong(horizon));
      rollouts -= cost;
      left -= cost;
    }
    while (replacements >= 5) {
      replace(plan, random.nextInt(slots), start + random.nextLong(horizon));
      replacements -= 5;
      left -= 5;
    }
    for (; left > 0; left--) {
      int s = random.nextInt(slots);
      long t = Math.max(start + random.nextLong(horizon), slotFree[s] + gap(1_000, 60_000));
      plan.add(t, slotPod[s], Stage.RESTARTED);
      slotFree[s] = t;
    }
    for (int s = 0; s < slots; s++) {
      clock = Math.max(clock, slotFree[s]);
    }
    return plan.sorted();
  }

  /** Every pod of Deployment {@code w} replaced by one of a new template, one at a time. */
  private void rollout(Plan plan, int w, long at) {
    int first = workloadFirstSlot[w];
    int n = workloadReplicas[w];
    long t = at;
    for (int i = 0; i < n; i++) {
      t = Math.max(t, slotFree[first + i] + gap(1_000, 10_000));
    }
    Template old = templates.get(workloadTemplate[w]);
    workloadTemplate[w] = template(w, old.generation() + 1);
    for (int i = 0; i < n; i++) {
      int s = first + i;
      int pod = newPod(workloadTemplate[w]);
      long ready = bringUp(plan, pod, t);
      long deleted = ready + gap(100, 1_000);
      plan.add(deleted, slotPod[s], Stage.DELETED);
      slotPod[s] = pod;
      slotFree[s] = deleted;
      t = ready; // maxUnavailable 0, maxSurge 1: the next pod starts when this one is ready
    }
  }

  /** The pod of slot {@code s} evicted and replaced by a new pod of its Deployment's template. */
  private void replace(Plan plan, int s, long at) {
    long t = Math.max(at, slotFree[s] + gap(1_000, 60_000));
    plan.add(t, slotPod[s], Stage.DELETED);
    int w = workloadOf(s);
    int pod = newPod(workloadTemplate[w]);
    slotPod[s] = pod;
    slotFree[s] = bringUp(plan, pod, t + gap(50, 500));
  }

  /** A new pod's life from ADDED to ready; returns when it is ready. */
  private long bringUp(Plan plan, int pod, long at) {
    plan.add(at, pod, Stage.CREATED);
    plan.add(at + gap(5, 50), pod, Stage.SCHEDULED);
    long running = at + gap(2_000, 15_000);
    plan.add(running, pod, Stage.RUNNING);
    long ready = running + gap(1_000, 10_000);
    plan.add(ready, pod, Stage.READY);
    return ready;
  }

  private long gap(long min, long max) {
    return min + random.nextLong(max - min);
  }

  private int workloadOf(int slot) {
    int lo = 0;
    int hi = workloads - 1;
    while (lo < hi) { // last workload whose first slot is <= slot
      int mid = (lo + hi + 1) >>> 1;
      if (workloadFirstSlot[mid] <= slot) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private int newPod(int template) {
    int p = pods++;
    podTemplate = grow(podTemplate, p);
    podTemplate[p] = template;
    return p;
  }

  // ---- templates, pods and events ---------------------------------------------------------------

  private int template(int w, int generation) {
    Profile profile = Workload.profile(w);
    String ns =
        switch (profile) {
          case TOOLS -> "tools";
          case SANDBOX -> "sandbox";
          default -> "team-" + Math.floorMod(w, 20);
        };
    String app = "svc-" + w;
    String hash = encode(Math.floorMod(mix(((long) w << 20) ^ generation), HASHES), 10);
    WorkloadRef owner = new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, ns, app);
    templates.add(
        new Template(
            w,
            generation,
            profile,
            ns,
            w % 3 == 0 ? "default" : app,
            hash,
            owner,
            images(profile, w, false),
            images(profile, w, true),
            Map.of(
                "app", app,
                "tier", w % 2 == 0 ? "backend" : "frontend",
                "pod-template-hash", hash)));
    return templates.size() - 1;
  }

  private static List<ContainerImage> images(Profile profile, int w, boolean running) {
    String init = pinned(Workload.REGISTRY + "/migrate");
    String app =
        switch (profile) {
          case COMPLIANT, SANDBOX -> pinned(Workload.signedRepo(w));
          case FAIL_OPEN ->
              w % 2 == 0 ? pinned(Workload.signedRepo(w)) : pinned(Workload.unsignedRepo(w));
          case TAG_ONLY -> Workload.signedRepo(w) + ":1." + Math.floorMod(w, 7);
          case UNSIGNED, TOOLS, BREAKGLASS -> pinned(Workload.unsignedRepo(w));
        };
    // The kubelet reports a digest for every running image, also one pulled by tag.
    String appId =
        profile == Profile.TAG_ONLY
            ? pinned(Workload.signedRepo(w) + ":1." + Math.floorMod(w, 7))
            : app;
    String sidecar = pinned(Workload.REGISTRY + "/envoy");
    return List.of(
        new ContainerImage(
            "migrate", ContainerImage.Kind.INIT_CONTAINER, init, running ? init : null),
        new ContainerImage("app", ContainerImage.Kind.CONTAINER, app, running ? appId : null),
        new ContainerImage(
            "envoy", ContainerImage.Kind.CONTAINER, sidecar, running ? sidecar : null));
  }

  private static String pinned(String image) {
    int tag = image.lastIndexOf(':');
    String repo = tag > image.lastIndexOf('/') ? image.substring(0, tag) : image;
    return repo + "@" + Workload.digest(repo);
  }

  Template templateOf(int pod) {
    return templates.get(podTemplate[pod]);
  }

  String podName(int pod) {
    Template t = templateOf(pod);
    long v = pod < SUFFIXES ? pod * 7_777_777L % SUFFIXES : pod;
    return t.owner().name() + "-" + t.hash() + "-" + encode(v, 5);
  }

  String key(int pod) {
    return Keys.pod(Workload.CLUSTER, templateOf(pod).namespace(), podName(pod));
  }

  /** The event for {@code pod} at {@code stage}. */
  PodEvent event(int pod, Stage stage, long resourceVersion) {
    Template t = templateOf(pod);
    String name = podName(pod);
    return new PodEvent(
        name + "@" + resourceVersion,
        Workload.CLUSTER,
        stage.type,
        t.namespace(),
        name,
        "uid-" + pod,
        t.serviceAccount(),
        stage.phase,
        t.owner(),
        stage.imageIds ? t.running() : t.pending(),
        t.labels(),
        Map.of(),
        String.valueOf(resourceVersion),
        Instant.now());
  }

  /**
   * The admission event that comes before a breakglass or fail-open pod's ADDED, else {@code null}.
   */
  AdmissionEvent admission(int pod) {
    Template t = templateOf(pod);
    if (t.profile() != Profile.BREAKGLASS && t.profile() != Profile.FAIL_OPEN) {
      return null;
    }
    boolean breakglass = t.profile() == Profile.BREAKGLASS;
    return new AdmissionEvent(
        "adm-" + pod,
        Workload.CLUSTER,
        AdmissionEvent.Source.KUBERNETES_AUDIT,
        "audit-" + pod,
        "ResponseComplete",
        "create",
        t.namespace(),
        podName(pod),
        null,
        "system:serviceaccount:kube-system:replicaset-controller",
        t.serviceAccount(),
        t.owner(),
        t.pending(),
        false,
        false,
        breakglass,
        breakglass
            ? null
            : new AdmissionEvent.FailedOpen(
                AdmissionEvent.FailedOpen.Mechanism.VALIDATING_WEBHOOK,
                "webhook timeout; failurePolicy: Ignore"),
        201,
        "Created",
        breakglass ? Map.of("alpha.image-policy.k8s.io/break-glass", "true") : Map.of(),
        Instant.now());
  }

  // ---- what exists
  // --------------------------------------------------------------------------------

  /** Pods that exist (every one running and ready after a list or watch). */
  int alivePods() {
    return slots;
  }

  int workloads() {
    return workloads;
  }

  int templates() {
    return templates.size();
  }

  int podsCreated() {
    return pods;
  }

  int replicasOf(int workload) {
    return workloadReplicas[workload];
  }

  /** The keys of the pods that exist whose template has {@code profile}. */
  List<String> aliveKeys(Profile profile) {
    List<String> out = new ArrayList<>();
    for (int s = 0; s < slots; s++) {
      if (templateOf(slotPod[s]).profile() == profile) {
        out.add(key(slotPod[s]));
      }
    }
    return out;
  }

  /** The keys of every pod that exists. */
  List<String> aliveKeys() {
    List<String> out = new ArrayList<>(slots);
    for (int s = 0; s < slots; s++) {
      out.add(key(slotPod[s]));
    }
    return out;
  }

  // ---- helpers
  // ------------------------------------------------------------------------------------

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** {@code v} (not negative) in Kubernetes' name alphabet, at least {@code width} characters. */
  static String encode(long v, int width) {
    StringBuilder b = new StringBuilder();
    long x = v;
    while (x > 0 || b.length() < width) {
      b.append(ALPHABET.charAt((int) (x % ALPHABET.length())));
      x /= ALPHABET.length();
    }
    return b.toString();
  }

  private static int[] grow(int[] a, int i) {
    return i < a.length ? a : Arrays.copyOf(a, Math.max(i + 1, a.length * 2));
  }

  private static long[] grow(long[] a, int i) {
    return i < a.length ? a : Arrays.copyOf(a, Math.max(i + 1, a.length * 2));
  }

  /** Pod events in the order the API server sends them: pod and stage, by simulated time. */
  static final class Plan {
    private long[] time;
    private int[] pod;
    private byte[] stage;
    private int size;
    private int[] order;

    Plan(int capacity) {
      time = new long[Math.max(16, capacity)];
      pod = new int[time.length];
      stage = new byte[time.length];
    }

    void add(long t, int p, Stage s) {
      if (size == time.length) {
        int n = size * 2;
        time = Arrays.copyOf(time, n);
        pod = Arrays.copyOf(pod, n);
        stage = Arrays.copyOf(stage, n);
      }
      time[size] = t;
      pod[size] = p;
      stage[size] = (byte) s.ordinal();
      size++;
    }

    /** Orders the events by time; ties keep the order they were added in. */
    Plan sorted() {
      long[] keys = new long[size];
      for (int i = 0; i < size; i++) {
        keys[i] = (time[i] << 32) | i; // simulated ms stay far below 2^31
      }
      Arrays.sort(keys);
      order = new int[size];
      for (int i = 0; i < size; i++) {
        order[i] = (int) keys[i];
      }
      return this;
    }

    int size() {
      return size;
    }

    /** The pod of the {@code i}-th event in order. */
    int pod(int i) {
      return pod[order[i]];
    }

    /** The stage of the {@code i}-th event in order. */
    Stage stage(int i) {
      return STAGES[stage[order[i]]];
    }
  }
}
