package dev.vigil.streams;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.TemplateVerdict;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.WorkloadRef;
import dev.vigil.validator.Evaluation;
import dev.vigil.validator.Evaluator;
import dev.vigil.validator.Facts;
import dev.vigil.validator.PodContext;
import dev.vigil.validator.PolicySet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The life of one pod in continuous validation, as a pure function of its stored state and one
 * input: {@link #step} says what the pod's state becomes and which records to publish, and touches
 * no store, context, clock or metric (ADR 0130).
 *
 * <ul>
 *   <li>A pod event newer than the one kept is judged (first judgement: a verdict; a changed
 *       outcome: a violation transition; a changed decision of a pod in a follow-up: a signal); a
 *       repeated or older one changes nothing. A deletion (or a terminal phase) resolves the open
 *       violation and tells the follow-ups the pod is gone.
 *   <li>An admission that bypassed the policy joins the pod's follow-ups when the pod is known, and
 *       waits for it otherwise: the pod event that comes later joins them ({@link AdmissionsDue}
 *       opens the follow-up without the pod when it is late, and forgets it when far too late).
 *   <li>A re-evaluation (policy or facts changed, freshness, periodic) judges the pod again.
 *   <li>A pod that cannot be judged (no policy in force, policies that do not parse, an evaluator
 *       that throws) is UNKNOWN, never ALLOW.
 * </ul>
 */
final class PodLifecycle {

  /**
   * What the step is told of the settings.
   *
   * @param verdictsForEveryEvent judge and publish a verdict for every pod event, even one that
   *     changes nothing the outcome depends on ({@code streams.verdicts=all}); by default such an
   *     event only updates the pod's state (ADR 0131), and a re-evaluation that confirms a
   *     template's outcome publishes one template verdict instead of a verdict per pod (ADR 0150)
   * @param templateReuse how long a template's judgement serves its new pods (the freshness
   *     interval: rules that depend on time are noticed as late for running pods)
   */
  record Settings(
      SeverityMapping severity,
      Duration correlationSkew,
      Duration followUpMaxOpenAge,
      boolean verdictsForEveryEvent,
      Duration templateReuse) {
    Settings {
      Objects.requireNonNull(severity, "severity");
      Objects.requireNonNull(correlationSkew, "correlationSkew");
      Objects.requireNonNull(followUpMaxOpenAge, "followUpMaxOpenAge");
      Objects.requireNonNull(templateReuse, "templateReuse");
    }

    static Settings of(StreamsSettings s) {
      return new Settings(
          s.severity(),
          s.correlationSkew(),
          s.followUpMaxOpenAge(),
          s.verdicts() == StreamsSettings.Verdicts.ALL,
          s.freshnessInterval());
    }
  }

  /** The pod templates the task keeps, by fingerprint (ADR 0150). */
  @FunctionalInterface
  interface Templates {
    /** The template and its last judgement, or null when the task keeps none. */
    TemplateState template(String fingerprint);

    /**
     * Whether a running pod is of the template: a scan that finds its judgement out of date judges
     * it again with its running pods, and skips it when it has none (ADR 0170).
     */
    default boolean hasRunningPods(String fingerprint) {
      return true;
    }
  }

  /** The policies in force, per cluster, as the caller has them. */
  @FunctionalInterface
  interface Policies {
    InForce inForce(String clusterId);
  }

  /**
   * The policies in force for a cluster: a usable set, or why there is none ({@code problem}) and
   * the versions of the documents in force then.
   */
  record InForce(PolicySet set, String problem, List<String> versions) {
    InForce {
      versions = List.copyOf(Objects.requireNonNullElse(versions, List.of()));
      if (set == null && problem == null) {
        throw new IllegalArgumentException("policies in force need a set or a problem");
      }
    }
  }

  /** The attestations and image metadata in force, and a fingerprint of those of some digests. */
  interface KnownFacts extends Facts {
    /** A short hash of everything known about {@code digests}; changes when any fact does. */
    String fingerprint(Collection<String> digests);
  }

  /** What is stored under one pod key: the pod's state and the admissions waiting for it. */
  record Pod(String key, PodState state, PendingAdmissions waiting) {
    Pod {
      Objects.requireNonNull(key, "key");
    }

    Pod withState(PodState s) {
      return new Pod(key, s, waiting);
    }

    Pod withWaiting(PendingAdmissions w) {
      return new Pod(key, state, w);
    }
  }

  /** One thing that happened to a pod. */
  sealed interface Input permits PodChanged, Admitted, Reevaluate, AdmissionsDue {}

  /** The watcher saw the pod (added, modified, deleted). */
  record PodChanged(PodEvent event) implements Input {
    PodChanged {
      Objects.requireNonNull(event, "event");
    }
  }

  /** An admission event for the pod, whose record carried {@code at} (stream time). */
  record Admitted(AdmissionEvent admission, Instant at) implements Input {
    Admitted {
      Objects.requireNonNull(admission, "admission");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * A scan judges the pod again, with {@code trigger}; {@code eventTime} is the event time of its
   * cause (null: unknown).
   */
  record Reevaluate(Verdict.Trigger trigger, Instant eventTime) implements Input {
    Reevaluate {
      Objects.requireNonNull(trigger, "trigger");
    }
  }

  /**
   * Stream time has reached {@code streamTime}: admissions that waited for their pod past the
   * correlation skew open their follow-ups without it; past the follow-ups' maximum open age they
   * are forgotten.
   */
  record AdmissionsDue(Instant streamTime) implements Input {
    AdmissionsDue {
      Objects.requireNonNull(streamTime, "streamTime");
    }
  }

  /**
   * One record to publish under its key, or ({@link TemplateJudged}) a template's judgement to
   * keep.
   */
  sealed interface Output
      permits Judged, Transitioned, Signaled, DeadLettered, TemplateJudged, TemplateConfirmed {
    String key();
  }

  /**
   * Not published: the judgement of the template {@code key} (a fingerprint) to keep, written
   * before the pod so that the template's other pods take it (ADR 0150).
   */
  record TemplateJudged(String key, TemplateState template) implements Output {}

  /**
   * A re-evaluation confirmed a template's outcome: one record for its running pods instead of a
   * verdict each (ADR 0150).
   */
  record TemplateConfirmed(String key, TemplateVerdict verdict) implements Output {}

  /** A verdict on the pod. */
  record Judged(String key, Verdict verdict) implements Output {}

  /** A change of the pod's policy violation. */
  record Transitioned(String key, ViolationTransition transition) implements Output {}

  /** A signal to the follow-up of the pod's workload, keyed by {@link FollowUp#key}. */
  record Signaled(String key, FollowUpSignal signal) implements Output {}

  /** Something that could not be processed. */
  record DeadLettered(String key, DeadLetter letter) implements Output {}

  /**
   * The pod after the step (write {@code after.state()} and {@code after.waiting()} where they are
   * not the very objects given: null deletes), the records to publish in order, and why the input
   * was ignored ({@code duplicate}, {@code out_of_order}) or taken without judging ({@link
   * #UNCHANGED}); null: taken and judged.
   */
  record Result(Pod after, List<Output> outputs, String ignored) {
    Result {
      Objects.requireNonNull(after, "after");
      outputs = List.copyOf(outputs);
    }
  }

  private final Settings settings;
  private final Evaluator evaluator;

  PodLifecycle(Settings settings, Evaluator evaluator) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
  }

  /**
   * The step for one input. {@code before.waiting()} is read only for {@link PodChanged}, {@link
   * Admitted} and {@link AdmissionsDue}; for a {@link Reevaluate} the caller need not read it and
   * the step leaves it as given.
   */
  Result step(
      Pod before,
      Input input,
      Policies policies,
      KnownFacts facts,
      Templates templates,
      Instant now) {
    Objects.requireNonNull(now, "now");
    Judging j = new Judging(policies, facts, templates, now);
    if (input instanceof PodChanged c) {
      return onPodEvent(before, c.event(), j);
    }
    if (input instanceof Admitted a) {
      return onAdmission(before, a.admission(), a.at(), now);
    }
    if (input instanceof Reevaluate r) {
      PodState s = before.state();
      if (s == null || s.deleted()) {
        return silent(before);
      }
      List<Output> out = new ArrayList<>();
      PodState after = evaluate(before.key(), s, r.trigger(), r.eventTime(), j, out);
      return new Result(before.withState(after), out, null);
    }
    if (input instanceof AdmissionsDue d) {
      return onAdmissionsDue(before, d.streamTime(), j);
    }
    throw new IllegalArgumentException("unknown input " + input);
  }

  /** The pod as {@code after}, with nothing to publish. */
  private static Result silent(Pod after) {
    return new Result(after, List.of(), null);
  }

  // ---- pod events ------------------------------------------------------------------------

  /** What one step judges with: the policies, facts and templates in force, and the time. */
  private record Judging(Policies policies, KnownFacts facts, Templates templates, Instant now) {}

  private Result onPodEvent(Pod before, PodEvent e, Judging j) {
    Instant now = j.now();
    String key = before.key();
    PodState state = before.state();
    String ignored = staleOrDuplicate(state, e);
    if (ignored != null) {
      return new Result(before, List.of(), ignored);
    }
    List<Output> out = new ArrayList<>();
    boolean terminal =
        e.type() == PodEvent.Type.DELETED
            || "Succeeded".equals(e.phase())
            || "Failed".equals(e.phase());
    if (terminal) {
      if (state == null || state.deleted()) {
        return silent(
            before.withState((state == null ? PodState.fresh(e) : state).deleted(e, now)));
      }
      String why = e.type() == PodEvent.Type.DELETED ? "pod deleted" : "pod " + e.phase();
      state = confirmedVersions(state, j);
      if (state.violation() != null) {
        out.add(
            new Transitioned(
                key, Violations.gone(state, why, now, e.observedAt(), settings.severity())));
      }
      for (FollowUp.Kind kind : state.followUpKinds()) {
        out.add(
            new Signaled(
                signalKey(state.pod(), kind),
                signal(
                    FollowUpSignal.Type.GONE,
                    state.withPod(e),
                    kind,
                    null,
                    why,
                    now,
                    e.observedAt())));
      }
      return new Result(before.withState(state.deleted(e, now)), out, null);
    }
    boolean created = state == null || state.deleted();
    if (!created && before.waiting() == null && unchangedForJudging(state, e, j)) {
      // Nothing the outcome depends on moved (a phase change, a newer resourceVersion): the pod
      // keeps its judgement and nothing is published (ADR 0131).
      return new Result(before.withState(state.withPod(e)), List.of(), UNCHANGED);
    }
    PodState base =
        state == null
            ? PodState.fresh(e)
            : created ? PodState.recreated(e, state) : state.withPod(e);
    PodState evaluated = evaluate(key, base, Verdict.Trigger.POD_EVENT, e.observedAt(), j, out);
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
              now,
              out);
    }
    PendingAdmissions waiting = before.waiting();
    if (waiting != null) {
      for (AdmissionEvent a : waiting.events()) {
        evaluated = correlate(evaluated, a, now, out);
      }
    }
    return new Result(new Pod(key, evaluated, null), out, null);
  }

  /**
   * What {@link Result#ignored()} says of a pod event that was taken (the pod's state keeps it) but
   * not judged again: nothing its outcome depends on changed.
   */
  static final String UNCHANGED = "unchanged";

  /**
   * What {@link Result#ignored()} says of an event already taken (the same event id or version).
   */
  static final String DUPLICATE = "duplicate";

  /** What {@link Result#ignored()} says of an event older than the one the pod's state keeps. */
  static final String OUT_OF_ORDER = "out_of_order";

  /**
   * Whether judging the pod again for {@code e} would give what it gave last time: the pod is the
   * same (uid, owner) with the same template (cluster, namespace, service account, containers with
   * their image digests: everything the evaluator reads), that template is judged under the policy
   * versions and facts in force with the pod's decision (or the pod itself was), and that decision
   * was not UNKNOWN (which may be a failure worth retrying). Only the phase, the resourceVersion,
   * the times, labels or annotations differ: a status-only event (ADR 0131, 0150). Unless {@link
   * Settings#verdictsForEveryEvent()}.
   */
  private boolean unchangedForJudging(PodState state, PodEvent e, Judging j) {
    if (settings.verdictsForEveryEvent()
        || state.decision() == null
        || state.decision() == Decision.UNKNOWN) {
      return false;
    }
    PodEvent was = state.pod();
    PodTemplate t = PodTemplate.of(e);
    if (!Objects.equals(was.uid(), e.uid())
        || !Objects.equals(was.owner(), e.owner())
        || !t.equals(PodTemplate.of(was))) {
      return false;
    }
    List<String> versions = j.policies().inForce(e.clusterId()).versions();
    String facts = j.facts().fingerprint(t.digests());
    TemplateState known = j.templates().template(t.fingerprint());
    if (known != null
        && known.judgement() != null
        && known.judgement().under(versions, facts)
        && known.judgement().evaluation().decision() == state.decision()) {
      return true;
    }
    return versions.equals(state.policyVersions()) && facts.equals(state.factsFingerprint());
  }

  /**
   * The pod's state with the policy versions its outcome was last confirmed under: a template
   * verdict confirms a pod's outcome without rewriting its state (ADR 0150), so a later transition
   * names the versions in force, not those of the pod's last verdict.
   */
  private static PodState confirmedVersions(PodState state, Judging j) {
    TemplateState t = j.templates().template(PodTemplate.of(state.pod()).fingerprint());
    if (t == null
        || t.judgement() == null
        || t.judgement().evaluation().decision() != state.decision()) {
      return state;
    }
    return state.withPolicyVersions(t.judgement().evaluation().policyVersions());
  }

  /** Why the event is ignored ({@code duplicate}, {@code out_of_order}), or null to take it. */
  static String staleOrDuplicate(PodState state, PodEvent e) {
    if (state == null) {
      return null;
    }
    PodEvent prev = state.pod();
    if (prev.eventId().equals(e.eventId())) {
      return DUPLICATE;
    }
    int cmp = PodVersion.compare(PodVersion.of(prev), PodVersion.of(e));
    if (cmp == 0) {
      return DUPLICATE;
    }
    return cmp > 0 ? OUT_OF_ORDER : null;
  }

  // ---- admission events ------------------------------------------------------------------

  private Result onAdmission(Pod before, AdmissionEvent a, Instant at, Instant now) {
    if (a.blocked() || kinds(a).isEmpty()) {
      return silent(before); // nothing was admitted, or it was admitted by the policy itself
    }
    PodState state = before.state();
    boolean forLaterPod =
        state != null && state.deleted() && a.requestReceivedAt().isAfter(state.pod().observedAt());
    if (state != null && !forLaterPod) {
      List<Output> out = new ArrayList<>();
      return new Result(before.withState(correlate(state, a, now, out)), out, null);
    }
    PendingAdmissions waiting = before.waiting();
    List<AdmissionEvent> events = new ArrayList<>(waiting == null ? List.of() : waiting.events());
    if (events.stream().anyMatch(x -> x.auditId().equals(a.auditId()))) {
      return silent(before);
    }
    events.add(a);
    // A new admission for a pod already announced without a verdict is announced again (once).
    return silent(
        before.withWaiting(
            new PendingAdmissions(events, waiting == null ? at : waiting.since(), false)));
  }

  /**
   * Admissions whose pod event has not come within the correlation skew (stream time) open their
   * follow-up without a verdict, and stay until the follow-up's maximum open age so that a late pod
   * still joins; then they are forgotten.
   */
  private Result onAdmissionsDue(Pod before, Instant streamTime, Judging j) {
    Instant now = j.now();
    PendingAdmissions waiting = before.waiting();
    if (waiting == null) {
      return silent(before);
    }
    if (waiting.since().isBefore(streamTime.minus(settings.followUpMaxOpenAge()))) {
      return silent(before.withWaiting(null));
    }
    if (waiting.announced()
        || !waiting.since().isBefore(streamTime.minus(settings.correlationSkew()))) {
      return silent(before);
    }
    List<Output> out = new ArrayList<>();
    for (AdmissionEvent a : waiting.events()) {
      // No pod event came (audit-only mode, or the watcher missed it): follow the bypass up anyway,
      // judged from the images the admission request carried; without a verdict when it had none.
      // ingest resolved the owner from the request (controller reference, pod-template-hash)
      WorkloadRef owner =
          a.owner() != null
              ? a.owner()
              : new WorkloadRef(WorkloadRef.Kind.POD, a.namespace(), a.name());
      Evaluation ev =
          a.images().isEmpty() ? null : judge(admittedPod(a), j.policies(), j.facts(), now);
      String why =
          "; no pod event within "
              + settings.correlationSkew()
              + (ev == null
                  ? ", and no images in the admission to judge"
                  : ": judged from the images in the admission");
      for (FollowUp.Kind kind : kinds(a)) {
        out.add(
            new Signaled(
                FollowUp.key(a.clusterId(), owner, kind),
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
                    a.requestReceivedAt())));
      }
    }
    return new Result(
        before.withWaiting(new PendingAdmissions(waiting.events(), waiting.since(), true)),
        out,
        null);
  }

  /**
   * The pod an admission request created, as far as the event tells: its images and service account
   * (its annotations are the audit event's, not the pod's, and it carries no labels).
   */
  private static PodContext admittedPod(AdmissionEvent a) {
    return new PodContext(
        a.clusterId(), a.namespace(), a.name(), a.serviceAccount(), a.images(), Map.of(), Map.of());
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
  private PodState correlate(PodState state, AdmissionEvent a, Instant now, List<Output> out) {
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
      s = join(s, kind, a.user(), detail(a, kind), a.requestReceivedAt(), now, out);
    }
    return s;
  }

  /**
   * Makes the pod part of the follow-up of {@code kind} for its workload, if not already; {@code
   * eventTime} is when the admission (or the pod event) that does it happened.
   */
  private static PodState join(
      PodState s,
      FollowUp.Kind kind,
      String user,
      String detail,
      Instant eventTime,
      Instant now,
      List<Output> out) {
    if (s.followUpKinds().contains(kind)) {
      return s;
    }
    String key = signalKey(s.pod(), kind);
    out.add(
        new Signaled(
            key, signal(FollowUpSignal.Type.ADMITTED, s, kind, user, detail, now, eventTime)));
    if (s.deleted()) {
      out.add(
          new Signaled(
              key,
              signal(
                  FollowUpSignal.Type.GONE,
                  s,
                  kind,
                  null,
                  "pod deleted",
                  now,
                  s.pod().observedAt())));
    }
    List<FollowUp.Kind> kinds = new ArrayList<>(s.followUpKinds());
    kinds.add(kind);
    return s.withFollowUps(kinds, s.decision(), s.seenAdmissions());
  }

  // ---- evaluation ------------------------------------------------------------------------

  /**
   * Judges the pod now, for an input of {@code eventTime} (null: unknown), which its records carry.
   * The judgement of the pod's template serves when it is current ({@link
   * TemplateState.Judgement#reusable}); otherwise the pod is judged, and the template keeps that
   * judgement when it had none, or had one under the same policies and facts with the same outcome.
   * A template judged under other policies or facts keeps its judgement: the re-evaluation then due
   * judges it and brings all its pods along (ADR 0150). A verdict is published when the pod is
   * judged for a pod event, or when a re-evaluation (which walks a template's pods when its outcome
   * changed, or when it had no judgement) changes the pod's decision, violation or policy versions;
   * every time with {@link Settings#verdictsForEveryEvent()}.
   */
  private PodState evaluate(
      String key,
      PodState s,
      Verdict.Trigger trigger,
      Instant eventTime,
      Judging j,
      List<Output> out) {
    Instant now = j.now();
    PodEvent p = s.pod();
    PodTemplate t = PodTemplate.of(p);
    String fingerprint = t.fingerprint();
    // Before evaluating: if the facts change meanwhile, the stored fingerprint is the older one and
    // the change's re-evaluation (which skips templates whose fingerprint is current) still judges.
    String factsFingerprint = j.facts().fingerprint(t.digests());
    List<String> inForce = j.policies().inForce(p.clusterId()).versions();
    TemplateState known = j.templates().template(fingerprint);
    TemplateState.Judgement was = known == null ? null : known.judgement();
    PodContext pod = t.context(p.name());
    Evaluation ev;
    if (was != null && was.reusable(inForce, factsFingerprint, now, settings.templateReuse())) {
      ev = was.evaluation();
    } else {
      ev = judge(pod, j.policies(), j.facts(), now);
      var judgement = new TemplateState.Judgement(ev, inForce, factsFingerprint, now);
      if (known == null) {
        out.add(new TemplateJudged(fingerprint, new TemplateState(t, judgement)));
      } else if (was == null
          || was.under(inForce, factsFingerprint)
              && TemplateState.sameOutcome(was.evaluation(), ev)
              && was.evaluatedAt().plus(settings.templateReuse()).isBefore(now)
          || !was.under(inForce, factsFingerprint) && !j.templates().hasRunningPods(fingerprint)) {
        // (an UNKNOWN judgement is not taken, but rewriting it for each pod would only cost; a
        // template judged under other policies or facts takes this judgement when no running pod
        // of it is left for a scan to bring along: scans skip it, ADR 0170)
        out.add(new TemplateJudged(fingerprint, known.judged(judgement)));
      }
    }
    String verdictId = key + "#" + (s.evaluations() + 1);
    Verdict v = ev.toVerdict(verdictId, pod, p.uid(), p.owner(), trigger, now);
    Violations.Step step = Violations.next(s.violation(), v, now, eventTime, settings.severity());
    if (trigger == Verdict.Trigger.POD_EVENT
        || settings.verdictsForEveryEvent()
        || s.decision() != v.decision()
        || step.transition() != null
        || !s.policyVersions().equals(v.policyVersions())) {
      out.add(new Judged(key, v));
    }
    if (step.transition() != null) {
      out.add(new Transitioned(key, step.transition()));
    }
    PodState after = s.evaluated(v.decision(), v.policyVersions(), factsFingerprint, step.open());
    if (!after.followUpKinds().isEmpty() && after.decision() != after.signaledDecision()) {
      for (FollowUp.Kind kind : after.followUpKinds()) {
        out.add(
            new Signaled(
                signalKey(p, kind),
                signal(FollowUpSignal.Type.EVALUATED, after, kind, null, null, now, eventTime)));
      }
      after = after.withFollowUps(after.followUpKinds(), after.decision(), after.seenAdmissions());
    }
    return after;
  }

  /**
   * What a re-evaluation of template {@code fingerprint} gives: its new judgement (to keep), and
   * either template verdicts for its running pods {@code pods} (keys; {@link
   * #PODS_PER_TEMPLATE_VERDICT} a record at most) when the outcome is the one they were judged
   * with, or {@code walk}: the pods are to be judged one by one (a {@link Reevaluate} each, which
   * takes the new judgement), because the outcome changed, the template had no judgement, or every
   * pod gets a verdict ({@link Settings#verdictsForEveryEvent()}).
   */
  record TemplateResult(TemplateState after, boolean walk, List<TemplateConfirmed> confirmed) {
    TemplateResult {
      confirmed = List.copyOf(confirmed);
    }
  }

  /**
   * Pods listed by one template verdict at most: a DaemonSet's thousands of pods take several
   * records, each well under Kafka's default 1 MB.
   */
  static final int PODS_PER_TEMPLATE_VERDICT = 2_000;

  TemplateResult rejudge(
      String fingerprint,
      TemplateState t,
      Verdict.Trigger trigger,
      List<String> pods,
      Policies policies,
      KnownFacts facts,
      Instant now) {
    PodTemplate template = t.template();
    String factsFingerprint = facts.fingerprint(template.digests());
    List<String> inForce = policies.inForce(template.clusterId()).versions();
    Evaluation ev = judge(template.context(fingerprint), policies, facts, now);
    TemplateState after = t.judged(new TemplateState.Judgement(ev, inForce, factsFingerprint, now));
    TemplateState.Judgement was = t.judgement();
    if (settings.verdictsForEveryEvent()
        || was == null
        || !TemplateState.sameOutcome(was.evaluation(), ev)) {
      return new TemplateResult(after, true, List.of());
    }
    List<TemplateConfirmed> out = new ArrayList<>();
    for (int from = 0; from < pods.size(); from += PODS_PER_TEMPLATE_VERDICT) {
      List<String> some =
          pods.subList(from, Math.min(pods.size(), from + PODS_PER_TEMPLATE_VERDICT));
      TemplateVerdict v =
          new TemplateVerdict(
              fingerprint
                  + "@"
                  + now.toEpochMilli()
                  + (from == 0 ? "" : "/" + from / PODS_PER_TEMPLATE_VERDICT),
              fingerprint,
              template.clusterId(),
              template.namespace(),
              template.serviceAccount(),
              ev.decision(),
              ev.images(),
              ev.policyVersions(),
              trigger,
              some.size(),
              some,
              now);
      out.add(new TemplateConfirmed(fingerprint, v));
    }
    return new TemplateResult(after, false, out);
  }

  /**
   * What the policies in force say of a pod's images; UNKNOWN, never allowed, when it cannot be
   * judged.
   */
  private Evaluation judge(PodContext pod, Policies policies, Facts facts, Instant now) {
    InForce in = policies.inForce(pod.clusterId());
    if (in.set() == null) {
      return unknown(pod.images(), in.problem(), in.versions());
    }
    try {
      return evaluator.evaluate(pod, in.set(), facts, now);
    } catch (RuntimeException e) {
      return unknown(pod.images(), "evaluation failed: " + e, in.versions());
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
              StoreFacts.digest(c),
              Decision.UNKNOWN,
              null,
              List.of(reason),
              List.of(),
              List.of()));
    }
    return new Evaluation(Decision.UNKNOWN, images, versions);
  }

  private static FollowUpSignal signal(
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
        s.pod().images().stream().map(FollowUp.Image::of).distinct().toList(),
        user,
        detail,
        s.decision(),
        s.policyVersions(),
        now,
        eventTime);
  }

  private static String signalKey(PodEvent p, FollowUp.Kind kind) {
    return FollowUp.key(p.clusterId(), p.owner(), kind);
  }
}
