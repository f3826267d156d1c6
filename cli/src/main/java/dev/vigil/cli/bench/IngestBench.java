package dev.vigil.cli.bench;

import dev.vigil.cli.world.LoopbackTls;
import dev.vigil.cli.world.Pem;
import dev.vigil.ingest.http.HttpsReceiverServer;
import dev.vigil.ingest.http.IngestReceivers;
import dev.vigil.ingest.http.IngestRouter;
import dev.vigil.ingest.http.ReceiverSettings;
import dev.vigil.ingest.http.Tls;
import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;

/**
 * {@code vigil bench ingest}: the HTTPS audit receiver to Kafka, beside the limit of TLS and HTTP
 * alone on the same server. Several keep-alive clients post the same pre-built {@code EventList}
 * batches ({@link AuditMix}) in turns to {@code /audit/<cluster>} (parse, keep the pod admissions,
 * publish, 200 after Kafka's acknowledgement) and to a discard endpoint on the same server that
 * reads the body and answers 204. Each post goes to the next of many cluster ids, so the receiver's
 * de-duplication on {@code (cluster, auditID, stage)} never drops a re-posted batch.
 */
public final class IngestBench {

  /** What to run. */
  public record Options(
      int seconds,
      int rounds,
      int clients,
      int batch,
      int bodies,
      int threads,
      int watchPods,
      Path output,
      String bootstrapServers,
      Path dataDir,
      boolean keepData) {}

  private static final Pattern PUBLISHED = Pattern.compile("\"published\":(\\d+)");
  private static final int CLUSTERS = 500;

  private final Options o;
  private final PrintWriter out;
  private final Results results = new Results();

  private IngestBench(Options o, PrintWriter out) {
    this.o = o;
    this.out = out;
  }

  /** Runs it; returns the exit code. */
  public static int run(Options o, PrintWriter out) throws Exception {
    return new IngestBench(o, out).run();
  }

  private int run() throws Exception {
    for (var p :
        List.<Map.Entry<String, Object>>of(
            Map.entry("seconds", o.seconds()),
            Map.entry("rounds", o.rounds()),
            Map.entry("clients", o.clients()),
            Map.entry("batch", o.batch()),
            Map.entry("bodies", o.bodies()),
            Map.entry("threads", o.threads()),
            Map.entry("watchPods", o.watchPods()))) {
      results.parameter(p.getKey(), p.getValue());
    }
    try (BenchRun env =
        BenchRun.open(
            "bench-ingest", o.dataDir(), o.keepData(), o.bootstrapServers(), results, this::log)) {
      return run(env);
    }
  }

  private int run(BenchRun env) throws Exception {
    Path dir = env.dir();
    String bootstrap = env.bootstrapServers();
    KafkaRecordPublisher publisher = null;
    HttpsReceiverServer server = null;
    try {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        new TopicAdmin(admin, env.replicationFactor(admin)).create(Topics.ALL);
      }
      publisher =
          new KafkaRecordPublisher(
              bootstrap,
              Map.of(),
              "/vigil/bench-ingest",
              Duration.ofSeconds(30),
              IngestMetrics.NOOP);

      log("building " + o.bodies() + " batches of " + o.batch() + " audit events");
      AuditMix.Batches batches = AuditMix.batches(o.bodies(), o.batch(), 16);
      LoopbackTls tls = LoopbackTls.create("vigil-bench-receiver");
      Path cert =
          Files.writeString(
              dir.resolve("receiver.crt"), Pem.encode("CERTIFICATE", tls.certificate.getEncoded()));
      Path key =
          Files.writeString(
              dir.resolve("receiver.key"),
              Pem.encode("PRIVATE KEY", tls.key.getPrivate().getEncoded()));
      Set<String> clusters = new LinkedHashSet<>();
      for (int i = 0; i < CLUSTERS; i++) {
        clusters.add("bench-" + i);
      }
      String token = "bench-" + Long.toHexString(new java.security.SecureRandom().nextLong());
      ReceiverSettings settings =
          new ReceiverSettings(
              "127.0.0.1",
              0,
              cert,
              key,
              null,
              Set.of(token),
              clusters,
              ReceiverSettings.DEFAULT_MAX_BODY_BYTES,
              ReceiverSettings.DEFAULT_DEDUP_WINDOW,
              o.threads(),
              false,
              null);
      IngestRouter router =
          IngestReceivers.router(settings, publisher, IngestMetrics.NOOP, null, Clock.systemUTC());
      server =
          HttpsReceiverServer.start(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
              Tls.fromPem(cert, key, null),
              false,
              router,
              settings.maxBodyBytes(),
              settings.threads(),
              settings.limits(),
              IngestMetrics.NOOP,
              true);
      List<HttpClient> clients = new ArrayList<>();
      for (int i = 0; i < o.clients(); i++) {
        clients.add(
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(tls.clientContext())
                .connectTimeout(Duration.ofSeconds(10))
                .build());
      }
      Poster poster = new Poster(server.port(), token, clients, batches);

      double phase = Math.max(1.0, (double) o.seconds() / o.rounds());
      double warmup = warmUp(poster, Math.min(3.0, phase));
      long jitBefore = jitCpuMillis();
      Phase receiver = Phase.EMPTY;
      Phase discard = Phase.EMPTY;
      for (int r = 0; r < o.rounds(); r++) {
        log(
            "round "
                + (r + 1)
                + " of "
                + o.rounds()
                + ": discard endpoint, then the receiver, "
                + phase
                + " s each");
        discard = discard.plus(poster.run(true, phase));
        receiver = receiver.plus(poster.run(false, phase));
      }
      if (!receiver.failures().isEmpty() || !discard.failures().isEmpty()) {
        throw new IllegalStateException(
            "posts failed: " + receiver.failures() + " " + discard.failures());
      }
      long jitDuringPhases = Math.max(0, jitCpuMillis() - jitBefore);
      double events = receiver.perSecond(batches.eventsPerBatch());
      double limit = discard.perSecond(batches.eventsPerBatch());
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("eventsPerSecond", round(events));
      f.put("discardLimitEventsPerSecond", round(limit));
      f.put("ratioToDiscard", Math.round(events / limit * 1000) / 1000.0);
      f.put("batchP99Ms", round(receiver.p99Ms()));
      f.put("discardBatchP99Ms", round(discard.p99Ms()));
      // On a shared machine the rates follow the load; CPU time per batch does much less, and
      // their ratio is what the receiver's own work costs next to TLS and HTTP.
      f.put("cpuMsPerBatch", round2(receiver.cpuMsPerBatch()));
      f.put("discardCpuMsPerBatch", round2(discard.cpuMsPerBatch()));
      f.put(
          "cpuRatioToDiscard",
          receiver.cpuMsPerBatch() == 0
              ? 0
              : Math.round(discard.cpuMsPerBatch() / receiver.cpuMsPerBatch() * 1000) / 1000.0);
      f.put("warmupSeconds", round(warmup));
      // CPU the JIT compiler used during the measured phases (it counts in the CPU per batch).
      f.put("jitCpuSecondsInPhases", round2(jitDuringPhases / 1000.0));
      f.put("batches", receiver.batches());
      f.put("eventsPerBatch", batches.eventsPerBatch());
      f.put("podAdmissionsPublished", receiver.published());
      f.put("podAdmissionsPerSecond", round(receiver.published() / receiver.seconds()));
      f.put("averageBatchKiB", round(batches.bytes() / 1024.0 / batches.bodies().size()));
      f.put(
          "receiverMiBPerSecond",
          round(
              receiver.batches()
                  * (batches.bytes() / (double) batches.bodies().size())
                  / 1048576.0
                  / receiver.seconds()));
      results.add("ingest", f);
      server.close();
      server = null;
      if (o.watchPods() > 0) {
        results.add("watch", WatchBench.run(o.watchPods(), publisher, this::log));
      }
      return BenchRun.finish(results, o.output(), out, this::log);
    } finally {
      if (server != null) {
        server.close();
      }
      if (publisher != null) {
        publisher.close();
      }
    }
  }

  /**
   * Posts to both endpoints in turns, {@code seconds} each, until the JIT compiler is done with the
   * code they run: at least two turns, then until its threads used less than a tenth of the
   * process's CPU time in a turn, and at most three times the measured time. Returns how long it
   * took.
   */
  private double warmUp(Poster poster, double seconds) throws InterruptedException {
    long start = System.nanoTime();
    double cap = Math.max(4 * seconds, 3.0 * o.seconds());
    for (int turn = 1; ; turn++) {
      long jit = jitCpuMillis();
      long cpu = processCpuNanos();
      poster.run(false, seconds);
      poster.run(true, seconds);
      double share = (jitCpuMillis() - jit) / Math.max(1.0, (processCpuNanos() - cpu) / 1e6);
      double took = (System.nanoTime() - start) / 1e9;
      log(String.format("warm-up turn %d: JIT compiler at %.0f %% of the CPU", turn, share * 100));
      if (turn >= 2 && (share < 0.1 || took >= cap)) {
        return took;
      }
    }
  }

  /**
   * CPU time of the JIT compiler's threads so far, in milliseconds, read from {@code /proc} (0
   * where there is none). Compiler threads that have ended are not counted.
   */
  private static long jitCpuMillis() {
    long ticks = 0;
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          int close = stat.lastIndexOf(')');
          String name = stat.substring(stat.indexOf('(') + 1, close);
          if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            String[] f = stat.substring(close + 2).split(" ");
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
          }
        } catch (java.io.IOException | RuntimeException gone) {
          // the thread ended meanwhile
        }
      }
    } catch (java.io.IOException noProc) {
      return 0;
    }
    return ticks * 10; // USER_HZ is 100 on Linux
  }

  /** What one phase (or several added up) saw. */
  record Phase(
      long batches,
      long published,
      double seconds,
      double cpuSeconds,
      long[] latenciesMicros,
      List<String> failures) {
    static final Phase EMPTY = new Phase(0, 0, 0, 0, new long[0], List.of());

    Phase plus(Phase p) {
      long[] l = Arrays.copyOf(latenciesMicros, latenciesMicros.length + p.latenciesMicros.length);
      System.arraycopy(p.latenciesMicros, 0, l, latenciesMicros.length, p.latenciesMicros.length);
      List<String> f = new ArrayList<>(failures);
      f.addAll(p.failures);
      return new Phase(
          batches + p.batches,
          published + p.published,
          seconds + p.seconds,
          cpuSeconds + p.cpuSeconds,
          l,
          f);
    }

    /** CPU time of the whole process (receiver, broker and clients) per batch, in milliseconds. */
    double cpuMsPerBatch() {
      return batches == 0 ? 0 : cpuSeconds * 1000 / batches;
    }

    double perSecond(int eventsPerBatch) {
      return batches * (double) eventsPerBatch / seconds;
    }

    double p99Ms() {
      if (latenciesMicros.length == 0) {
        return 0;
      }
      long[] sorted = latenciesMicros.clone();
      Arrays.sort(sorted);
      return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]
          / 1000.0;
    }
  }

  /** The clients: each posts on its own keep-alive connection, one batch after the other. */
  private static final class Poster {
    private final int port;
    private final String token;
    private final List<HttpClient> clients;
    private final AuditMix.Batches batches;
    // One counter per endpoint: the discard posts must not use up the receiver's distinct
    // (body, cluster) pairs, or the receiver's de-duplication drops repeated batches.
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger nextDiscard = new AtomicInteger();

    Poster(int port, String token, List<HttpClient> clients, AuditMix.Batches batches) {
      this.port = port;
      this.token = token;
      this.clients = clients;
      this.batches = batches;
    }

    Phase run(boolean discard, double seconds) throws InterruptedException {
      long end = System.nanoTime() + (long) (seconds * 1e9);
      List<Thread> threads = new ArrayList<>();
      List<Phase> phases = java.util.Collections.synchronizedList(new ArrayList<>());
      long start = System.nanoTime();
      long cpuStart = processCpuNanos();
      for (HttpClient client : clients) {
        Thread t = new Thread(() -> phases.add(post(client, discard, end)), "bench-ingest-client");
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
      double took = (System.nanoTime() - start) / 1e9;
      double cpu = (processCpuNanos() - cpuStart) / 1e9;
      Phase sum = Phase.EMPTY;
      for (Phase p : phases) {
        sum = sum.plus(p);
      }
      return new Phase(
          sum.batches(), sum.published(), took, cpu, sum.latenciesMicros(), sum.failures());
    }

    private Phase post(HttpClient client, boolean discard, long end) {
      long n = 0;
      long published = 0;
      long[] latencies = new long[1024];
      List<String> failures = new ArrayList<>();
      while (System.nanoTime() < end && failures.size() < 10) {
        int i = (discard ? nextDiscard : next).getAndIncrement() & Integer.MAX_VALUE;
        byte[] body = batches.bodies().get(i % batches.bodies().size());
        String path =
            discard
                ? HttpsReceiverServer.DISCARD_PATH
                : "/audit/bench-" + (i / batches.bodies().size()) % CLUSTERS;
        HttpRequest request =
            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        long t0 = System.nanoTime();
        try {
          HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() / 100 != 2) {
            failures.add(r.statusCode() + " " + r.body());
            continue;
          }
          Matcher m = PUBLISHED.matcher(r.body());
          published += m.find() ? Long.parseLong(m.group(1)) : 0;
        } catch (Exception e) {
          failures.add(e.toString());
          continue;
        }
        if (n == latencies.length) {
          latencies = Arrays.copyOf(latencies, latencies.length * 2);
        }
        latencies[(int) n++] = (System.nanoTime() - t0) / 1000;
      }
      return new Phase(n, published, 0, 0, Arrays.copyOf(latencies, (int) n), failures);
    }
  }

  /** CPU time this process used so far (all threads), or 0 when the JVM does not say. */
  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? Math.max(0, os.getProcessCpuTime())
        : 0;
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private void log(String s) {
    out.println("[bench ingest] " + s);
    out.flush();
  }
}
