package dev.vigil.streams;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.WorkloadRef;
import dev.vigil.validator.Evaluation;
import dev.vigil.validator.InvalidPolicyException;
import dev.vigil.validator.PodContext;
import dev.vigil.validator.PolicySet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Continuous validation for the pods of one partition: keeps the running pods, evaluates each on
 * every pod event and whenever a policy version, an attestation, image metadata or time changes,
 * publishes every verdict and the violation transitions, and correlates admission events with pods
 * to feed the follow-ups.
 *
 * <p>Everything that decides what to re-judge is in the task's stores, written in the same
 * transaction as the pods: every {@code changePollInterval} the task compares the policies in force
 * (global store) with the policy fingerprint it last reconciled, and reads the fact changes logged
 * in the global fact stores after its cursors ({@link FactChanges}); the scans they start and their
 * cursors are kept in the progress store ({@link Reevaluations}). {@link #init} rebuilds everything
 * else from the stores, so a task Kafka Streams revives after its stores rolled back carries on
 * from what they say (ADR 0011).
 */
final class ContinuousValidationProcessor
    implements Processor<String, PodInput, String, ValidationOutput> {

  static final String SOURCE = "urn:vigil:streams";

  private final StreamsSettings settings;
  private final ValidationEngine engine;
  private final VigilMetrics metrics;
  private final FactsCache cache;

  private ProcessorContext<String, ValidationOutput> context;
  private KeyValueStore<String, PodState> pods;
  private KeyValueStore<String, String> podsByDigest;
  private KeyValueStore<String, PendingAdmissions> pending;
  private KeyValueStore<String, String> progress;
  private KeyValueStore<String, byte[]> policyStore;
  private KeyValueStore<String, byte[]> attestations;
  private KeyValueStore<String, byte[]> metadata;
  private StoreFacts facts;
  private Reevaluations reevaluations;

  // Caches of the global policy store (re-read only when its revision differs from bookRevision)
  // and of the open violations for the gauges; init() rebuilds both.
  private PolicyBook book;
  private String bookRevision;
  private String bookFingerprint;
  private final Map<String, Policies> policyCache = new HashMap<>();
  private final Set<String> violatingPods = new HashSet<>();

  // One step at a time (a record, a punctuation, a pod of a scan): what it forwards and the gauges
  // it moves are gathered here while it computes, and emitted only after its store writes. A step
  // that throws leaves nothing half done: no verdict forwarded without the pod state it goes with.
  private final List<Record<String, ValidationOutput>> outbox = new ArrayList<>();
  private final List<Runnable> gauges = new ArrayList<>();

  /** The policies in force for a cluster, or why there are none. */
  private record Policies(PolicySet set, String problem, List<String> versions) {}

  ContinuousValidationProcessor(
      StreamsSettings settings, ValidationEngine engine, VigilMetrics metrics, FactsCache cache) {
    this.settings = settings;
    this.engine = engine;
    this.metrics = metrics;
    this.cache = cache;
  }

  @Override
  public void init(ProcessorContext<String, ValidationOutput> context) {
    this.context = context;
    pods = context.getStateStore(StoreNames.PODS);
    podsByDigest = context.getStateStore(StoreNames.PODS_BY_DIGEST);
    pending = context.getStateStore(StoreNames.PENDING_ADMISSIONS);
    progress = context.getStateStore(StoreNames.PROGRESS);
    policyStore = context.getStateStore(StoreNames.POLICIES);
    attestations = context.getStateStore(StoreNames.ATTESTATIONS);
    metadata = context.getStateStore(StoreNames.IMAGE_METADATA);
    facts = new StoreFacts(attestations, metadata, cache);
    reevaluations =
        new Reevaluations(pods, podsByDigest, progress, metrics, Reevaluations.Limits.DEFAULT);
    book = null;
    bookRevision = null;
    bookFingerprint = null;
    policyCache.clear();
    refreshPolicies();
    // The open-violation gauges count what this task holds (again, if the task is revived).
    metrics.forgetViolations(violatingPods);
    violatingPods.clear();
    forEachPod(
        s -> !s.deleted() && s.violation() != null,
        (key, s) -> {
          violatingPods.add(key);
          metrics.violation(
              key,
              s.pod().clusterId(),
              s.pod().namespace(),
              s.violation().decision(),
              Violations.severity(s.violation(), s.pod().namespace(), settings.severity()),
              s.violation().rules());
        });
    context.schedule(
        settings.changePollInterval(),
        PunctuationType.WALL_CLOCK_TIME,
        ts -> step(() -> pollChanges(ts)));
    context.schedule(
        settings.freshnessInterval(),
        PunctuationType.WALL_CLOCK_TIME,
        ts -> step(() -> freshness(ts)));
    context.schedule(
        settings.fullReevaluationInterval(),
        PunctuationType.WALL_CLOCK_TIME,
        ts ->
            step(
                () -> {
                  reevaluations.everyPod(
                      PERIODIC, Verdict.Trigger.IMAGE_METADATA_CHANGE, false, ts);
                  continueReevaluations(ts);
                }));
    context.schedule(
        Reevaluations.CONTINUE_INTERVAL,
        PunctuationType.WALL_CLOCK_TIME,
        ts -> step(() -> continueReevaluations(ts)));
  }

  @Override
  public void close() {
    metrics.forgetViolations(violatingPods);
  }

  @Override
  public void process(Record<String, PodInput> record) {
    step(
        () -> {
          PodInput in = record.value();
          if (in.pod() != null) {
            onPodEvent(in.pod(), record.timestamp());
          } else if (in.admission() != null) {
            onAdmission(in.admission(), record.timestamp());
          }
        });
  }

  /** Runs one step: computes (store writes at its end), then forwards and moves the gauges. */
  private void step(Runnable work) {
    outbox.clear();
    gauges.clear();
    work.run();
    outbox.forEach(context::forward);
    gauges.forEach(Runnable::run);
    outbox.clear();
    gauges.clear();
  }

  // ---- pod events ------------------------------------------------------------------------

  private void onPodEvent(PodEvent e, long ts) {
    refreshPolicies();
    String key = e.key();
    PodState state = pods.get(key);
    String ignored = staleOrDuplicate(state, e);
    if (ignored != null) {
      metrics.podEventIgnored(ignored);
      return;
    }
    Instant now = now();
    boolean terminal =
        e.type() == PodEvent.Type.DELETED
            || "Succeeded".equals(e.phase())
            || "Failed".equals(e.phase());
    if (terminal) {
      if (state == null || state.deleted()) {
        pods.put(key, (state == null ? PodState.fresh(e) : state).deleted(e, now));
        return;
      }
      String why = e.type() == PodEvent.Type.DELETED ? "pod deleted" : "pod " + e.phase();
      if (state.violation() != null) {
        ViolationTransition resolved =
            Violations.gone(state, why, now, e.observedAt(), settings.severity());
        forward(key, ValidationOutput.of(resolved), ts);
        setViolationMetric(key, state.pod(), null, resolved);
      }
      for (FollowUp.Kind kind : state.followUpKinds()) {
        forward(
            signalKey(state.pod(), kind),
            ValidationOutput.of(
                signal(
                    FollowUpSignal.Type.GONE,
                    state.withPod(e),
                    kind,
                    null,
                    why,
                    now,
                    e.observedAt())),
            ts);
      }
      PodState gone = state.deleted(e, now);
      index(key, StoreFacts.digests(state.pod()), List.of());
      pods.put(key, gone);
      return;
    }
    boolean created = state == null || state.deleted();
    PodState base =
        state == null
            ? PodState.fresh(e)
            : created ? PodState.recreated(e, state) : state.withPod(e);
    PodState evaluated = evaluate(key, base, Verdict.Trigger.POD_EVENT, e.observedAt(), ts);
    if (created
        && e.type() == PodEvent.Type.ADDED
        && evaluated.decision() == Decision.DRYRUN_DENY) {
      evaluated =
          join(
              evaluated,
              FollowUp.Kind.DRY_RUN,
              null,
              "a dry-run rule would have denied the pod when it was created",
              e.observedAt(),
              ts);
    }
    PendingAdmissions waiting = pending.get(key);
    if (waiting != null) {
      for (AdmissionEvent a : waiting.events()) {
        evaluated = correlate(evaluated, a, ts);
      }
    }
    // Computed: now write, then (step) forward.
    index(key, created ? List.of() : StoreFacts.digests(state.pod()), StoreFacts.digests(e));
    if (waiting != null) {
      pending.delete(key);
    }
    pods.put(key, evaluated);
  }

  /** Why the event is ignored ({@code duplicate}, {@code out_of_order}), or null to take it. */
  private static String staleOrDuplicate(PodState state, PodEvent e) {
    if (state == null) {
      return null;
    }
    PodEvent prev = state.pod();
    if (prev.eventId().equals(e.eventId())) {
      return "duplicate";
    }
    int cmp = compareVersions(prev, e);
    if (cmp == 0) {
      return "duplicate";
    }
    return cmp > 0 ? "out_of_order" : null;
  }

  /** Orders two events of one pod: by resourceVersion when both are numbers, else by time. */
  static int compareVersions(PodEvent a, PodEvent b) {
    Long ra = number(a.resourceVersion());
    Long rb = number(b.resourceVersion());
    if (ra != null && rb != null && !ra.equals(rb)) {
      return Long.compare(ra, rb);
    }
    // Same resourceVersion: a deletion can carry the version of the pod's last state (the fabric8
    // mock does; informers replay a deleted pod's last known state too). DELETED is the newer one.
    if (ra != null && ra.equals(rb) && a.type() != b.type()) {
      return Integer.compare(a.type().ordinal(), b.type().ordinal());
    }
    int t = a.observedAt().compareTo(b.observedAt());
    if (t != 0) {
      return t;
    }
    return a.type() == b.type() ? 0 : Integer.compare(a.type().ordinal(), b.type().ordinal());
  }

  private static Long number(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  // ---- admission events ------------------------------------------------------------------

  private void onAdmission(AdmissionEvent a, long ts) {
    if (a.blocked() || kinds(a).isEmpty()) {
      return; // nothing was admitted, or it was admitted by the policy itself
    }
    String key = a.key();
    PodState state = pods.get(key);
    boolean forLaterPod =
        state != null && state.deleted() && a.requestReceivedAt().isAfter(state.pod().observedAt());
    if (state != null && !forLaterPod) {
      pods.put(key, correlate(state, a, ts));
      return;
    }
    PendingAdmissions waiting = pending.get(key);
    List<AdmissionEvent> events = new ArrayList<>(waiting == null ? List.of() : waiting.events());
    if (events.stream().anyMatch(x -> x.auditId().equals(a.auditId()))) {
      return;
    }
    events.add(a);
    // A new admission for a pod already announced without a verdict is announced again (once).
    pending.put(
        key,
        new PendingAdmissions(
            events, waiting == null ? Instant.ofEpochMilli(ts) : waiting.since(), false));
  }

  private static List<FollowUp.Kind> kinds(AdmissionEvent a) {
    List<FollowUp.Kind> k = new ArrayList<>();
    if (a.failedOpen() != null) {
      k.add(FollowUp.Kind.FAIL_OPEN);
    }
    if (a.breakglass()) {
      k.add(FollowUp.Kind.BREAKGLASS);
    }
    if (a.dryRun()) {
      k.add(FollowUp.Kind.DRY_RUN);
    }
    return k;
  }

  private static String detail(AdmissionEvent a, FollowUp.Kind kind) {
    return switch (kind) {
      case FAIL_OPEN ->
          "admission failed open: "
              + a.failedOpen().mechanism()
              + (a.failedOpen().detail() == null ? "" : " (" + a.failedOpen().detail() + ")");
      case BREAKGLASS -> "pod admitted with breakglass";
      case DRY_RUN -> "admitted while a dry-run rule would deny it";
    };
  }

  /** Adds the admission's bypasses to the pod's follow-ups (once per audit id and kind). */
  private PodState correlate(PodState state, AdmissionEvent a, long ts) {
    if (state.seenAdmissions().contains(a.auditId())) {
      return state;
    }
    List<String> seen = new ArrayList<>(state.seenAdmissions());
    seen.add(a.auditId());
    while (seen.size() > PodState.MAX_SEEN_ADMISSIONS) {
      seen.remove(0);
    }
    PodState s = state.withFollowUps(state.followUpKinds(), state.signaledDecision(), seen);
    for (FollowUp.Kind kind : kinds(a)) {
      s = join(s, kind, a.user(), detail(a, kind), a.requestReceivedAt(), ts);
    }
    return s;
  }

  /**
   * Makes the pod part of the follow-up of {@code kind} for its workload, if not already; {@code
   * eventTime} is when the admission (or the pod event) that does it happened.
   */
  private PodState join(
      PodState s, FollowUp.Kind kind, String user, String detail, Instant eventTime, long ts) {
    if (s.followUpKinds().contains(kind)) {
      return s;
    }
    Instant now = now();
    forward(
        signalKey(s.pod(), kind),
        ValidationOutput.of(
            signal(FollowUpSignal.Type.ADMITTED, s, kind, user, detail, now, eventTime)),
        ts);
    if (s.deleted()) {
      forward(
          signalKey(s.pod(), kind),
          ValidationOutput.of(
              signal(
                  FollowUpSignal.Type.GONE,
                  s,
                  kind,
                  null,
                  "pod deleted",
                  now,
                  s.pod().observedAt())),
          ts);
    }
    List<FollowUp.Kind> kinds = new ArrayList<>(s.followUpKinds());
    kinds.add(kind);
    return s.withFollowUps(kinds, s.decision(), s.seenAdmissions());
  }

  // ---- evaluation ------------------------------------------------------------------------

  /**
   * Judges the pod now, for an input of {@code eventTime} (null: unknown), which its records carry.
   */
  private PodState evaluate(
      String key, PodState s, Verdict.Trigger trigger, Instant eventTime, long ts) {
    Instant now = now();
    PodEvent p = s.pod();
    // Before evaluating: if the facts change meanwhile, the stored fingerprint is the older one and
    // the change's re-evaluation (which skips pods whose fingerprint is current) still judges it.
    String factsFingerprint = facts.fingerprint(StoreFacts.digests(p));
    PodContext pod = PodContext.of(p);
    Evaluation ev = judge(pod, now);
    String verdictId = key + "#" + (s.evaluations() + 1);
    Verdict v = ev.toVerdict(verdictId, pod, p.uid(), p.owner(), trigger, now);
    forward(key, ValidationOutput.of(v), ts);
    metrics.evaluated(trigger, v.decision());
    PodState.OpenViolation open = s.violation();
    Violations.Step step = Violations.next(open, v, now, eventTime, settings.severity());
    if (step.transition() != null) {
      forward(key, ValidationOutput.of(step.transition()), ts);
    }
    if (step.transition() != null || !Objects.equals(open, step.open())) {
      setViolationMetric(key, p, step.open(), step.transition());
    }
    open = step.open();
    PodState out = s.evaluated(v.decision(), v.policyVersions(), factsFingerprint, open);
    if (!out.followUpKinds().isEmpty() && out.decision() != out.signaledDecision()) {
      for (FollowUp.Kind kind : out.followUpKinds()) {
        forward(
            signalKey(p, kind),
            ValidationOutput.of(
                signal(FollowUpSignal.Type.EVALUATED, out, kind, null, null, now, eventTime)),
            ts);
      }
      out = out.withFollowUps(out.followUpKinds(), out.decision(), out.seenAdmissions());
    }
    return out;
  }

  /**
   * After the step: the open-violations gauge, and the transitions counter when {@code t} is one.
   */
  private void setViolationMetric(
      String key, PodEvent p, PodState.OpenViolation open, ViolationTransition t) {
    gauges.add(
        () -> {
          moveViolationGauge(key, p, open);
          if (t != null) {
            metrics.violationTransition(t.transition(), t.severity());
          }
        });
  }

  private void moveViolationGauge(String key, PodEvent p, PodState.OpenViolation open) {
    if (open == null) {
      violatingPods.remove(key);
      metrics.violation(key, p.clusterId(), p.namespace(), null, null, List.of());
    } else {
      violatingPods.add(key);
      metrics.violation(
          key, p.clusterId(), p.namespace(), open.decision(), open.severity(), open.rules());
    }
  }

  /**
   * What the policies in force say of a pod's images; UNKNOWN, never allowed, when it cannot be
   * judged.
   */
  private Evaluation judge(PodContext pod, Instant now) {
    Policies policies = policiesFor(pod.clusterId());
    if (policies.set() == null) {
      return unknown(pod.images(), policies.problem(), policies.versions());
    }
    try {
      return engine.evaluator().evaluate(pod, policies.set(), facts, now);
    } catch (RuntimeException e) {
      return unknown(pod.images(), "evaluation failed: " + e, policies.versions());
    }
  }

  private static Evaluation unknown(
      List<ContainerImage> containers, String reason, List<String> versions) {
    List<Verdict.ImageResult> images = new ArrayList<>();
    for (ContainerImage c : containers) {
      images.add(
          new Verdict.ImageResult(
              c.container(),
              c.image(),
              digestOf(c),
              Decision.UNKNOWN,
              null,
              List.of(reason),
              List.of(),
              List.of()));
    }
    return new Evaluation(Decision.UNKNOWN, images, versions);
  }

  private static String digestOf(ContainerImage c) {
    return StoreFacts.digest(c);
  }

  private Policies policiesFor(String clusterId) {
    PolicyBook.Effective e = book.effective(clusterId);
    List<String> versions = new ArrayList<>();
    for (PolicyDocument d : documents(e)) {
      versions.add(d.key() + "@" + d.version());
    }
    if (e.policy() == null) {
      return new Policies(
          null, "no Binary Authorization policy in force for cluster " + clusterId, List.of());
    }
    return policyCache.computeIfAbsent(
        e.fingerprint(),
        fp -> {
          try {
            PolicySet set = engine.parser().parse(e.policy(), e.platformPolicy(), e.attestors());
            return new Policies(set, null, set.versions());
          } catch (InvalidPolicyException | RuntimeException ex) {
            return new Policies(
                null, "the policies in force cannot be used: " + ex.getMessage(), versions);
          }
        });
  }

  private static List<PolicyDocument> documents(PolicyBook.Effective e) {
    List<PolicyDocument> out = new ArrayList<>();
    if (e.policy() != null) {
      out.add(e.policy());
    }
    if (e.platformPolicy() != null) {
      out.add(e.platformPolicy());
    }
    out.addAll(e.attestors());
    return out;
  }

  /**
   * Reloads the accepted policies from the global store when its revision differs from the one the
   * book was read at: one store read per pod event and poll while the policies do not change. The
   * revision is read before the documents, and the keeper writes it after them, so a book is never
   * older than the revision it is kept under.
   */
  private void refreshPolicies() {
    String revision = PolicyStore.revision(policyStore);
    if (book != null && Objects.equals(revision, bookRevision)) {
      return;
    }
    PolicyBook fresh = PolicyBook.of(PolicyStore.documents(policyStore));
    metrics.policyReload();
    bookRevision = revision;
    String fp = fresh.fingerprint();
    if (fp.equals(bookFingerprint)) {
      return;
    }
    book = fresh;
    bookFingerprint = fp;
    policyCache.clear();
  }

  // ---- punctuators -----------------------------------------------------------------------

  static final String POLICY_CHANGE = "policy_change";
  static final String FACTS_CHANGE = "facts_change";
  static final String PERIODIC = "periodic";
  static final String FRESHNESS = "freshness";

  /** A task's first poll ever: pods whose policies or facts differ from those now in force. */
  static final String STARTUP = "startup";

  /**
   * Progress-store key of the fingerprint of the policies the task last reconciled its pods with.
   */
  static final String RECONCILED = "policy/reconciled";

  /** Fact-change entries read per store and partition per poll at most. */
  static final int MAX_FACT_CHANGES_PER_POLL = 10_000;

  private void pollChanges(long ts) {
    refreshPolicies();
    String reconciled = progress.get(RECONCILED);
    if (reconciled == null) {
      reevaluations.everyPod(STARTUP, Verdict.Trigger.POLICY_CHANGE, false, ts);
    } else if (!bookFingerprint.equals(reconciled)) {
      reevaluations.everyPod(POLICY_CHANGE, Verdict.Trigger.POLICY_CHANGE, true, ts);
    }
    if (!bookFingerprint.equals(reconciled)) {
      progress.put(
          RECONCILED,
          bookFingerprint); // written only on a change: every write is a changelog record
    }
    boolean first = reconciled == null;
    readFactChanges(
        attestations, StoreNames.ATTESTATIONS, Verdict.Trigger.ATTESTATION_CHANGE, first, ts);
    readFactChanges(
        metadata, StoreNames.IMAGE_METADATA, Verdict.Trigger.IMAGE_METADATA_CHANGE, first, ts);
    continueReevaluations(ts);
    expirePendingAdmissions(ts);
    if (context.taskId().partition() == 0) {
      deadLetterRejectedFacts(attestations, StoreNames.ATTESTATIONS, ts);
      deadLetterRejectedFacts(metadata, StoreNames.IMAGE_METADATA, ts);
    }
  }

  /**
   * Starts a scan of the pods of every digest whose facts changed after this task's cursor for each
   * partition of the fact topic. On its first poll ever ({@code first}: the startup scan compares
   * every pod) or when its cursor is older than what the store still logs, the task compares the
   * facts fingerprint of every pod instead.
   */
  private void readFactChanges(
      KeyValueStore<String, byte[]> store,
      String name,
      Verdict.Trigger trigger,
      boolean first,
      long ts) {
    for (int p : FactChanges.partitions(store)) {
      String cursorKey = "facts/" + name + "/" + p;
      String cursor = progress.get(cursorKey);
      long last;
      if (first
          || cursor != null
              && Long.parseLong(cursor) < FactChanges.pruned(store, FactChanges.CHANGE, p)) {
        if (!first) {
          reevaluations.everyPod(FACTS_CHANGE, trigger, false, ts);
        }
        last = FactChanges.newest(store, FactChanges.CHANGE, p);
      } else {
        last =
            FactChanges.after(
                store,
                FactChanges.CHANGE,
                p,
                cursor == null ? -1 : Long.parseLong(cursor),
                MAX_FACT_CHANGES_PER_POLL,
                (offset, e) -> reevaluations.podsOf(e.digest(), FACTS_CHANGE, trigger, ts));
      }
      putIfChanged(cursorKey, cursor, last);
    }
  }

  /**
   * Writes the attestation and metadata records the global stores did not take (unreadable, or a
   * key that is not the one the value implies), once each: the cursor is committed with them.
   */
  private void deadLetterRejectedFacts(KeyValueStore<String, byte[]> store, String name, long ts) {
    for (int p : FactChanges.partitions(store)) {
      String cursorKey = "rejected/" + name + "/" + p;
      String cursor = progress.get(cursorKey);
      List<DeadLetter> letters = new ArrayList<>();
      long last =
          FactChanges.after(
              store,
              FactChanges.REJECTED,
              p,
              cursor == null ? -1 : Long.parseLong(cursor),
              MAX_FACT_CHANGES_PER_POLL,
              (offset, e) -> letters.add(e.deadLetter()));
      putIfChanged(cursorKey, cursor, last);
      for (DeadLetter d : letters) {
        forward(DeadLetterHandlers.key(d), ValidationOutput.of(d), ts);
        metrics.deadLetter(
            d.source(),
            GlobalStoreProcessors.KeyMismatchException.class.getSimpleName().equals(d.errorType())
                ? "key_mismatch"
                : "unreadable");
      }
    }
  }

  private void putIfChanged(String key, String before, long cursor) {
    String after = String.valueOf(cursor);
    if (!after.equals(before) && cursor >= 0) {
      progress.put(key, after);
    }
  }

  private void freshness(long ts) {
    // Also forgets deleted pods after the retention, on the way.
    reevaluations.everyPod(FRESHNESS, Verdict.Trigger.IMAGE_METADATA_CHANGE, false, ts);
    continueReevaluations(ts);
  }

  /** Which pods each kind of scan judges. */
  private final Reevaluations.Rules rules =
      new Reevaluations.Rules() {
        @Override
        public Verdict.Trigger which(Reevaluations.Scan scan, PodState s) {
          return switch (scan.reason()) {
            case POLICY_CHANGE -> policyChanged(s) ? Verdict.Trigger.POLICY_CHANGE : null;
            case FACTS_CHANGE -> factsChanged(s) ? scan.trigger() : null;
            case STARTUP ->
                policyChanged(s)
                    ? Verdict.Trigger.POLICY_CHANGE
                    : factsChanged(s) ? Verdict.Trigger.ATTESTATION_CHANGE : null;
            case FRESHNESS ->
                facts.hasUploadTime(StoreFacts.digests(s.pod())) ? scan.trigger() : null;
            default -> scan.trigger();
          };
        }

        @Override
        public boolean forget(Reevaluations.Scan scan, PodState s) {
          return scan.reason().equals(FRESHNESS)
              && s.deletedAt() != null
              && s.deletedAt().isBefore(now().minus(settings.deletedPodRetention()));
        }
      };

  private boolean policyChanged(PodState s) {
    return !policiesFor(s.pod().clusterId()).versions().equals(s.policyVersions());
  }

  private boolean factsChanged(PodState s) {
    return !facts.fingerprint(StoreFacts.digests(s.pod())).equals(s.factsFingerprint());
  }

  /** The next bounded batch of the re-evaluations under way, if any. */
  private void continueReevaluations(long ts) {
    if (reevaluations.pending()) {
      reevaluations.run(ts, rules, judge);
    }
  }

  /**
   * Judges one pod of a scan as a step of its own: if that throws, what it gathered is dropped, the
   * pod is dead-lettered and the scan moves on; a pod whose stored state no longer reads is
   * dead-lettered and forgotten (its next pod event starts it afresh).
   */
  private final Reevaluations.Judge judge =
      new Reevaluations.Judge() {
        @Override
        public void reevaluate(
            String key, PodState s, Verdict.Trigger trigger, Reevaluations.Scan scan, long ts) {
          int forwarded = outbox.size();
          int moved = gauges.size();
          try {
            pods.put(key, evaluate(key, s, trigger, reevaluationEventTime(s, trigger, scan), ts));
          } catch (RuntimeException e) {
            outbox.subList(forwarded, outbox.size()).clear();
            gauges.subList(moved, gauges.size()).clear();
            deadLetterPod(
                key,
                e.getClass().getSimpleName(),
                "re-evaluating pod " + key + " failed, the scan goes on: " + e,
                ts);
            metrics.deadLetter(StoreNames.PODS, "processing_failed");
          }
        }

        @Override
        public void unreadable(String key, long ts) {
          pods.delete(key);
          deadLetterPod(
              key,
              "UnreadableMessageException",
              "the stored state of pod "
                  + key
                  + " no longer reads; it is forgotten until its next pod event",
              ts);
          metrics.deadLetter(StoreNames.PODS, "unreadable");
        }
      };

  private void deadLetterPod(String key, String errorType, String message, long ts) {
    Instant now = now();
    DeadLetter d =
        new DeadLetter(
            DeadLetterHandlers.COMPONENT,
            StoreNames.PODS,
            null,
            null,
            key,
            "",
            0,
            errorType,
            message,
            now);
    forward(key, ValidationOutput.of(d), ts);
  }

  private void index(String podKey, List<String> before, List<String> after) {
    for (String d : before) {
      if (!after.contains(d)) {
        podsByDigest.delete(d + "|" + podKey);
      }
    }
    for (String d : after) {
      if (!before.contains(d)) {
        podsByDigest.put(d + "|" + podKey, "");
      }
    }
  }

  /**
   * Admissions whose pod event has not come within the correlation skew (stream time) open their
   * follow-up without a verdict, and stay until the follow-up's maximum open age so that a late pod
   * still joins; then they are forgotten.
   */
  private void expirePendingAdmissions(long ts) {
    Instant streamTime = Instant.ofEpochMilli(context.currentStreamTimeMs());
    Instant announceBefore = streamTime.minus(settings.correlationSkew());
    Instant forgetBefore = streamTime.minus(settings.followUpMaxOpenAge());
    List<String> expired = new ArrayList<>();
    List<String> forgotten = new ArrayList<>();
    try (KeyValueIterator<String, PendingAdmissions> it = pending.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        if (kv.value == null) {
          continue;
        }
        if (kv.value.since().isBefore(forgetBefore)) {
          forgotten.add(kv.key);
        } else if (!kv.value.announced() && kv.value.since().isBefore(announceBefore)) {
          expired.add(kv.key);
        }
      }
    }
    forgotten.forEach(pending::delete);
    Instant now = now();
    for (String key : expired) {
      // No pod event came (audit-only mode, or the watcher missed it): follow the bypass up anyway,
      // judged from the images the admission request carried; without a verdict when it had none.
      PendingAdmissions waiting = pending.get(key);
      for (AdmissionEvent a : waiting.events()) {
        // ingest resolved the owner from the request (controller reference, pod-template-hash)
        WorkloadRef owner =
            a.owner() != null
                ? a.owner()
                : new WorkloadRef(WorkloadRef.Kind.POD, a.namespace(), a.name());
        Evaluation ev = a.images().isEmpty() ? null : judge(admittedPod(a), now);
        String why =
            "; no pod event within "
                + settings.correlationSkew()
                + (ev == null
                    ? ", and no images in the admission to judge"
                    : ": judged from the images in the admission");
        for (FollowUp.Kind kind : kinds(a)) {
          forward(
              FollowUp.key(a.clusterId(), owner, kind),
              ValidationOutput.of(
                  new FollowUpSignal(
                      FollowUpSignal.Type.ADMITTED,
                      a.clusterId(),
                      owner,
                      kind,
                      a.name(),
                      a.images().stream().map(FollowUp.Image::of).toList(),
                      a.user(),
                      detail(a, kind) + why,
                      ev == null ? null : ev.decision(),
                      ev == null ? List.of() : ev.policyVersions(),
                      now,
                      a.requestReceivedAt())),
              ts);
        }
      }
      pending.put(key, new PendingAdmissions(waiting.events(), waiting.since(), true));
    }
  }

  /**
   * The pod an admission request created, as far as the event tells: its images and service account
   * (its annotations are the audit event's, not the pod's, and it carries no labels).
   */
  private static PodContext admittedPod(AdmissionEvent a) {
    return new PodContext(
        a.clusterId(), a.namespace(), a.name(), a.serviceAccount(), a.images(), Map.of(), Map.of());
  }

  // ---- helpers ---------------------------------------------------------------------------

  private void forEachPod(
      Predicate<PodState> which, java.util.function.BiConsumer<String, PodState> action) {
    List<Map.Entry<String, PodState>> matches = new ArrayList<>();
    try (KeyValueIterator<String, PodState> it = pods.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        if (kv.value != null && which.test(kv.value)) {
          matches.add(Map.entry(kv.key, kv.value));
        }
      }
    }
    matches.forEach(e -> action.accept(e.getKey(), e.getValue()));
  }

  private FollowUpSignal signal(
      FollowUpSignal.Type type,
      PodState s,
      FollowUp.Kind kind,
      String user,
      String detail,
      Instant now,
      Instant eventTime) {
    return new FollowUpSignal(
        type,
        s.pod().clusterId(),
        s.pod().owner(),
        kind,
        s.pod().name(),
        images(s.pod()),
        user,
        detail,
        s.decision(),
        s.policyVersions(),
        now,
        eventTime);
  }

  /**
   * The event time of a re-evaluation (ADR 0015, 0091): for a policy change, when the newest
   * revision in force for the pod's cluster was published; for a change of the facts of one digest,
   * the newest time the facts of that kind carry (an attestation's {@code createTime}, the
   * metadata's {@code scannedAt}, else its {@code uploadTime}), not before the pod was seen; for a
   * sweep (periodic, freshness, start-up) or a fact that is gone, the task's stream time (none
   * before the task has processed a record).
   */
  private Instant reevaluationEventTime(
      PodState s, Verdict.Trigger trigger, Reevaluations.Scan scan) {
    if (trigger == Verdict.Trigger.POLICY_CHANGE) {
      return documents(book.effective(s.pod().clusterId())).stream()
          .map(PolicyDocument::publishedAt)
          .max(Instant::compareTo)
          .orElse(null);
    }
    long streamMs = context.currentStreamTimeMs();
    Instant streamTime =
        streamMs > 0 ? Instant.ofEpochMilli(streamMs) : null; // null: no record yet
    if (scan == null || !FACTS_CHANGE.equals(scan.reason()) || scan.digest() == null) {
      return streamTime;
    }
    Instant fact =
        trigger == Verdict.Trigger.ATTESTATION_CHANGE
            ? facts.attestations(scan.digest()).stream()
                .map(Attestation::createTime)
                .filter(Objects::nonNull)
                .max(Instant::compareTo)
                .orElse(null)
            : facts
                .metadata(scan.digest())
                .map(m -> m.scannedAt() != null ? m.scannedAt() : m.uploadTime())
                .orElse(null);
    if (fact == null) {
      return streamTime;
    }
    return fact.isBefore(s.pod().observedAt()) ? s.pod().observedAt() : fact;
  }

  private static List<FollowUp.Image> images(PodEvent p) {
    return p.images().stream().map(FollowUp.Image::of).distinct().toList();
  }

  private static String signalKey(PodEvent p, FollowUp.Kind kind) {
    return FollowUp.key(p.clusterId(), p.owner(), kind);
  }

  private Instant now() {
    return Instant.ofEpochMilli(context.currentSystemTimeMs());
  }

  private void forward(String key, ValidationOutput out, long ts) {
    Headers headers = null;
    if (out.verdict() != null) {
      headers =
          CloudEvents.headers(
              Topics.VERDICTS, out.verdict().verdictId(), SOURCE, out.verdict().evaluatedAt());
    } else if (out.violation() != null) {
      headers =
          CloudEvents.headers(
              Topics.VIOLATIONS,
              out.violation().violationId()
                  + "/"
                  + out.violation().transition()
                  + "/"
                  + out.violation().verdictId(),
              SOURCE,
              out.violation().at());
    } else if (out.deadLetter() != null) {
      headers =
          ceHeaders(Topics.DEAD_LETTER, key + "/" + out.deadLetter().at(), out.deadLetter().at());
    }
    outbox.add(headers == null ? new Record<>(key, out, ts) : new Record<>(key, out, ts, headers));
  }

  private static Headers ceHeaders(Topic<?> topic, String id, Instant at) {
    return CloudEvents.headers(topic, id, SOURCE, at);
  }
}
