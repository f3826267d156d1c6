package dev.vigil.cli.bench;

import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PodPartitioning;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.TemplateVerdict;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.streams.StreamsSettings;
import dev.vigil.streams.ValidationEngine;
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
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
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
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * {@code vigil bench}: on one broker and in one JVM, measures the Kafka Streams passthrough limit,
 * Vigil's throughput on the same events, latency at a fixed rate, revalidation after a policy
 * change, and footprint, on the pod events of a {@link Fleet} (ADR 0135). See docs/benchmarks.md
 * ("vigil bench").
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
      int streamThreads,
      String verdicts,
      Map<String, String> streamsSettings,
      Map<String, String> streamsProperties,
      Map<String, String> brokerProperties,
      Path output,
      String bootstrapServers,
      Path dataDir,
      boolean keepData) {}

  static final String PASSTHROUGH_TOPIC = "vigil-bench.passthrough";
  static final String PASSTHROUGH_STATEFUL_TOPIC = "vigil-bench.passthrough-stateful";

  /** How long nothing under a new policy may come before a revalidation counts as complete. */
  static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** The fleet's seed: every run generates the same cluster and the same events. */
  static final long SEED = 13;

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
  private final Fleet fleet = new Fleet(SEED);
  private final String run = Long.toString(System.currentTimeMillis(), 36);
  private Path dir;
  private String bootstrap;
  private Admin admin;
  private KafkaProducer<byte[], byte[]> producer;
  private long admissions;
  private long rv = 1000;

  private Bench(Options o, PrintWriter out) {
    this.o = o;
    this.out = out;
  }

  /** Runs every measurement, prints the table and writes the JSON; returns the exit code. */
  public static int run(Options o, PrintWriter out) throws Exception {
    return new Bench(o, out).run();
  }

  private int run() throws Exception {
    results.parameter("pods", o.pods());
    results.parameter("events", o.events());
    results.parameter("rate", o.rate());
    results.parameter("latencySeconds", o.latencySeconds());
    results.parameter("partitions", o.partitions());
    results.parameter("instances", o.instances());
    results.parameter("streamThreads", o.streamThreads());
    results.parameter("verdicts", o.verdicts());
    if (!o.streamsSettings().isEmpty()) {
      results.parameter("streamsSettings", String.valueOf(o.streamsSettings()));
    }
    if (!o.streamsProperties().isEmpty()) {
      results.parameter("streamsProperties", String.valueOf(o.streamsProperties()));
    }
    if (!o.brokerProperties().isEmpty()) {
      results.parameter("brokerProperties", String.valueOf(o.brokerProperties()));
    }
    results.parameter("workload", "fleet (ADR 0135): list, then the watch stream of a cluster");
    try (BenchRun env =
        BenchRun.open(
            "bench",
            o.dataDir(),
            o.keepData(),
            o.bootstrapServers(),
            o.brokerProperties(),
            results,
            this::log)) {
      dir = env.dir();
      results.parameter("dataDir", dir.toString());
      bootstrap = env.bootstrapServers();
      try {
        admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        createTopics(env.replicationFactor(admin));
        producer = producer(10);
        produceWorkload();
        passthrough();
        long baselineHeap = heapAfterFullGc();
        vigil(baselineHeap, env.kafka());
        validator();
        return BenchRun.finish(results, o.output(), out, this::log);
      } finally {
        if (producer != null) {
          producer.close();
        }
        if (admin != null) {
          admin.close();
        }
      }
    }
  }

  // ---- setup ---------------------------------------------------------------------------------

  private void createTopics(short rf) throws Exception {
    List<NewTopic> mine = new ArrayList<>();
    for (Topic<?> t : Topics.ALL) {
      if (t.partitions() == Topics.POD_PARTITIONS) {
        mine.add(new NewTopic(t.name(), o.partitions(), rf).configs(t.configs()));
      }
    }
    mine.add(new NewTopic(PASSTHROUGH_TOPIC, o.partitions(), rf));
    mine.add(new NewTopic(PASSTHROUGH_STATEFUL_TOPIC, o.partitions(), rf));
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
    // Log-append time on the pod events and the outputs: latency and revalidation are measured
    // from append times.
    Map<ConfigResource, java.util.Collection<AlterConfigOp>> ops = new HashMap<>();
    for (String t :
        List.of(
            Topics.POD_EVENTS.name(),
            Topics.VERDICTS.name(),
            Topics.TEMPLATE_VERDICTS.name(),
            Topics.VIOLATIONS.name())) {
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
    p.putAll(PodPartitioning.WORKLOAD.producerProperties()); // as ingest does (ADR 0160)
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
    int listed = (int) Math.min(o.pods(), o.events());
    Fleet.Plan list = fleet.list(listed);
    Fleet.Plan watch = fleet.watch(o.events() - listed);
    log(
        "producing "
            + o.events()
            + " pod events: the list of "
            + listed
            + " running pods in "
            + fleet.workloads()
            + " Deployments, then "
            + watch.size()
            + " watch events");
    long start = System.nanoTime();
    Map<Fleet.Stage, Long> stages = new EnumMap<>(Fleet.Stage.class);
    long bytes = 0;
    long admissionsBefore = admissions;
    for (Fleet.Plan plan : List.of(list, watch)) {
      for (int i = 0; i < plan.size(); i++) {
        Fleet.Stage stage = plan.stage(i);
        stages.merge(stage, 1L, Long::sum);
        bytes += sendPodEvent(producer, plan.pod(i), stage, null);
      }
    }
    producer.flush();
    double secs = (System.nanoTime() - start) / 1e9;
    long statusOnly =
        stages.entrySet().stream()
            .filter(e -> e.getKey().statusOnly())
            .mapToLong(Map.Entry::getValue)
            .sum();
    int maxReplicas = 0;
    for (int w = 0; w < fleet.workloads(); w++) {
      maxReplicas = Math.max(maxReplicas, fleet.replicasOf(w));
    }
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("podEvents", o.events());
    f.put("pods", (long) fleet.alivePods());
    f.put("deployments", (long) fleet.workloads());
    f.put("meanReplicas", fleet.alivePods() / (double) Math.max(1, fleet.workloads()));
    f.put("maxReplicas", (long) maxReplicas);
    f.put("podTemplates", (long) fleet.templates());
    f.put("podsCreated", (long) fleet.podsCreated());
    for (Fleet.Stage st : Fleet.Stage.values()) {
      f.put("events" + stageName(st), stages.getOrDefault(st, 0L));
    }
    f.put("statusOnlyEvents", statusOnly);
    f.put("admissionEvents", admissions - admissionsBefore);
    f.put("meanPodEventBytes", bytes / Math.max(1, o.events()));
    f.put("seconds", secs);
    f.put("recordsPerSecond", (o.events() + admissions - admissionsBefore) / secs);
    f.put(
        "note",
        "producer (acks=all, idempotent, linger 10 ms) incl. generating and serialising the events; "
            + "status-only = scheduled, ready and restart events (only versions and times change)");
    results.add("produce", f);
  }

  private static String stageName(Fleet.Stage s) {
    String n = s.name().toLowerCase(java.util.Locale.ROOT);
    return Character.toUpperCase(n.charAt(0)) + n.substring(1);
  }

  /**
   * Sends the event of {@code pod} at {@code stage}, after its admission event when it is created
   * (or listed) and has one; {@code appended}, if given, gets the pod event's append time. Returns
   * the pod event's size.
   */
  private int sendPodEvent(
      KafkaProducer<byte[], byte[]> p,
      int pod,
      Fleet.Stage stage,
      java.util.function.LongConsumer appended) {
    if (stage == Fleet.Stage.LISTED || stage == Fleet.Stage.CREATED) {
      AdmissionEvent a = fleet.admission(pod);
      if (a != null) {
        p.send(
            new ProducerRecord<>(
                Topics.ADMISSION_EVENTS.name(),
                a.key().getBytes(StandardCharsets.UTF_8),
                Json.write(a)));
        admissions++;
      }
    }
    PodEvent e = fleet.event(pod, stage, rv++);
    byte[] v = Json.write(e);
    p.send(
        new ProducerRecord<>(Topics.POD_EVENTS.name(), e.key().getBytes(StandardCharsets.UTF_8), v),
        appended == null
            ? null
            : (md, ex) -> {
              if (ex == null) {
                appended.accept(md.timestamp());
              }
            });
    return v.length;
  }

  // ---- (1) passthrough -----------------------------------------------------------------------

  private void passthrough() throws Exception {
    passthrough(false);
    passthrough(true);
  }

  /**
   * (1) The limit: a plain Streams app over the same pod events, exactly-once; {@code stateful}
   * adds what any stateful processor pays per record, one read and one write of a RocksDB store
   * with its changelog (the floor under Vigil, which keeps state per pod).
   */
  private void passthrough(boolean stateful) throws Exception {
    String name = stateful ? "passthroughStateful" : "passthrough";
    String topic = stateful ? PASSTHROUGH_STATEFUL_TOPIC : PASSTHROUGH_TOPIC;
    String appId = "vigil-bench-" + name.toLowerCase(java.util.Locale.ROOT) + "-" + run;
    log(
        "(1) "
            + name
            + ": "
            + o.instances()
            + " instance(s) of a plain Streams app, exactly_once_v2"
            + (stateful ? ", one store read and write per record" : ""));
    Map<TopicPartition, Long> targets = endOffsets(Topics.POD_EVENTS.name());
    List<KafkaStreams> apps = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < o.instances(); i++) {
      StreamsBuilder b = new StreamsBuilder();
      var events =
          b.stream(
              Topics.POD_EVENTS.name(),
              Consumed.with(Serdes.String(), Topics.POD_EVENTS.valueSerde()));
      if (stateful) {
        b.addStateStore(
            Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore("pods"),
                Serdes.String(),
                Topics.POD_EVENTS.valueSerde()));
        events = events.process(LastEventKeeper::new, "pods");
      } else {
        events = events.mapValues(v -> v);
      }
      events.to(topic, Produced.with(Serdes.String(), Topics.POD_EVENTS.valueSerde()));
      Properties p = new Properties();
      p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
      p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve(name + "-state-" + i).toString());
      p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
      p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
      KafkaStreams ks = new KafkaStreams(b.build(), p);
      ks.start();
      apps.add(ks);
    }
    try {
      Progress pr = awaitGroup(appId, targets, t0);
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("instances", o.instances());
      f.put("records", sum(targets));
      f.put("secondsFromStart", pr.seconds());
      f.put("recordsPerSecond", sum(targets) / pr.seconds());
      f.put("recordsPerSecondAfterFirstCommit", pr.steadyRate());
      Map<String, Double> written = written(appId, List.of(topic), sum(targets));
      f.put("recordsWrittenPerInputRecord", written.get("total"));
      f.put("recordsWrittenPerInputRecordByTopic", written);
      f.put(
          "what",
          "Streams app pod-events -> "
              + (stateful
                  ? "a processor that reads and writes the pod's last event in a RocksDB store"
                      + " (changelogged, default RocksDB settings)"
                  : "mapValues(identity)")
              + " -> "
              + topic
              + ", PodEvent JSON serde both ways, exactly_once_v2; from start() until the group's committed offsets reach the end");
      results.add(name, f);
    } finally {
      for (KafkaStreams ks : apps) {
        ks.close(Duration.ofSeconds(30));
      }
    }
  }

  /** Reads a pod's last event, keeps the new one, forwards it: the least a stateful step does. */
  private static final class LastEventKeeper
      implements org.apache.kafka.streams.processor.api.Processor<
          String, PodEvent, String, PodEvent> {
    private org.apache.kafka.streams.processor.api.ProcessorContext<String, PodEvent> context;
    private KeyValueStore<String, PodEvent> store;

    @Override
    public void init(
        org.apache.kafka.streams.processor.api.ProcessorContext<String, PodEvent> context) {
      this.context = context;
      this.store = context.getStateStore("pods");
    }

    @Override
    public void process(org.apache.kafka.streams.processor.api.Record<String, PodEvent> r) {
      PodEvent before = store.get(r.key());
      if (before == null || !before.equals(r.value())) {
        store.put(r.key(), r.value());
      }
      context.forward(r);
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
                StreamsSettings.fromMap(vigilSettings(), bootstrap, state).withApplicationId(appId),
                ValidationEngine.standard(),
                reg,
                o.streamsProperties()));
      }
      Progress pr = awaitGroup(appId, targets, t0);
      double passthrough = passthroughFigure("recordsPerSecond");
      double passSteady = passthroughFigure("recordsPerSecondAfterFirstCommit");
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("instances", o.instances());
      f.put("podEvents", podEvents);
      f.put("admissionEvents", sum(targets) - podEvents);
      f.put("secondsFromStart", pr.seconds());
      f.put("podEventsPerSecond", podEvents / pr.seconds());
      f.put("inputRecordsPerSecond", sum(targets) / pr.seconds());
      f.put("ratioToPassthrough", podEvents / pr.seconds() / passthrough);
      f.put(
          "ratioToStatefulPassthrough",
          podEvents / pr.seconds() / passthroughFigure("passthroughStateful", "recordsPerSecond"));
      f.put("podEventsPerSecondAfterFirstCommit", pr.steadyRate() * podEvents / sum(targets));
      f.put(
          "ratioToPassthroughAfterFirstCommit",
          pr.steadyRate() * podEvents / sum(targets) / passSteady);
      f.put("evaluations", counter(registries, "vigil.evaluations", null));
      Map<String, Double> written =
          written(
              appId,
              List.of(
                  Topics.VERDICTS.name(),
                  Topics.TEMPLATE_VERDICTS.name(),
                  Topics.VIOLATIONS.name(),
                  Topics.FOLLOWUPS.name(),
                  Topics.DEAD_LETTER.name()),
              sum(targets));
      f.put("recordsWrittenPerInputRecord", written.get("total"));
      f.put("recordsWrittenPerInputRecordByTopic", written);
      f.put("target", "ratio >= 0.7");
      f.put(
          "what",
          "VigilStreamsApp on the same pod events (plus the admission events); from start() until the group's "
              + "committed offsets reach the end of both input topics (exactly_once_v2: outputs committed with them)");
      results.add("vigil", f);

      latency(apps, registries);
      revalidation(registries);
      footprint(baselineHeap, stateDirs, kafka, apps);
    } finally {
      for (VigilStreamsApp a : apps) {
        a.close();
      }
    }
  }

  /** Vigil's streams settings: the bench's own, then those given with --streams-setting. */
  private Map<String, String> vigilSettings() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(StreamsSettings.VERDICTS.key(), o.verdicts());
    m.put(StreamsSettings.STREAM_THREADS.key(), String.valueOf(o.streamThreads()));
    m.putAll(o.streamsSettings());
    return m;
  }

  /** The latency figures read from Kafka's client metrics: figure → (group, metric). */
  private static final Map<String, List<String>> STALL_METRICS = stallMetrics();

  private static Map<String, List<String>> stallMetrics() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (String call : List.of("punctuate", "commit", "poll", "process")) {
      m.put(
          "streamThread" + Character.toUpperCase(call.charAt(0)) + call.substring(1) + "MaxMs",
          List.of("stream-thread-metrics", call + "-latency-max"));
    }
    m.put("producerRecordQueueTimeMaxMs", List.of("producer-metrics", "record-queue-time-max"));
    m.put("producerRequestLatencyMaxMs", List.of("producer-metrics", "request-latency-max"));
    return m;
  }

  /**
   * The largest value of metric {@code name} of {@code group} over the apps' threads and clients,
   * NaN when none has one yet.
   */
  private static double streamsMax(List<VigilStreamsApp> apps, String group, String name) {
    double max = Double.NaN;
    for (VigilStreamsApp a : apps) {
      for (var e : a.kafkaStreams().metrics().entrySet()) {
        var m = e.getKey();
        if (m.group().equals(group)
            && m.name().equals(name)
            && e.getValue().metricValue() instanceof Double d
            && !d.isNaN()
            && !d.isInfinite()) {
          max = Double.isNaN(max) ? d : Math.max(max, d);
        }
      }
    }
    return max;
  }

  private double passthroughFigure(String figure) {
    return passthroughFigure("passthrough", figure);
  }

  private double passthroughFigure(String measurement, String figure) {
    return results.measurements().stream()
        .filter(m -> m.name().equals(measurement))
        .map(m -> (Double) m.figures().get(figure))
        .findFirst()
        .orElse(Double.NaN);
  }

  /**
   * (3) The watch stream goes on at a fixed rate into the caught-up app; for each pod it creates,
   * the append time of its ADDED to that of its first verdict.
   */
  private void latency(List<VigilStreamsApp> apps, List<SimpleMeterRegistry> registries)
      throws Exception {
    long n = (long) o.rate() * o.latencySeconds();
    Fleet.Plan plan = fleet.watch(n);
    log("(3) latency: " + n + " watch events at " + o.rate() + "/s");
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
                  if (r.timestampType() != TimestampType.LOG_APPEND_TIME) {
                    logAppend.set(false);
                  }
                  // A created pod's name is new: its first verdict is its ADDED's.
                  verdictAppend.putIfAbsent(key, r.timestamp());
                  verdictSeen.putIfAbsent(key, now);
                }
              }
            },
            "bench-verdict-reader");
    reader.start();
    List<String> created = new ArrayList<>();
    long admissionsBefore = admissions;
    Map<String, double[]> punctuationBefore = punctuations(registries);
    try (KafkaProducer<byte[], byte[]> p = producer(1)) {
      long start = System.nanoTime();
      int sent = 0;
      while (sent < n) {
        long due = Math.min(n, (long) ((System.nanoTime() - start) / 1e9 * o.rate()) + 1);
        while (sent < due) {
          int pod = plan.pod(sent);
          Fleet.Stage stage = plan.stage(sent++);
          if (stage == Fleet.Stage.CREATED) {
            String key = fleet.key(pod);
            created.add(key);
            podSent.put(key, System.currentTimeMillis());
            sendPodEvent(p, pod, stage, t -> podAppend.put(key, t));
          } else {
            sendPodEvent(p, pod, stage, null);
          }
        }
        Thread.sleep(1);
      }
      p.flush();
      double achieved = n / ((System.nanoTime() - start) / 1e9);
      Map<String, double[]> punctuationAfter = punctuations(registries);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(60, n / 100));
      while (!verdictSeen.keySet().containsAll(created) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      stop.set(true);
      reader.join(5000);
      consumer.close();
      long[] appendToAppend = between(podAppend, verdictAppend);
      long[] appendToVisible = between(podAppend, verdictSeen);
      long[] sendToVisible = between(podSent, verdictSeen);
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("targetRate", o.rate());
      f.put("achievedRate", achieved);
      f.put("podEvents", n);
      f.put("podsCreated", (long) created.size());
      f.put("admissionEvents", admissions - admissionsBefore);
      f.put("verdictsSeen", created.stream().filter(verdictSeen::containsKey).count()); // of those
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
      // Where a stall was, from Kafka Streams' own metrics (max over their last 30-60 s): the
      // stream thread's calls, and Vigil's producer (how long a batch waited to be sent, how long
      // the broker took to answer).
      STALL_METRICS.forEach(
          (figure, metric) -> f.put(figure, streamsMax(apps, metric.get(0), metric.get(1))));
      f.put("punctuation", punctuationFigures(punctuationBefore, punctuationAfter));
      f.put("slowPodsBySecond", slowBySecond(podAppend, verdictAppend, 100));
      f.put("target", "p99 < 100 ms at 5,000 events/s");
      f.put(
          "what",
          "the fleet's watch stream (restarts, evictions, rollouts) at a fixed rate into the caught-up app; "
              + "for each pod it creates, its ADDED's log-append time to its first verdict's log-append time; "
              + "'committed visible' = when a read_committed consumer got the verdict (EOS commit interval 100 ms); "
              + "streamThread*MaxMs are Kafka Streams' own thread metrics, the longest punctuation, commit, poll and "
              + "process call over their last 30-60 s; producer*MaxMs the same of Vigil's producer: the longest a "
              + "batch waited to be sent, and the longest produce request (the broker's answer); "
              + "punctuation: Vigil's vigil_punctuation_seconds over the window by part (calls, seconds in all, "
              + "longest in its last 2 min); slowPodsBySecond: for each second of the window (by ADDED's append) "
              + "with a pod over 100 ms, how many were and the slowest");
      results.add("latency", f);
    } finally {
      stop.set(true);
    }
  }

  /**
   * Vigil's {@code vigil.punctuation} timers summed over the apps: part → {count, seconds, max}.
   */
  private static Map<String, double[]> punctuations(List<SimpleMeterRegistry> registries) {
    Map<String, double[]> m = new TreeMap<>();
    for (SimpleMeterRegistry r : registries) {
      for (Timer t : r.find("vigil.punctuation").timers()) {
        double[] v = m.computeIfAbsent(t.getId().getTag("punctuator"), k -> new double[3]);
        v[0] += t.count();
        v[1] += t.totalTime(TimeUnit.SECONDS);
        v[2] = Math.max(v[2], t.max(TimeUnit.MILLISECONDS));
      }
    }
    return m;
  }

  /** What each punctuator did between two readings: calls, seconds in all, and its longest (ms). */
  private static Map<String, Object> punctuationFigures(
      Map<String, double[]> before, Map<String, double[]> after) {
    Map<String, Object> f = new LinkedHashMap<>();
    after.forEach(
        (part, v) -> {
          double[] b = before.getOrDefault(part, new double[3]);
          if (v[0] > b[0]) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("calls", (long) (v[0] - b[0]));
            p.put("seconds", v[1] - b[1]);
            p.put("maxMs", v[2]);
            f.put(part, p);
          }
        });
    return f;
  }

  /**
   * For each second of the window (from the first pod's append) in which some pod took more than
   * {@code overMs} from append to append: "second" → {count over, slowest ms}. Shows whether the
   * tail is a few stalls or spread out.
   */
  static Map<String, Object> slowBySecond(
      Map<String, Long> from, Map<String, Long> to, long overMs) {
    long first = from.values().stream().mapToLong(Long::longValue).min().orElse(0);
    Map<Long, long[]> bySecond = new TreeMap<>();
    from.forEach(
        (key, t) -> {
          Long v = to.get(key);
          if (v != null && v - t > overMs) {
            long[] c = bySecond.computeIfAbsent((t - first) / 1000, k -> new long[2]);
            c[0]++;
            c[1] = Math.max(c[1], v - t);
          }
        });
    Map<String, Object> f = new LinkedHashMap<>();
    bySecond.forEach((sec, c) -> f.put(String.valueOf(sec), List.of(c[0], c[1])));
    return f;
  }

  /** For each key in both maps, {@code to - from}, sorted. */
  private static long[] between(Map<String, Long> from, Map<String, Long> to) {
    return from.entrySet().stream()
        .filter(e -> to.containsKey(e.getKey()))
        .mapToLong(e -> to.get(e.getKey()) - e.getValue())
        .sorted()
        .toArray();
  }

  /**
   * (4) Policy version 2 with every pod of the fleet running: the time until every running pod is
   * judged under it and every transition it causes is published ({@code secondsUntilAllJudged}, ADR
   * 0135).
   */
  private void revalidation(List<SimpleMeterRegistry> registries) throws Exception {
    Set<String> running = new HashSet<>(fleet.aliveKeys());
    // Policy v2 ends the tools namespace's exemption: exactly its pods' outcomes change (to DENY).
    Set<String> changing = new HashSet<>(fleet.aliveKeys(Workload.Profile.TOOLS));
    long m = running.size();
    log(
        "(4) revalidation: policy version 2 with "
            + m
            + " running pods in the store, "
            + changing.size()
            + " of them (tools) to be denied now");
    double before = counter(registries, "vigil.evaluations", "policy_change");
    Map<TopicPartition, Long> from = new HashMap<>(endOffsets(Topics.VERDICTS.name()));
    from.putAll(endOffsets(Topics.TEMPLATE_VERDICTS.name()));
    from.putAll(endOffsets(Topics.VIOLATIONS.name()));
    PolicyDocument v2 = workload.policy(2);
    byte[] underV2 = ("\"" + v2.key() + "@" + v2.version() + "\"").getBytes(StandardCharsets.UTF_8);
    var violations = Topics.VIOLATIONS.valueSerde().deserializer();
    var templateVerdicts = Topics.TEMPLATE_VERDICTS.valueSerde().deserializer();
    long t0 = System.currentTimeMillis();
    long n0 = System.nanoTime();
    producer
        .send(
            new ProducerRecord<>(
                Topics.POLICIES.name(), v2.key().getBytes(StandardCharsets.UTF_8), Json.write(v2)))
        .get();
    Set<String> judged = new HashSet<>();
    Set<String> opened = new HashSet<>();
    Map<String, Long> transitions = new LinkedHashMap<>();
    long verdicts = 0;
    long reevaluated = 0;
    long templateVerdictsUnderV2 = 0;
    long podsConfirmedByTemplate = 0;
    long firstVerdict = Long.MAX_VALUE;
    long lastVerdict = 0;
    // append time of the last record under v2 (verdict, template verdict or transition)
    long last = 0;
    long lastSeenAt = n0;
    double evaluatedSeconds = Double.NaN;
    String completedBy = null;
    long timeout = TimeUnit.SECONDS.toNanos(Math.max(300, m / 100));
    try (KafkaConsumer<byte[], byte[]> c = committedConsumer()) {
      c.assign(from.keySet());
      from.forEach(c::seek);
      while (completedBy == null && System.nanoTime() - n0 < timeout) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
          if (r.value() == null || indexOf(r.value(), underV2) < 0) {
            continue;
          }
          last = Math.max(last, r.timestamp());
          lastSeenAt = System.nanoTime();
          String key = new String(r.key(), StandardCharsets.UTF_8);
          if (r.topic().equals(Topics.VERDICTS.name())) {
            verdicts++;
            if (indexOf(r.value(), POLICY_CHANGE) >= 0) {
              reevaluated++;
            }
            firstVerdict = Math.min(firstVerdict, r.timestamp());
            lastVerdict = Math.max(lastVerdict, r.timestamp());
            if (running.contains(key)) {
              judged.add(key);
            }
          } else if (r.topic().equals(Topics.TEMPLATE_VERDICTS.name())) {
            // One record stands for the pods of a template whose outcome v2 confirmed.
            TemplateVerdict t = templateVerdicts.deserialize(r.topic(), r.value());
            templateVerdictsUnderV2++;
            podsConfirmedByTemplate += t.podCount();
            for (String pod : t.pods()) {
              if (running.contains(pod)) {
                judged.add(pod);
              }
            }
          } else {
            ViolationTransition t = violations.deserialize(r.topic(), r.value());
            if (t != null && t.category() == ViolationCategory.POLICY) {
              transitions.merge(t.transition().name(), 1L, Long::sum);
              if (t.transition() == ViolationTransition.Transition.OPENED
                  && changing.contains(key)) {
                opened.add(key);
              }
            }
          }
        }
        long now = System.nanoTime();
        if (Double.isNaN(evaluatedSeconds)
            && counter(registries, "vigil.evaluations", "policy_change") - before >= m) {
          evaluatedSeconds = (now - n0) / 1e9;
        }
        if (opened.size() == changing.size()) {
          if (judged.size() == running.size()) {
            completedBy =
                "every running pod has a verdict, or is listed by a template verdict, under the new"
                    + " policy";
          } else if (now - lastSeenAt > QUIET_NANOS) {
            completedBy =
                "every expected transition, then "
                    + TimeUnit.NANOSECONDS.toSeconds(QUIET_NANOS)
                    + " s without a record under the new policy";
          }
        }
      }
    }
    boolean complete = completedBy != null;
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("runningPods", m);
    f.put("secondsUntilAllJudged", complete && last > 0 ? (last - t0) / 1000.0 : Double.NaN);
    f.put(
        "completedBy",
        complete ? completedBy : "not complete after " + timeout / 1_000_000_000 + " s");
    f.put("podsWithVerdictUnderNewPolicy", (long) judged.size());
    f.put("expectedTransitions", (long) changing.size());
    f.put("expectedTransitionsSeen", (long) opened.size());
    f.put("verdictsUnderNewPolicy", verdicts);
    f.put("reevaluatedVerdicts", reevaluated);
    f.put("templateVerdictsUnderNewPolicy", templateVerdictsUnderV2);
    f.put("podsConfirmedByTemplate", podsConfirmedByTemplate);
    f.put("secondsToLastVerdictAppended", verdicts == 0 ? Double.NaN : (lastVerdict - t0) / 1000.0);
    f.put(
        "secondsToFirstVerdictAppended", verdicts == 0 ? Double.NaN : (firstVerdict - t0) / 1000.0);
    f.put("secondsUntilEvaluatedInMemory", evaluatedSeconds);
    f.put("podsPerSecond", complete && last > t0 ? m / ((last - t0) / 1000.0) : Double.NaN);
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
            + "secondsUntilAllJudged = log-append time of the last verdict, template verdict or violation "
            + "transition under v2 minus t0, read (read_committed) until every tools pod has its OPENED "
            + "transition under v2 and either every running pod is judged under v2 or nothing under v2 "
            + "came for "
            + TimeUnit.NANOSECONDS.toSeconds(QUIET_NANOS)
            + " s (ADR 0135); a pod counts as judged (podsWithVerdictUnderNewPolicy) by its own verdict "
            + "or by a template verdict on vigil.template-verdicts listing it (issue 13 part 2: a "
            + "template whose outcome v2 confirms is judged once per partition); "
            + "secondsUntilEvaluatedInMemory = when vigil.evaluations{trigger=policy_change} reached the "
            + "running pods, NaN if it never did (templates, not pods, are evaluated then)");
    results.add("revalidation", f);
  }

  /** (5) Heap after a full GC and the state stores on disk. */
  private void footprint(
      long baselineHeap, List<Path> stateDirs, EmbeddedKafka kafka, List<VigilStreamsApp> apps)
      throws Exception {
    log("(5) footprint");
    long heap = heapAfterFullGc();
    long running = 0;
    for (Path p : stateDirs) {
      running += size(p);
    }
    long rss = rssKiB();
    // Closing flushes RocksDB's memtables: what the stores hold is then all in files on disk (a
    // small state can sit in the memtables whole while running, and look free).
    for (VigilStreamsApp a : apps) {
      a.close();
    }
    long state = 0;
    for (Path p : stateDirs) {
      state += size(p);
    }
    long pods = fleet.alivePods();
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("runningPods", pods);
    f.put("heapAfterFullGcMiB", heap / 1048576.0);
    f.put("heapBeforeVigilStartedMiB", baselineHeap / 1048576.0);
    f.put("vigilHeapMiB", (heap - baselineHeap) / 1048576.0);
    f.put("stateStoresOnDiskMiB", state / 1048576.0);
    f.put("bytesOnDiskPerPod", pods == 0 ? 0 : state / pods);
    f.put("bytesOnDiskPerPodByStore", perPodByStore(stateDirs, pods));
    f.put("stateStoresOnDiskWhileRunningMiB", running / 1048576.0);
    f.put("bytesOnDiskPerPodWhileRunning", pods == 0 ? 0 : running / pods);
    if (kafka != null) {
      f.put("brokerSegmentsMiB", size(kafka.dataDir(), ".log") / 1048576.0);
    }
    f.put("processRssMiB", rss / 1024.0);
    f.put("target", "< 1 GiB heap for 1,000,000 pods");
    f.put(
        "what",
        "used heap after System.gc() (full GC); the JVM also runs the broker, so 'vigilHeapMiB' is the growth "
            + "since before Vigil started; RocksDB memory is off-heap and shows only in RSS; "
            + "bytesOnDiskPerPod = the state directories after Vigil closed (memtables flushed) over the "
            + "running pods, bytesOnDiskPerPodWhileRunning = the same before closing");
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

  /**
   * What an application wrote to the broker, by topic: the end offsets of its internal topics
   * (changelogs, repartition topics: {@code <appId>-...}, named without that prefix) and of {@code
   * outputs}, transaction markers included (each is a record the broker appends), over {@code
   * inputs}; the total under {@code "total"}, then the topics, most first.
   */
  private Map<String, Double> written(String appId, List<String> outputs, long inputs)
      throws Exception {
    Map<String, Long> by = new HashMap<>();
    for (String t : admin.listTopics().names().get(30, TimeUnit.SECONDS)) {
      if (t.startsWith(appId + "-") || outputs.contains(t)) {
        by.put(t.startsWith(appId + "-") ? t.substring(appId.length() + 1) : t, sum(endOffsets(t)));
      }
    }
    double n = Math.max(1, inputs);
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("total", by.values().stream().mapToLong(Long::longValue).sum() / n);
    by.entrySet().stream()
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> out.put(e.getKey(), e.getValue() / n));
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

  /**
   * The bytes per running pod of each store under {@code dirs} (Kafka Streams keeps a store's files
   * under {@code <task>/rocksdb/<store>}; the rest counts as {@code other}), largest first.
   */
  private static Map<String, Long> perPodByStore(List<Path> dirs, long pods) throws IOException {
    Map<String, Long> bytes = new HashMap<>();
    for (Path d : dirs) {
      if (!Files.exists(d)) {
        continue;
      }
      try (Stream<Path> s = Files.walk(d)) {
        for (Path f : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
          Path rel = d.relativize(f);
          String store = "other";
          for (int i = 0; i + 2 < rel.getNameCount(); i++) {
            if (rel.getName(i).toString().equals("rocksdb")) {
              store = rel.getName(i + 1).toString();
              break;
            }
          }
          try {
            bytes.merge(store, Files.size(f), Long::sum);
          } catch (IOException gone) {
            // removed while walking: not kept
          }
        }
      }
    }
    Map<String, Long> out = new LinkedHashMap<>();
    bytes.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> out.put(e.getKey(), pods == 0 ? 0 : e.getValue() / pods));
    return out;
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

  private void log(String msg) {
    out.printf(
        "[bench %s load %s] %s%n",
        java.time.LocalTime.now().withNano(0), Results.loadAverage(), msg);
    out.flush();
  }
}
