package dev.vigil.report;

import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.WorkloadRef;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The bounded-heap benchmark of {@code vigil report}: fills the three topics with N records of a
 * 30-day period (80 % admission events, 15 % violation transitions, 5 % follow-up changes), then
 * reports the period in a child JVM whose heap is limited (default {@code -Xmx256m}) and prints
 * what it took. Not part of {@code verify}; see {@code docs/benchmarks.md} for the command.
 *
 * <pre>
 * ReportBenchmark [--records N] [--heap 256m] [--dir DIR] [--bootstrap-servers HOST:PORT | --reuse KAFKA_DIR]
 * </pre>
 *
 * Without {@code --bootstrap-servers} it starts the embedded broker under {@code --dir}; {@code
 * --reuse} starts it on the data directory a previous run left and only reports.
 */
public final class ReportBenchmark {

  static final Instant FROM = Instant.parse("2026-10-01T00:00:00Z");
  static final Instant TO = Instant.parse("2026-10-31T00:00:00Z");

  /** What a run found. */
  record Result(
      long records, double fillSeconds, double reportSeconds, String childOutput, int childExit) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = options(args);
    long records = Long.parseLong(opts.getOrDefault("--records", "1000000"));
    String heap = opts.getOrDefault("--heap", "256m");
    if (opts.containsKey("--child")) {
      child(opts.get("--bootstrap-servers"), Path.of(opts.get("--dir")));
      return;
    }
    Path dir = Path.of(opts.getOrDefault("--dir", "target/report-benchmark"));
    Files.createDirectories(dir);
    Result r;
    if (opts.containsKey("--reuse")) {
      // Report again over the data a previous run left in its broker's directory.
      try (KafkaCluster kafka = EmbeddedKafka.start(Path.of(opts.get("--reuse")))) {
        r = run(kafka.bootstrapServers(), 0, heap, dir);
      }
    } else if (opts.containsKey("--bootstrap-servers")) {
      r = run(opts.get("--bootstrap-servers"), records, heap, dir);
    } else {
      try (KafkaCluster kafka =
          EmbeddedKafka.start(dir.resolve("kafka-" + System.currentTimeMillis()))) {
        r = run(kafka.bootstrapServers(), records, heap, dir);
      }
    }
    if (r.records() > 0) {
      System.out.printf(
          "records written      %,d in %.1f s (%,.0f records/s)%n",
          r.records(), r.fillSeconds(), r.records() / r.fillSeconds());
    }
    System.out.printf(
        "report (child JVM)   -Xmx%s, wall %.1f s, exit %d%n",
        heap, r.reportSeconds(), r.childExit());
    System.out.print(r.childOutput());
    System.out.printf(
        "machine              %d cores, %s, Java %s, %s%n",
        Runtime.getRuntime().availableProcessors(),
        cpu(),
        System.getProperty("java.version"),
        Instant.now());
    System.exit(r.childExit());
  }

  /**
   * Fills the topics at {@code bootstrap} with {@code records} records and reports them under
   * {@code heap}.
   */
  static Result run(String bootstrap, long records, String heap, Path dir) throws Exception {
    long t0 = System.nanoTime();
    if (records > 0) {
      fill(bootstrap, records);
    }
    double fill = (System.nanoTime() - t0) / 1e9;

    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + heap,
            "-XX:+UseSerialGC",
            "-cp",
            System.getProperty("java.class.path"),
            ReportBenchmark.class.getName(),
            "--child",
            "--bootstrap-servers",
            bootstrap,
            "--dir",
            dir.toString());
    long t1 = System.nanoTime();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    StringBuilder out = new StringBuilder();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        out.append(line).append('\n');
      }
    }
    if (!p.waitFor(30, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("the report did not finish within 30 minutes");
    }
    return new Result(records, fill, (System.nanoTime() - t1) / 1e9, out.toString(), p.exitValue());
  }

  /** The child: reads the period, renders every format, and says what it took. */
  static void child(String bootstrap, Path dir) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    long t0 = System.nanoTime();
    ReportBuilder builder = new ReportBuilder(ReportSettings.of(FROM, TO));
    new KafkaReportSource(p, Duration.ofSeconds(60)).readInto(builder, Progress.NONE);
    Report report = builder.build();
    double read = (System.nanoTime() - t0) / 1e9;
    long total = report.input().total();
    System.out.printf(
        "records read         %,d in %.1f s (%,.0f records/s)%n", total, read, total / read);
    System.gc();
    System.out.printf(
        "heap after reading   %d MiB live after a full GC (the report and the aggregation state)%n",
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20);
    System.out.flush();
    long t1 = System.nanoTime();
    for (ReportFormat f : ReportFormat.values()) {
      try (Writer w =
          new BufferedWriter(Files.newBufferedWriter(dir.resolve("report." + f.extension())))) {
        f.render(report, w);
      }
    }
    double render = (System.nanoTime() - t1) / 1e9;
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.printf("rendering            4 formats in %.1f s%n", render);
    System.out.printf(
        "heap                 max %d MiB, peak used (sum of pool peaks) %d MiB%n",
        Runtime.getRuntime().maxMemory() >> 20, peak >> 20);
    System.out.printf(
        "report               %,d admissions, %,d outages, %,d follow-ups (%,d still open), "
            + "%,d workloads violating at the end, %,d unreadable%n",
        report.summary().admissions(),
        report.outages().size(),
        report.followUps().size(),
        report.stillOpen().size(),
        report.violatingAtEnd().size(),
        report.input().unreadable());
  }

  /** Writes {@code n} records of the period: 80 % admissions, 15 % violations, 5 % follow-ups. */
  static void fill(String bootstrap, long n) throws Exception {
    TestTopics.create(bootstrap);
    Properties p = TestTopics.producer(bootstrap);
    p.put("linger.ms", "20");
    p.put("batch.size", String.valueOf(256 * 1024));
    p.put("compression.type", "lz4");
    Random random = new Random(42);
    long span = Duration.between(FROM, TO).toMillis();
    String[] clusters = {"us-central1-a.prod", "europe-west1-b.prod", "asia-east1-a.staging"};
    Map<String, Integer> followUpStep = new HashMap<>();
    Map<String, Integer> violationStep = new HashMap<>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      for (long i = 0; i < n; i++) {
        // Time runs forward through the period, as it would on real topics.
        Instant at = FROM.plusMillis(span * i / n);
        String cluster = clusters[random.nextInt(clusters.length)];
        String ns = "team-" + random.nextInt(40);
        WorkloadRef owner =
            new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, ns, "svc-" + random.nextInt(50));
        int roll = random.nextInt(100);
        if (roll < 80) {
          boolean failOpen = random.nextInt(1000) < 5;
          AdmissionEvent e =
              new AdmissionEvent(
                  "e" + i,
                  cluster,
                  AdmissionEvent.Source.KUBERNETES_AUDIT,
                  "a" + i,
                  "ResponseComplete",
                  "create",
                  ns,
                  owner.name() + "-" + Long.toString(i, 36),
                  "u" + i,
                  "system:serviceaccount:kube-system:replicaset-controller",
                  "default",
                  owner,
                  List.of(
                      new ContainerImage(
                          "main",
                          ContainerImage.Kind.CONTAINER,
                          "us-docker.pkg.dev/acme/"
                              + ns
                              + "/"
                              + owner.name()
                              + "@sha256:"
                              + "ab".repeat(32),
                          null)),
                  random.nextInt(100) < 2,
                  random.nextInt(100) < 1,
                  random.nextInt(1000) < 2,
                  failOpen
                      ? new AdmissionEvent.FailedOpen(
                          AdmissionEvent.FailedOpen.Mechanism.IMAGE_POLICY_WEBHOOK, null)
                      : null,
                  201,
                  "Created",
                  Map.of(),
                  at);
          send(producer, Topics.ADMISSION_EVENTS.name(), e.key(), e, at);
        } else if (roll < 95) {
          String pod = owner.name() + "-" + random.nextInt(20);
          String key = cluster + "/" + ns + "/" + pod;
          int step = violationStep.merge(key, 1, Integer::sum);
          boolean open = step % 2 == 1;
          String image =
              "us-docker.pkg.dev/acme/" + ns + "/" + owner.name() + "@sha256:" + "ab".repeat(32);
          ViolationTransition v =
              new ViolationTransition(
                  "v" + i,
                  cluster,
                  ns,
                  pod,
                  owner,
                  ViolationCategory.POLICY,
                  random.nextInt(10) == 0 ? Severity.CRITICAL : Severity.HIGH,
                  List.of("defaultAdmissionRule"),
                  open
                      ? ViolationTransition.Transition.OPENED
                      : ViolationTransition.Transition.RESOLVED,
                  open ? null : Decision.DENY,
                  open ? Decision.DENY : Decision.ALLOW,
                  ns
                      + "/"
                      + pod
                      + ": "
                      + (open ? "DENY: main fails defaultAdmissionRule" : "RESOLVED"),
                  List.of(
                      new ViolationTransition.ImageFinding(
                          "main",
                          image,
                          "sha256:" + "ab".repeat(32),
                          "defaultAdmissionRule",
                          Decision.DENY,
                          List.of("projects/acme/attestors/built-by-ci"),
                          List.of(),
                          List.of())),
                  List.of("BINAUTHZ_POLICY/*/projects/acme/policy@1"),
                  open
                      ? List.of("no attestation by projects/acme/attestors/built-by-ci")
                      : List.of(),
                  "vd" + i,
                  at,
                  at,
                  null);
          send(producer, Topics.VIOLATIONS.name(), v.key(), v, at);
        } else {
          FollowUp.Kind kind = FollowUp.Kind.values()[random.nextInt(3)];
          String base = FollowUp.key(cluster, owner, kind);
          int step = followUpStep.merge(base, 1, Integer::sum);
          int cycle = (step - 1) / 4;
          FollowUp.State state =
              List.of(
                      FollowUp.State.OPEN,
                      FollowUp.State.ESCALATED,
                      FollowUp.State.ACKNOWLEDGED,
                      FollowUp.State.RESOLVED)
                  .get((step - 1) % 4);
          Instant first =
              state == FollowUp.State.OPEN ? at : at.minus(Duration.ofHours((step - 1) % 4));
          FollowUp f =
              new FollowUp(
                  base + "#" + cycle,
                  cluster,
                  owner,
                  kind,
                  state,
                  "benchmark " + state,
                  state == FollowUp.State.OPEN ? null : Decision.DENY,
                  3,
                  List.of("p-1", "p-2", "p-3"),
                  List.of("us-docker.pkg.dev/acme/app@sha256:" + "cd".repeat(32)),
                  List.of("alice@acme.example"),
                  null,
                  first,
                  first,
                  at,
                  state == FollowUp.State.ACKNOWLEDGED || state == FollowUp.State.RESOLVED
                      ? "bob@acme.example"
                      : null,
                  state == FollowUp.State.ACKNOWLEDGED ? "benchmark note " + i : null,
                  null);
          send(producer, Topics.FOLLOWUPS.name(), f.key(), f, at);
        }
      }
      producer.flush();
    }
  }

  private static void send(
      KafkaProducer<String, byte[]> producer, String topic, String key, Object value, Instant at) {
    producer.send(new ProducerRecord<>(topic, null, at.toEpochMilli(), key, Json.write(value)));
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--child")) {
        out.put("--child", "true");
      } else if (i + 1 < args.length) {
        out.put(args[i], args[++i]);
      } else {
        throw new IllegalArgumentException("no value for " + args[i]);
      }
    }
    return out;
  }

  private static String cpu() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }
}
