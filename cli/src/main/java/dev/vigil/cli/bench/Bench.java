package dev.vigil.cli.bench;

import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.streams.StreamsSettings;
import dev.vigil.streams.VigilStreamsApp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * {@code vigil bench}: on one broker and in one JVM, measures the Kafka Streams passthrough limit,
 * Vigil's throughput on the same events, latency at a fixed rate, revalidation after a policy
 * change, and footprint. See docs/benchmarks.md ("vigil bench").
 */
public final class Bench {

  /** The command's options. */
  public record Options(
      int pods,
      long events,
      int rate,
      int latencySeconds,
      int partitions,
      int instances,
      Path output,
      String bootstrapServers,
      Path dataDir,
      boolean keepData) {}

  static final String PASSTHROUGH_TOPIC = "vigil-bench.passthrough";
  static final String LATENCY_PREFIX = "lat-";
  private static final byte[] POLICY_CHANGE =
      "\"trigger\":\"POLICY_CHANGE\"".getBytes(StandardCharsets.UTF_8);

  /** Validator figures from docs/benchmarks.md ("validator", 2026-11-25, load average 11–15). */
  static final Map<String, Object> VALIDATOR_FIGURES = validatorFigures();

  /** Where {@link #VALIDATOR_FIGURES} come from. */
  static final String VALIDATOR_SOURCE =
      "docs/benchmarks.md, section 'validator' (JMH EvaluationBenchmark"
          + " and EvaluationCpuTime, 2026-11-25, same machine, load average 11-15)";

  private final Options o;
  private final PrintWriter out;
  private final Results results = new Results();
  private final Workload workload = new Workload();
  private final String run = Long.toString(System.currentTimeMillis(), 36);
  private Path dir;
  private String bootstrap;
  private Admin admin;
  private KafkaProducer<byte[], byte[]> producer;
  private long podsCreated;
  private long admissions;

  private Bench(Options o, PrintWriter out) {
    this.o = o;
    this.out = out;
  }

  /** Runs every measurement, prints the table and writes the JSON; returns the exit code. */
  public static int run(Options o, PrintWriter out) throws Exception {
    return new Bench(o, out).run();
  }

  private int run() throws Exception {
    dir =
        o.dataDir() != null
            ? Files.createDirectories(o.dataDir())
            : Files.createTempDirectory("vigil-bench-");
    results.parameter("pods", o.pods());
    results.parameter("events", o.events());
    results.parameter("rate", o.rate());
    results.parameter("latencySeconds", o.latencySeconds());
    results.parameter("partitions", o.partitions());
    results.parameter("instances", o.instances());
    results.parameter(
        "broker", o.bootstrapServers() == null ? "embedded (same JVM)" : o.bootstrapServers());
    results.parameter("dataDir", dir.toString());
    EmbeddedKafka kafka = null;
    try {
      if (o.bootstrapServers() == null) {
        log("starting the embedded broker in " + dir.resolve("kafka"));
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, Map.of());
        bootstrap = kafka.bootstrapServers();
      } else {
        bootstrap = o.bootstrapServers();
      }
      admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
      createTopics();
      producer = producer(10);
      produceWorkload();
      passthrough();
      long baselineHeap = heapAfterFullGc();
      vigil(baselineHeap, kafka);
      validator();
      results.print(out);
      if (o.output() != null) {
        results.write(o.output());
        log("wrote " + o.output().toAbsolutePath());
      }
      return 0;
    } finally {
      if (producer != null) {
        producer.close();
      }
      if (admin != null) {
        admin.close();
      }
      if (kafka != null) {
        kafka.close();
      }
      if (!o.keepData() && o.dataDir() == null) {
        deleteTree(dir);
      }
    }
  }

  // ---- setup ---------------------------------------------------------------------------------

  private void createTopics() throws Exception {
    short rf =
        (short)
            (o.bootstrapServers() == null
                ? 1
                : Math.min(3, admin.describeCluster().nodes().get().size()));
    List<NewTopic> mine = new ArrayList<>();
    for (Topic<?> t : Topics.ALL) {
      if (t.partitions() == Topics.POD_PARTITIONS) {
        mine.add(new NewTopic(t.name(), o.partitions(), rf).configs(t.configs()));
      }
    }
    mine.add(new NewTopic(PASSTHROUGH_TOPIC, o.partitions(), rf));
    var created = admin.createTopics(mine);
    for (NewTopic t : mine) {
      try {
        created.values().get(t.name()).get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    }
    new TopicAdmin(admin, rf).create(Topics.ALL);
    // The pod topics above may have fewer partitions than the catalogue's; wait for them and the
    // passthrough topic to be served too before producing.
    new TopicAdmin(admin, rf)
        .awaitServed(mine.stream().map(NewTopic::name).toList(), TopicAdmin.READY_TIMEOUT);
    // Log-append time on the pod events and verdicts: latency is measured append to append.
    Map<ConfigResource, java.util.Collection<AlterConfigOp>> ops = new HashMap<>();
    for (String t : List.of(Topics.POD_EVENTS.name(), Topics.VERDICTS.name())) {
      ops.put(
          new ConfigResource(ConfigResource.Type.TOPIC, t),
          List.of(
              new AlterConfigOp(
                  new ConfigEntry("message.timestamp.type", "LogAppendTime"),
                  AlterConfigOp.OpType.SET)));
    }
    admin.incrementalAlterConfigs(ops).all().get(30, TimeUnit.SECONDS);
  }

  private KafkaProducer<byte[], byte[]> producer(int lingerMs) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("linger.ms", String.valueOf(lingerMs));
    p.put("batch.size", String.valueOf(256 * 1024));
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private void send(String topic, String key, Object value) {
    producer.send(
        new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), Json.write(value)));
  }

  private void produceWorkload() throws Exception {
    log(
        "publishing the attestor, policy version 1 and "
            + (Workload.SIGNED_REPOS + 2)
            + " signed attestations");
    PolicyDocument attestor = workload.attestor();
    send(Topics.POLICIES.name(), attestor.key(), attestor);
    PolicyDocument v1 = workload.policy(1);
    send(Topics.POLICIES.name(), v1.key(), v1);
    for (Attestation a : workload.attestations()) {
      send(Topics.ATTESTATIONS.name(), a.key(), a);
    }
    producer.flush();
    podsCreated = Math.min(o.pods(), o.events());
    log("producing " + o.events() + " pod events for " + podsCreated + " pods");
    long start = System.nanoTime();
    long bytes = 0;
    long rv = 1000;
    for (long j = 0; j < o.events(); j++) {
      long idx;
      PodEvent.Type type;
      if (j < podsCreated) {
        idx = j;
        type = PodEvent.Type.ADDED;
        AdmissionEvent a = workload.admission("", idx);
        if (a != null) {
          send(Topics.ADMISSION_EVENTS.name(), a.key(), a);
          admissions++;
        }
      } else {
        idx = (j - podsCreated) % podsCreated;
        type = PodEvent.Type.MODIFIED;
      }
      PodEvent e = workload.podEvent("", idx, type, rv++);
      byte[] v = Json.write(e);
      bytes += v.length;
      producer.send(
          new ProducerRecord<>(
              Topics.POD_EVENTS.name(), e.key().getBytes(StandardCharsets.UTF_8), v));
    }
    producer.flush();
    double secs = (System.nanoTime() - start) / 1e9;
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("podEvents", o.events());
    f.put("pods", podsCreated);
    f.put("admissionEvents", admissions);
    f.put("meanPodEventBytes", bytes / Math.max(1, o.events()));
    f.put("seconds", secs);
    f.put("recordsPerSecond", (o.events() + admissions) / secs);
    f.put(
        "note",
        "producer (acks=all, idempotent, linger 10 ms) incl. generating and serialising the events");
    results.add("produce", f);
  }

  // ---- (1) passthrough -----------------------------------------------------------------------

  private void passthrough() throws Exception {
    String appId = "vigil-bench-passthrough-" + run;
    log(
        "(1) passthrough: "
            + o.instances()
            + " instance(s) of a plain Streams app, exactly_once_v2");
    Map<TopicPartition, Long> targets = endOffsets(Topics.POD_EVENTS.name());
    List<KafkaStreams> apps = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < o.instances(); i++) {
      StreamsBuilder b = new StreamsBuilder();
      b.stream(
              Topics.POD_EVENTS.name(),
              Consumed.with(Serdes.String(), Topics.POD_EVENTS.valueSerde()))
          .mapValues(v -> v)
          .to(PASSTHROUGH_TOPIC, Produced.with(Serdes.String(), Topics.POD_EVENTS.valueSerde()));
      Properties p = new Properties();
      p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
      p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("passthrough-state-" + i).toString());
      p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
      p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
      KafkaStreams ks = new KafkaStreams(b.build(), p);
      ks.start();
      apps.add(ks);
    }
    try {
      Progress pr = awaitGroup(appId, targets, t0);
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("records", sum(targets));
      f.put("secondsFromStart", pr.seconds());
      f.put("recordsPerSecond", sum(targets) / pr.seconds());
      f.put("recordsPerSecondAfterFirstCommit", pr.steadyRate());
      f.put(
          "what",
          "Streams app pod-events -> mapValues(identity) -> "
              + PASSTHROUGH_TOPIC
              + ", PodEvent JSON serde both ways, exactly_once_v2; from start() until the group's committed offsets reach the end");
      results.add("passthrough", f);
    } finally {
      for (KafkaStreams ks : apps) {
        ks.close(Duration.ofSeconds(30));
      }
    }
  }

  // ---- (2)–(5) Vigil -------------------------------------------------------------------------

  private void vigil(long baselineHeap, EmbeddedKafka kafka) throws Exception {
    String appId = "vigil-bench-" + run;
    log("(2) Vigil: " + o.instances() + " instance(s) of VigilStreamsApp (the real topology)");
    Map<TopicPartition, Long> targets = new HashMap<>(endOffsets(Topics.POD_EVENTS.name()));
    long podEvents = sum(targets);
    targets.putAll(endOffsets(Topics.ADMISSION_EVENTS.name()));
    List<VigilStreamsApp> apps = new ArrayList<>();
    List<SimpleMeterRegistry> registries = new ArrayList<>();
    List<Path> stateDirs = new ArrayList<>();
    long t0 = System.nanoTime();
    try {
      for (int i = 0; i < o.instances(); i++) {
        Path state = dir.resolve("vigil-state-" + i);
        stateDirs.add(state);
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        registries.add(reg);
        apps.add(
            VigilStreamsApp.start(
                StreamsSettings.defaults(bootstrap, state).withApplicationId(appId), reg));
      }
      Progress pr = awaitGroup(appId, targets, t0);
      double passthrough =
          results.measurements().stream()
              .filter(m -> m.name().equals("passthrough"))
              .map(m -> (Double) m.figures().get("recordsPerSecond"))
              .findFirst()
              .orElse(Double.NaN);
      double passSteady =
          results.measurements().stream()
              .filter(m -> m.name().equals("passthrough"))
              .map(m -> (Double) m.figures().get("recordsPerSecondAfterFirstCommit"))
              .findFirst()
              .orElse(Double.NaN);
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("podEvents", podEvents);
      f.put("admissionEvents", sum(targets) - podEvents);
      f.put("secondsFromStart", pr.seconds());
      f.put("podEventsPerSecond", podEvents / pr.seconds());
      f.put("inputRecordsPerSecond", sum(targets) / pr.seconds());
      f.put("ratioToPassthrough", podEvents / pr.seconds() / passthrough);
      f.put("podEventsPerSecondAfterFirstCommit", pr.steadyRate() * podEvents / sum(targets));
      f.put(
          "ratioToPassthroughAfterFirstCommit",
          pr.steadyRate() * podEvents / sum(targets) / passSteady);
      f.put("evaluations", counter(registries, "vigil.evaluations", null));
      f.put("target", "ratio >= 0.7");
      f.put(
          "what",
          "VigilStreamsApp on the same pod events (plus the admission events); from start() until the group's "
              + "committed offsets reach the end of both input topics (exactly_once_v2: outputs committed with them)");
      results.add("vigil", f);

      latency();
      revalidation(registries);
      footprint(baselineHeap, stateDirs, kafka);
    } finally {
      for (VigilStreamsApp a : apps) {
        a.close();
      }
    }
  }

  /**
   * (3) Pod events at a fixed rate for new pods; append time of each pod event to its verdict's.
   */
  private void latency() throws Exception {
    long n = (long) o.rate() * o.latencySeconds();
    log("(3) latency: " + n + " pod events at " + o.rate() + "/s");
    Map<String, Long> podAppend = new ConcurrentHashMap<>();
    Map<String, Long> podSent = new ConcurrentHashMap<>();
    Map<String, Long> verdictAppend = new ConcurrentHashMap<>();
    Map<String, Long> verdictSeen = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicBoolean logAppend = new AtomicBoolean(true);
    KafkaConsumer<byte[], byte[]> consumer = committedConsumer();
    List<TopicPartition> parts = partitions(Topics.VERDICTS.name());
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(consumer::position);
    Thread reader =
        new Thread(
            () -> {
              while (!stop.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                  long now = System.currentTimeMillis();
                  String key = new String(r.key(), StandardCharsets.UTF_8);
                  if (key.substring(key.lastIndexOf('/') + 1).startsWith(LATENCY_PREFIX)) {
                    if (r.timestampType() != TimestampType.LOG_APPEND_TIME) {
                      logAppend.set(false);
                    }
                    verdictAppend.putIfAbsent(key, r.timestamp());
                    verdictSeen.putIfAbsent(key, now);
                  }
                }
              }
            },
            "bench-verdict-reader");
    reader.start();
    long sent = 0;
    long rv = 1_000_000_000L;
    try (KafkaProducer<byte[], byte[]> p = producer(1)) {
      long start = System.nanoTime();
      while (sent < n) {
        long due = Math.min(n, (long) ((System.nanoTime() - start) / 1e9 * o.rate()) + 1);
        while (sent < due) {
          long idx = sent++;
          PodEvent e = workload.podEvent(LATENCY_PREFIX, idx, PodEvent.Type.ADDED, rv++);
          String key = e.key();
          podSent.put(key, System.currentTimeMillis());
          p.send(
              new ProducerRecord<>(
                  Topics.POD_EVENTS.name(), key.getBytes(StandardCharsets.UTF_8), Json.write(e)),
              (md, ex) -> {
                if (ex == null) {
                  podAppend.put(key, md.timestamp());
                }
              });
        }
        Thread.sleep(1);
      }
      p.flush();
      double achieved = n / ((System.nanoTime() - start) / 1e9);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(60, n / 100));
      while (verdictSeen.size() < n && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      stop.set(true);
      reader.join(5000);
      consumer.close();
      long[] appendToAppend =
          podAppend.entrySet().stream()
              .filter(e -> verdictAppend.containsKey(e.getKey()))
              .mapToLong(e -> verdictAppend.get(e.getKey()) - e.getValue())
              .sorted()
              .toArray();
      long[] appendToVisible =
          podAppend.entrySet().stream()
              .filter(e -> verdictSeen.containsKey(e.getKey()))
              .mapToLong(e -> verdictSeen.get(e.getKey()) - e.getValue())
              .sorted()
              .toArray();
      long[] sendToVisible =
          podSent.entrySet().stream()
              .filter(e -> verdictSeen.containsKey(e.getKey()))
              .mapToLong(e -> verdictSeen.get(e.getKey()) - e.getValue())
              .sorted()
              .toArray();
      podsCreated += n;
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("targetRate", o.rate());
      f.put("achievedRate", achieved);
      f.put("podEvents", n);
      f.put("verdictsSeen", (long) verdictSeen.size());
      f.put(
          "timestamps",
          logAppend.get()
              ? "LogAppendTime on both topics"
              : "CreateTime (broker did not apply LogAppendTime)");
      f.put("appendToAppendP50Ms", pct(appendToAppend, 50));
      f.put("appendToAppendP99Ms", pct(appendToAppend, 99));
      f.put("appendToAppendP999Ms", pct(appendToAppend, 99.9));
      f.put("appendToAppendMaxMs", pct(appendToAppend, 100));
      f.put("appendToCommittedVisibleP50Ms", pct(appendToVisible, 50));
      f.put("appendToCommittedVisibleP99Ms", pct(appendToVisible, 99));
      f.put("appendToCommittedVisibleP999Ms", pct(appendToVisible, 99.9));
      f.put("sendToCommittedVisibleP99Ms", pct(sendToVisible, 99));
      f.put("target", "p99 < 100 ms at 5,000 events/s");
      f.put(
          "what",
          "new pods (ADDED) at a fixed rate into the caught-up app; pod event's log-append time to its verdict's "
              + "log-append time; 'committed visible' = when a read_committed consumer got the verdict (EOS commit interval 100 ms)");
      results.add("latency", f);
    } finally {
      stop.set(true);
    }
  }

  /** (4) Policy version 2 with every pod in the store: time to the last re-evaluated verdict. */
  private void revalidation(List<SimpleMeterRegistry> registries) throws Exception {
    long m = podsCreated;
    log("(4) revalidation: policy version 2 with " + m + " running pods in the store");
    double before = counter(registries, "vigil.evaluations", "policy_change");
    Map<TopicPartition, Long> verdictsFrom = endOffsets(Topics.VERDICTS.name());
    Map<TopicPartition, Long> violationsFrom = endOffsets(Topics.VIOLATIONS.name());
    PolicyDocument v2 = workload.policy(2);
    long t0 = System.currentTimeMillis();
    long n0 = System.nanoTime();
    producer
        .send(
            new ProducerRecord<>(
                Topics.POLICIES.name(), v2.key().getBytes(StandardCharsets.UTF_8), Json.write(v2)))
        .get();
    long timeout = TimeUnit.SECONDS.toNanos(Math.max(300, m / 100));
    while (counter(registries, "vigil.evaluations", "policy_change") - before < m
        && System.nanoTime() - n0 < timeout) {
      Thread.sleep(10);
    }
    double evaluatedSeconds = (System.nanoTime() - n0) / 1e9;
    // Read back the committed verdicts of this re-evaluation: the last one's append time.
    long count = 0;
    long last = 0;
    long first = Long.MAX_VALUE;
    try (KafkaConsumer<byte[], byte[]> c = committedConsumer()) {
      c.assign(verdictsFrom.keySet());
      verdictsFrom.forEach(c::seek);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (count < m && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.value() != null && indexOf(r.value(), POLICY_CHANGE) >= 0) {
            count++;
            last = Math.max(last, r.timestamp());
            first = Math.min(first, r.timestamp());
          }
        }
      }
    }
    Map<String, Long> transitions = new LinkedHashMap<>();
    try (KafkaConsumer<byte[], byte[]> c = committedConsumer()) {
      c.assign(violationsFrom.keySet());
      violationsFrom.forEach(c::seek);
      Map<TopicPartition, Long> end = c.endOffsets(violationsFrom.keySet());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline
          && end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          String v = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
          for (String t : List.of("OPENED", "CHANGED", "RESOLVED")) {
            if (v.contains("\"transition\":\"" + t + "\"")) {
              transitions.merge(t, 1L, Long::sum);
            }
          }
        }
      }
    }
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("runningPods", m);
    f.put("reevaluatedVerdicts", count);
    f.put("secondsToLastVerdictAppended", count == 0 ? Double.NaN : (last - t0) / 1000.0);
    f.put("secondsToFirstVerdictAppended", count == 0 ? Double.NaN : (first - t0) / 1000.0);
    f.put("secondsUntilEvaluatedInMemory", evaluatedSeconds);
    f.put("podsPerSecond", count == 0 ? Double.NaN : count / ((last - t0) / 1000.0));
    f.put("violationsOpened", transitions.getOrDefault("OPENED", 0L));
    f.put("violationsChanged", transitions.getOrDefault("CHANGED", 0L));
    f.put("violationsResolved", transitions.getOrDefault("RESOLVED", 0L));
    Timer timer =
        registries.stream()
            .map(r -> r.find("vigil.reevaluation.duration").tag("reason", "policy_change").timer())
            .filter(java.util.Objects::nonNull)
            .max(Comparator.comparingDouble(t -> t.max(TimeUnit.SECONDS)))
            .orElse(null);
    if (timer != null) {
      f.put(
          "longestTaskScanSeconds",
          timer.max(TimeUnit.SECONDS)); // per task: noticed the change .. its last pod
    }
    f.put("changePollInterval", "PT1S (default; part of the figure)");
    f.put("target", "1,000,000 pods in < 10 s");
    f.put(
        "what",
        "policy v2 (tools namespace no longer ALWAYS_ALLOW) sent at t0 (wall clock before send); "
            + "last POLICY_CHANGE verdict's log-append time minus t0");
    results.add("revalidation", f);
  }

  /** (5) Heap after a full GC and the state stores on disk. */
  private void footprint(long baselineHeap, List<Path> stateDirs, EmbeddedKafka kafka)
      throws Exception {
    log("(5) footprint");
    long heap = heapAfterFullGc();
    long state = 0;
    for (Path p : stateDirs) {
      state += size(p);
    }
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("runningPods", podsCreated);
    f.put("heapAfterFullGcMiB", heap / 1048576.0);
    f.put("heapBeforeVigilStartedMiB", baselineHeap / 1048576.0);
    f.put("vigilHeapMiB", (heap - baselineHeap) / 1048576.0);
    f.put("stateStoresOnDiskMiB", state / 1048576.0);
    f.put("bytesOnDiskPerPod", podsCreated == 0 ? 0 : state / podsCreated);
    if (kafka != null) {
      f.put("brokerSegmentsMiB", size(kafka.dataDir(), ".log") / 1048576.0);
    }
    f.put("processRssMiB", rssKiB() / 1024.0);
    f.put("target", "< 1 GiB heap for 1,000,000 pods");
    f.put(
        "what",
        "used heap after System.gc() (full GC); the JVM also runs the broker, so 'vigilHeapMiB' is the growth "
            + "since before Vigil started; RocksDB memory is off-heap and shows only in RSS");
    results.add("footprint", f);
  }

  /** (6) The validator's figures, quoted from docs/benchmarks.md (JMH; not re-run here). */
  private void validator() {
    results.addQuoted("validator", VALIDATOR_SOURCE, VALIDATOR_FIGURES);
  }

  private static Map<String, Object> validatorFigures() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("attestedPodJmhOpsPerSecond", 436_920L);
    f.put("attestedPodJmhBestIteration", 847_317L);
    f.put("attestedPodEvaluationsPerCpuSecondMedian", 1_340_000L);
    f.put("allowlistedPodJmhOpsPerSecond", 905_630L);
    return f;
  }

  // ---- helpers -------------------------------------------------------------------------------

  record Progress(double seconds, double steadyRate) {}

  /** Waits until the group's committed offsets reach {@code targets}; times from {@code t0}. */
  private Progress awaitGroup(String group, Map<TopicPartition, Long> targets, long t0)
      throws Exception {
    long total = sum(targets);
    long firstAt = 0;
    long firstCommitted = 0;
    long timeout = TimeUnit.SECONDS.toNanos(Math.max(300, total / 50));
    while (true) {
      Map<TopicPartition, OffsetAndMetadata> c =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      long now = System.nanoTime();
      long done = 0;
      for (TopicPartition tp : targets.keySet()) {
        OffsetAndMetadata om = c.get(tp);
        done += om == null ? 0 : Math.min(om.offset(), targets.get(tp));
      }
      if (done > 0 && firstAt == 0) {
        firstAt = now;
        firstCommitted = done;
      }
      if (done >= total) {
        double secs = (now - t0) / 1e9;
        double steady =
            now > firstAt && total > firstCommitted
                ? (total - firstCommitted) / ((now - firstAt) / 1e9)
                : total / secs;
        return new Progress(secs, steady);
      }
      if (now - t0 > timeout) {
        throw new IllegalStateException(
            "group "
                + group
                + " committed "
                + done
                + " of "
                + total
                + " records in "
                + (now - t0) / 1_000_000_000
                + " s");
      }
      Thread.sleep(25);
    }
  }

  private List<TopicPartition> partitions(String topic) throws Exception {
    int n =
        admin
            .describeTopics(List.of(topic))
            .allTopicNames()
            .get(30, TimeUnit.SECONDS)
            .get(topic)
            .partitions()
            .size();
    List<TopicPartition> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new TopicPartition(topic, i));
    }
    return out;
  }

  private Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
    Map<TopicPartition, OffsetSpec> q = new HashMap<>();
    for (TopicPartition tp : partitions(topic)) {
      q.put(tp, OffsetSpec.latest());
    }
    Map<TopicPartition, Long> out = new HashMap<>();
    admin
        .listOffsets(q)
        .all()
        .get(30, TimeUnit.SECONDS)
        .forEach((tp, r) -> out.put(tp, r.offset()));
    return out;
  }

  private KafkaConsumer<byte[], byte[]> committedConsumer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("isolation.level", "read_committed");
    p.put("fetch.min.bytes", "1");
    p.put("fetch.max.wait.ms", "10");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static double counter(List<SimpleMeterRegistry> regs, String name, String trigger) {
    double sum = 0;
    for (SimpleMeterRegistry r : regs) {
      var search = r.find(name);
      if (trigger != null) {
        search = search.tag("trigger", trigger);
      }
      for (Counter c : search.counters()) {
        sum += c.count();
      }
    }
    return sum;
  }

  private static long sum(Map<TopicPartition, Long> m) {
    return m.values().stream().mapToLong(Long::longValue).sum();
  }

  static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static long heapAfterFullGc() throws InterruptedException {
    for (int i = 0; i < 2; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long rssKiB() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("VmRSS:"))
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
          .findFirst()
          .orElse(-1L);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long size(Path p) throws IOException {
    return size(p, "");
  }

  /** Total size of the regular files under {@code p} whose names end with {@code suffix}. */
  private static long size(Path p, String suffix) throws IOException {
    if (!Files.exists(p)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile)
          .filter(f -> f.getFileName().toString().endsWith(suffix))
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }

  static void deleteTree(Path p) {
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // best effort
    }
  }

  private void log(String msg) {
    out.printf(
        "[bench %s load %s] %s%n",
        java.time.LocalTime.now().withNano(0), Results.loadAverage(), msg);
    out.flush();
  }
}
