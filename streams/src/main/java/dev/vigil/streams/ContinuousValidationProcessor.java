package dev.vigil.streams;

import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.TemplateVerdict;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.settings.KafkaSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous validation for the pods of one partition: keeps the running pods, evaluates each on
 * every pod event and whenever a policy version, an attestation, image metadata or time changes,
 * publishes every verdict and the violation transitions, and correlates admission events with pods
 * to feed the follow-ups. It also judges the per-pod hygiene rules for each pod event it takes
 * ({@link HygieneTask}, ADR 0175), which never change a decision.
 *
 * <p>What happens to a pod is decided by {@link PodLifecycle#step}, a pure function; this processor
 * reads the stores, calls it, and applies the result: metrics, then store writes, then the records
 * (ADR 0130). Its punctuators are small classes wired in {@link #init}: {@link
 * ChangePollPunctuator} turns policy and fact changes into scans, {@link RescanPunctuator} runs
 * them, {@link AdmissionExpiryPunctuator} announces and forgets admissions that wait for their pod,
 * {@link RejectedFactsPunctuator} dead-letters rejected facts. Everything that decides is in the
 * task's stores; {@link #init} rebuilds every field from them, so a task Kafka Streams revives
 * after its stores rolled back carries on from what they say (ADR 0011).
 */
final class ContinuousValidationProcessor
    implements Processor<String, PodInput, String, ValidationOutput>, PodSteps {

  private static final Logger LOG = LoggerFactory.getLogger(ContinuousValidationProcessor.class);

  static final String SOURCE = "urn:vigil:streams";

  private final StreamsSettings settings;
  private final ValidationEngine engine;
  private final VigilMetrics metrics;
  private final FactsCache cache;
  private final PodLifecycle lifecycle;
  private final HygieneLifecycle hygieneRules;
  private final HygieneMetrics hygieneMetrics;

  private ProcessorContext<String, ValidationOutput> context;
  private PodStore pods;
  private KeyValueStore<String, PendingAdmissions> pending;
  private KeyValueStore<String, String> progress;
  private HygieneTask hygiene;

  // Caches and derived values, all made again by init() (ADR 0130): the parsed policies of the
  // global store, the facts of the global stores, and the pods this task counts in the gauges.
  private PoliciesInForce policies;
  private StoreFacts facts;
  private final Set<String> violatingPods = new HashSet<>();

  private Reevaluations reevaluations;
  private ChangePollPunctuator changes;
  private RescanPunctuator rescans;
  private AdmissionExpiryPunctuator admissions;
  private RejectedFactsPunctuator rejectedFacts;

  private final int podPartitions;
  private long misroutedWarnedAt = Long.MIN_VALUE; // logging only: one line a minute

  // The records of the step under way (a record, a punctuation), forwarded after its store writes;
  // empty between steps.
  private final List<Record<String, ValidationOutput>> outbox = new ArrayList<>();

  ContinuousValidationProcessor(
      StreamsSettings settings,
      ValidationEngine engine,
      VigilMetrics metrics,
      FactsCache cache,
      HygieneMetrics hygieneMetrics,
      int podPartitions) {
    this.settings = settings;
    this.hygieneMetrics = hygieneMetrics;
    this.hygieneRules = new HygieneLifecycle(settings.hygiene());
    this.podPartitions = podPartitions;
    this.engine = engine;
    this.metrics = metrics;
    this.cache = cache;
    this.lifecycle = new PodLifecycle(PodLifecycle.Settings.of(settings), engine.evaluator());
  }

  @Override
  public void init(ProcessorContext<String, ValidationOutput> context) {
    this.context = context;
    outbox.clear();
    pods =
        new PodStore(
            context.getStateStore(StoreNames.PODS),
            context.getStateStore(StoreNames.TEMPLATES),
            context.getStateStore(StoreNames.TEMPLATE_PODS),
            context.getStateStore(StoreNames.TEMPLATES_BY_DIGEST));
    pending = context.getStateStore(StoreNames.PENDING_ADMISSIONS);
    progress = context.getStateStore(StoreNames.PROGRESS);
    if (hygiene != null) {
      hygiene.close(); // a revived task: the gauges count again from the store
    }
    hygiene =
        new HygieneTask(
            hygieneRules, hygieneMetrics, context.getStateStore(StoreNames.HYGIENE_PODS));
    KeyValueStore<String, byte[]> attestations = context.getStateStore(StoreNames.ATTESTATIONS);
    KeyValueStore<String, byte[]> metadata = context.getStateStore(StoreNames.IMAGE_METADATA);
    facts = new StoreFacts(attestations, metadata, cache);
    policies =
        new PoliciesInForce(context.getStateStore(StoreNames.POLICIES), engine.parser(), metrics);
    reevaluations =
        new Reevaluations(
            pods,
            progress,
            metrics,
            Reevaluations.Limits.DEFAULT,
            Reevaluations.Limits.BACKGROUND,
            Reevaluations.Pace::ofThisThread);
    changes = new ChangePollPunctuator(policies, progress, attestations, metadata, reevaluations);
    rescans =
        new RescanPunctuator(
            reevaluations,
            policies,
            facts,
            pods,
            this,
            metrics,
            context::currentSystemTimeMs,
            context::currentStreamTimeMs,
            settings.deletedPodRetention());
    admissions =
        new AdmissionExpiryPunctuator(
            pending, progress, this, settings.correlationSkew(), settings.followUpMaxOpenAge());
    rejectedFacts = new RejectedFactsPunctuator(progress, attestations, metadata, this, metrics);
    countOpenViolations();
    context.schedule(
        settings.changePollInterval(),
        PunctuationType.WALL_CLOCK_TIME,
        ts ->
            punctuate(
                () -> {
                  metrics.punctuation("change-poll", () -> changes.poll(ts));
                  metrics.punctuation("scans", () -> rescans.continueScans(ts));
                  metrics.punctuation(
                      "admission-expiry",
                      () ->
                          admissions.expire(
                              Instant.ofEpochMilli(context.currentStreamTimeMs()), ts));
                  if (context.taskId().partition() == 0) {
                    metrics.punctuation("rejected-facts", () -> rejectedFacts.deadLetter(ts));
                  }
                  metrics.punctuation("hygiene-purge", () -> hygiene.purge(progress));
                }));
    context.schedule(
        settings.freshnessInterval(),
        PunctuationType.WALL_CLOCK_TIME,
        ts ->
            punctuate(
                () -> {
                  metrics.punctuation(
                      "scans-start",
                      () -> {
                        reevaluations.everyPod(
                            Reevaluations.FRESHNESS,
                            Verdict.Trigger.IMAGE_METADATA_CHANGE,
                            false,
                            ts);
                        // forgets deleted pods after the retention, and drops templates no pod is
                        // of
                        reevaluations.everyPod(
                            Reevaluations.FORGET, Verdict.Trigger.IMAGE_METADATA_CHANGE, false, ts);
                        reevaluations.everyPod(
                            Reevaluations.SWEEP, Verdict.Trigger.IMAGE_METADATA_CHANGE, false, ts);
                      });
                  metrics.punctuation("scans", () -> rescans.continueScans(ts));
                }));
    context.schedule(
        settings.fullReevaluationInterval(),
        PunctuationType.WALL_CLOCK_TIME,
        ts ->
            punctuate(
                () -> {
                  metrics.punctuation(
                      "scans-start",
                      () ->
                          reevaluations.everyPod(
                              Reevaluations.PERIODIC,
                              Verdict.Trigger.IMAGE_METADATA_CHANGE,
                              false,
                              ts));
                  metrics.punctuation("scans", () -> rescans.continueScans(ts));
                }));
    context.schedule(
        Reevaluations.CONTINUE_INTERVAL,
        PunctuationType.WALL_CLOCK_TIME,
        ts -> punctuate(() -> metrics.punctuation("scans", () -> rescans.continueScans(ts))));
  }

  /** The open-violation gauges count what this task holds (again, if the task is revived). */
  private void countOpenViolations() {
    metrics.forgetViolations(violatingPods);
    violatingPods.clear();
    List<Map.Entry<String, PodState>> open = new ArrayList<>();
    try (KeyValueIterator<String, StoredPod> it = pods.pods().all()) {
      while (it.hasNext()) {
        var kv = it.next();
        PodState s = kv.value == null ? null : kv.value.state();
        if (s != null && !s.deleted() && s.violation() != null) {
          open.add(Map.entry(kv.key, s));
        }
      }
    }
    for (Map.Entry<String, PodState> e : open) {
      PodState s = e.getValue();
      violatingPods.add(e.getKey());
      metrics.violation(
          e.getKey(),
          s.pod().clusterId(),
          s.pod().namespace(),
          s.violation().decision(),
          Violations.severity(s.violation(), s.pod().namespace(), settings.severity()),
          s.violation().rules());
    }
  }

  @Override
  public void close() {
    metrics.forgetViolations(violatingPods);
    if (hygiene != null) {
      hygiene.close();
    }
  }

  @Override
  public void process(Record<String, PodInput> record) {
    PodInput in = record.value();
    checkPartition(in);
    punctuate(
        () -> {
          if (in.pod() != null) {
            policies.refresh();
            String key = in.pod().key();
            step(
                new PodLifecycle.Pod(key, pods.get(key), pending.get(key)),
                new PodLifecycle.PodChanged(in.pod()),
                record.timestamp());
          } else if (in.admission() != null) {
            String key = in.admission().key();
            step(
                new PodLifecycle.Pod(key, pods.get(key), pending.get(key)),
                new PodLifecycle.Admitted(in.admission(), Instant.ofEpochMilli(record.timestamp())),
                record.timestamp());
          }
        });
  }

  /** Counts (and logs, at most once a minute) a record on another partition than its pod's. */
  private void checkPartition(PodInput in) {
    String key =
        in.pod() != null ? in.pod().key() : in.admission() != null ? in.admission().key() : null;
    var meta = context.recordMetadata().orElse(null);
    if (key == null || meta == null || podPartitions < 1) {
      return;
    }
    int expected = settings.podPartitioning().partition(key, podPartitions);
    if (expected == meta.partition()) {
      return;
    }
    metrics.misrouted(meta.topic());
    long now = context.currentSystemTimeMs();
    if (misroutedWarnedAt == Long.MIN_VALUE || now - misroutedWarnedAt >= 60_000) {
      misroutedWarnedAt = now;
      LOG.warn(
          "{} partition {} has a record of a pod that {}={} places on partition {}: every producer"
              + " of pod and admission events must use the same partitioning (ADR 0160)",
          meta.topic(),
          meta.partition(),
          KafkaSettings.POD_PARTITIONING.key(),
          settings.podPartitioning().wireName(),
          expected);
    }
  }

  /** Runs one piece of work (a record, a punctuation), then forwards what it queued. */
  private void punctuate(Runnable work) {
    outbox.clear();
    work.run();
    outbox.forEach(context::forward);
    outbox.clear();
  }

  /**
   * Computes the step (pure; if it throws, nothing is applied), then moves the metrics (counters
   * and gauges only: init() rebuilds the gauges from the stores), then writes the stores, then
   * queues the records, which are forwarded when the record or punctuation is done.
   */
  @Override
  public void step(PodLifecycle.Pod before, PodLifecycle.Input input, long ts) {
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    PodLifecycle.Result r = lifecycle.step(before, input, policies, facts, pods, now);
    // Hygiene takes the pod events continuous validation takes: one version check (ADR 0175).
    HygieneTask.Step h =
        input instanceof PodLifecycle.PodChanged c && taken(r)
            ? hygiene.step(c.event(), now)
            : null;
    observe(before, r);
    for (PodLifecycle.Output o : r.outputs()) {
      if (o instanceof PodLifecycle.TemplateJudged t) {
        pods.judged(t.key(), t.template());
      }
    }
    write(before, r.after());
    r.outputs().forEach(o -> emit(o, ts));
    if (h != null) {
      outbox.addAll(hygiene.apply(h, ts));
    }
  }

  /** The pod event was taken: neither a duplicate nor older than the one kept. */
  private static boolean taken(PodLifecycle.Result r) {
    return r.ignored() == null || PodLifecycle.UNCHANGED.equals(r.ignored());
  }

  @Override
  public boolean rejudge(
      String fingerprint, TemplateState t, Verdict.Trigger trigger, List<String> running, long ts) {
    PodLifecycle.TemplateResult r =
        lifecycle.rejudge(
            fingerprint,
            t,
            trigger,
            running,
            policies,
            facts,
            Instant.ofEpochMilli(context.currentSystemTimeMs()));
    metrics.evaluated(trigger, r.after().judgement().evaluation().decision());
    pods.rejudged(fingerprint, r.after());
    r.confirmed().forEach(c -> emit(c, ts));
    return r.walk();
  }

  private void observe(PodLifecycle.Pod before, PodLifecycle.Result r) {
    if (r.ignored() != null) {
      metrics.podEventIgnored(r.ignored());
    }
    for (PodLifecycle.Output o : r.outputs()) {
      if (o instanceof PodLifecycle.Judged j) {
        metrics.evaluated(j.verdict().trigger(), j.verdict().decision());
      }
    }
    PodState was = before.state();
    PodState is = r.after().state();
    PodState.OpenViolation open = is == null ? null : is.violation();
    if (!Objects.equals(was == null ? null : was.violation(), open)) {
      var p = (is != null ? is : was).pod();
      if (open == null) {
        violatingPods.remove(before.key());
        metrics.violation(before.key(), p.clusterId(), p.namespace(), null, null, List.of());
      } else {
        violatingPods.add(before.key());
        metrics.violation(
            before.key(),
            p.clusterId(),
            p.namespace(),
            open.decision(),
            open.severity(),
            open.rules());
      }
    }
    for (PodLifecycle.Output o : r.outputs()) {
      if (o instanceof PodLifecycle.Transitioned t) {
        metrics.violationTransition(t.transition().transition(), t.transition().severity());
      }
    }
  }

  /** Writes what changed: the pod's state (with its template and indexes), its admissions. */
  private void write(PodLifecycle.Pod before, PodLifecycle.Pod after) {
    String key = before.key();
    if (after.state() != before.state()) {
      pods.put(key, before.state(), after.state());
    }
    if (after.waiting() != before.waiting()) {
      admissions.index(key, before.waiting(), after.waiting());
      if (after.waiting() == null) {
        pending.delete(key);
      } else {
        pending.put(key, after.waiting());
      }
    }
  }

  @Override
  public void emit(PodLifecycle.Output out, long ts) {
    Headers headers;
    ValidationOutput value;
    if (out instanceof PodLifecycle.Judged j) {
      Verdict v = j.verdict();
      value = ValidationOutput.of(v);
      headers = CloudEvents.headers(Topics.VERDICTS, v.verdictId(), SOURCE, v.evaluatedAt());
    } else if (out instanceof PodLifecycle.Transitioned t) {
      ViolationTransition v = t.transition();
      value = ValidationOutput.of(v);
      headers =
          CloudEvents.headers(
              Topics.VIOLATIONS,
              v.violationId() + "/" + v.transition() + "/" + v.verdictId(),
              SOURCE,
              v.at());
    } else if (out instanceof PodLifecycle.DeadLettered d) {
      value = ValidationOutput.of(d.letter());
      headers =
          CloudEvents.headers(
              Topics.DEAD_LETTER, d.key() + "/" + d.letter().at(), SOURCE, d.letter().at());
    } else if (out instanceof PodLifecycle.Signaled s) {
      value = ValidationOutput.of(s.signal());
      headers = null;
    } else if (out instanceof PodLifecycle.TemplateConfirmed c) {
      TemplateVerdict v = c.verdict();
      value = ValidationOutput.of(v);
      headers =
          CloudEvents.headers(
              Topics.TEMPLATE_VERDICTS, v.templateVerdictId(), SOURCE, v.evaluatedAt());
    } else if (out instanceof PodLifecycle.TemplateJudged) {
      return; // kept in the templates store by step(), not published
    } else {
      throw new IllegalArgumentException("unknown output " + out);
    }
    outbox.add(
        headers == null
            ? new Record<>(out.key(), value, ts)
            : new Record<>(out.key(), value, ts, headers));
  }
}
