package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Vigil's stream metrics on a Micrometer registry. Prometheus names: {@code
 * vigil_evaluations_total{trigger}}, {@code vigil_decisions_total{decision}}, {@code
 * vigil_violations_open{cluster,namespace,rule,decision,severity}}, {@code
 * vigil_violation_transitions_total{transition,severity}}, {@code
 * vigil_followups_open{kind,state}}, {@code vigil_followups_oldest_open_age_seconds}, {@code
 * vigil_reevaluations_total{reason}}, {@code vigil_reevaluation_duration_seconds{reason}}, {@code
 * vigil_dead_letters_total{source,reason}}, {@code vigil_policies_rejected_total}, {@code
 * vigil_pod_events_ignored_total{reason}}, {@code vigil_pod_events_misrouted_total{topic}}, {@code
 * vigil_policy_reloads_total}, {@code vigil_followups_suspected_bypass_total}, {@code
 * vigil_followups_acknowledged_expiring} (follow-ups acknowledged until a time), {@code
 * vigil_followups_acknowledgements_expired_total}, {@code vigil_punctuation_seconds{punctuator}}
 * (how long each scheduled task's work held its stream thread: records wait meanwhile). No label
 * ever holds a pod name. Thread-safe: every stream thread of an instance shares one.
 */
public final class VigilMetrics {

  /** The Streams config key under which the application passes this object to its handlers. */
  public static final String CONFIG_KEY = "vigil.streams.metrics";

  private final MeterRegistry registry;
  private final Clock clock;

  private record ViolationLabel(
      String cluster, String namespace, String rule, String decision, String severity) {}

  private record FollowUpLabel(String kind, String state) {}

  private record OpenFollowUp(FollowUpLabel label, Instant firstSeen) {}

  private final Map<String, List<ViolationLabel>> violationsByPod = new ConcurrentHashMap<>();
  private final Map<ViolationLabel, AtomicLong> violationCounts = new ConcurrentHashMap<>();
  private final Map<String, OpenFollowUp> followUpsByKey = new ConcurrentHashMap<>();
  private final Map<FollowUpLabel, AtomicLong> followUpCounts = new ConcurrentHashMap<>();
  private final Set<String> acknowledgedUntil = ConcurrentHashMap.newKeySet();
  private final Map<String, Timer> punctuations = new ConcurrentHashMap<>();

  public VigilMetrics(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    Gauge.builder("vigil.followups.oldest.open.age", this, VigilMetrics::oldestOpenFollowUpSeconds)
        .baseUnit("seconds")
        .description("age of the oldest follow-up still open (OPEN or ESCALATED)")
        .register(registry);
    Gauge.builder("vigil.followups.acknowledged.expiring", acknowledgedUntil, Set::size)
        .description("follow-ups acknowledged until a time: they re-open when it passes")
        .register(registry);
    registerKnownSeries();
  }

  /** The topics streams reads, as the {@code source} of {@code vigil_dead_letters_total}. */
  static final List<String> INPUT_TOPICS =
      List.of(
          Topics.POD_EVENTS.name(),
          Topics.ADMISSION_EVENTS.name(),
          Topics.POLICIES.name(),
          Topics.ATTESTATIONS.name(),
          Topics.IMAGE_METADATA.name(),
          Topics.FOLLOWUP_ACKS.name());

  /** The {@code reason}s of {@code vigil_dead_letters_total}. */
  static final List<String> DEAD_LETTER_REASONS =
      List.of("unreadable", "processing_failed", "invalid_policy");

  /**
   * Registers {@code vigil_component_info{component="streams"}} and, at 0, every counter and
   * follow-up gauge whose label values are known before the first event (triggers, decisions,
   * reasons a pod event is not judged, dead-letter sources and reasons, rejected policies,
   * violation transitions by severity, follow-up kinds and open states). A series born at its first
   * change starts above 0, and Prometheus' {@code increase()} never sees that change: the first
   * dead letters and the first rejected policy fired no alert (issue 21). Idempotent.
   */
  public void registerKnownSeries() {
    String version = VigilMetrics.class.getPackage().getImplementationVersion();
    Gauge.builder("vigil.component.info", () -> 1)
        .description("1 for each Vigil component this process runs")
        .tags("component", "streams", "version", version == null ? "development" : version)
        .register(registry);
    for (Verdict.Trigger t : Verdict.Trigger.values()) {
      Counter.builder("vigil.evaluations")
          .description("pod evaluations")
          .tag("trigger", lower(t.name()))
          .register(registry);
    }
    POD_EVENT_IGNORED_REASONS.forEach(this::podEventsIgnored);
    for (Decision d : Decision.values()) {
      Counter.builder("vigil.decisions")
          .description("evaluation outcomes")
          .tag("decision", lower(d.name()))
          .register(registry);
    }
    for (String source : INPUT_TOPICS) {
      for (String reason : DEAD_LETTER_REASONS) {
        Counter.builder("vigil.dead.letters")
            .description("records sent to the dead-letter topic")
            .tags(Tags.of("source", source, "reason", reason))
            .register(registry);
      }
    }
    Counter.builder("vigil.policies.rejected")
        .description("policy documents rejected; the last good set stays in force")
        .register(registry);
    policyReloads();
    suspectedBypasses();
    acknowledgementsExpired();
    for (ViolationTransition.Transition t : ViolationTransition.Transition.values()) {
      for (Severity severity : Severity.values()) {
        violationTransitions(t, severity);
      }
    }
    for (FollowUp.Kind kind : FollowUp.Kind.values()) {
      for (FollowUp.State state : FollowUp.State.values()) {
        if (state.isOpen()) {
          followUpCount(new FollowUpLabel(kind.name(), state.name()));
        }
      }
    }
    PUNCTUATORS.forEach(this::punctuationTimer);
  }

  /**
   * The {@code punctuator}s of {@code vigil_punctuation_seconds}: the parts of the scheduled work
   * of {@code continuous-validation} and {@code followup-lifecycle}.
   */
  static final List<String> PUNCTUATORS =
      List.of(
          "change-poll",
          "scans",
          "admission-expiry",
          "rejected-facts",
          "hygiene-purge",
          "scans-start",
          "followup-flush",
          "followup-stale",
          "followup-evidence-expiry",
          "followup-ack-expiry");

  /**
   * Runs {@code work}, one punctuator's part, and records how long it held the stream thread in
   * {@code vigil_punctuation_seconds{punctuator}}: a pod event that arrives meanwhile waits for it.
   */
  void punctuation(String punctuator, Runnable work) {
    punctuationTimer(punctuator).record(work);
  }

  private Timer punctuationTimer(String punctuator) {
    return punctuations.computeIfAbsent(
        punctuator,
        p ->
            Timer.builder("vigil.punctuation")
                .description(
                    "scheduled work on a stream thread, by part; pod events wait while it runs")
                .tag("punctuator", p)
                .register(registry));
  }

  /** The registry the meters live in. */
  public MeterRegistry registry() {
    return registry;
  }

  void evaluated(Verdict.Trigger trigger, Decision decision) {
    Counter.builder("vigil.evaluations")
        .description("pod evaluations")
        .tag("trigger", lower(trigger.name()))
        .register(registry)
        .increment();
    Counter.builder("vigil.decisions")
        .description("evaluation outcomes")
        .tag("decision", lower(decision.name()))
        .register(registry)
        .increment();
  }

  void reevaluationRun(String reason, Duration took) {
    Counter.builder("vigil.reevaluations")
        .description("re-evaluations over many pods, finished")
        .tag("reason", reason)
        .register(registry)
        .increment();
    Timer.builder("vigil.reevaluation.duration")
        .description("time from a re-evaluation's cause to its last pod")
        .tag("reason", reason)
        .register(registry)
        .record(took);
  }

  /** A record went to the dead-letter topic. */
  public void deadLetter(String source, String reason) {
    Counter.builder("vigil.dead.letters")
        .description("records sent to the dead-letter topic")
        .tags(Tags.of("source", source == null ? "unknown" : source, "reason", reason))
        .register(registry)
        .increment();
  }

  void policyRejected() {
    Counter.builder("vigil.policies.rejected")
        .description("policy documents rejected; the last good set stays in force")
        .register(registry)
        .increment();
  }

  /** A validation task re-read the policy store: its revision changed (or the task started). */
  void policyReload() {
    policyReloads().increment();
  }

  private Counter policyReloads() {
    return Counter.builder("vigil.policy.reloads")
        .description(
            "times a validation task re-read the policy store because its revision changed")
        .register(registry);
  }

  /** Why a pod event was not judged: what {@code PodLifecycle.Result#ignored()} says. */
  static final List<String> POD_EVENT_IGNORED_REASONS =
      List.of(PodLifecycle.DUPLICATE, PodLifecycle.OUT_OF_ORDER, PodLifecycle.UNCHANGED);

  void podEventIgnored(String reason) {
    podEventsIgnored(reason).increment();
  }

  private Counter podEventsIgnored(String reason) {
    return Counter.builder("vigil.pod.events.ignored")
        .description(
            "pod events ignored as duplicate or out of order, or taken without judging the pod"
                + " again (unchanged)")
        .tag("reason", reason)
        .register(registry);
  }

  /**
   * A pod event or admission came on another partition than {@code kafka.pod-partitioning} gives
   * its key (a producer with another layout, ADR 0160): it is judged, but an admission and its pod
   * may then meet in different tasks.
   */
  void misrouted(String topic) {
    Counter.builder("vigil.pod.events.misrouted")
        .description(
            "pod and admission events on another partition than kafka.pod-partitioning gives their"
                + " pod (a producer with another partitioning)")
        .tag("topic", topic)
        .register(registry)
        .increment();
  }

  /** Sets the open violation of {@code podKey} ({@code rules} empty or decision null: none). */
  void violation(
      String podKey,
      String cluster,
      String namespace,
      Decision decision,
      Severity severity,
      List<String> rules) {
    List<ViolationLabel> now =
        decision == null
            ? List.of()
            : rules.stream()
                .map(
                    r ->
                        new ViolationLabel(
                            cluster,
                            namespace,
                            r,
                            lower(decision.name()),
                            severity == null ? "none" : severity.wire()))
                .toList();
    List<ViolationLabel> before =
        now.isEmpty() ? violationsByPod.remove(podKey) : violationsByPod.put(podKey, now);
    if (before != null) {
      before.forEach(l -> violationCount(l).decrementAndGet());
    }
    now.forEach(l -> violationCount(l).incrementAndGet());
  }

  /** Forgets the violations of pods this instance no longer holds. */
  void forgetViolations(Collection<String> podKeys) {
    podKeys.forEach(k -> violation(k, null, null, null, null, List.of()));
  }

  /** A violation transition was published (category policy). */
  void violationTransition(ViolationTransition.Transition transition, Severity severity) {
    violationTransitions(transition, severity).increment();
  }

  private Counter violationTransitions(
      ViolationTransition.Transition transition, Severity severity) {
    return Counter.builder("vigil.violation.transitions")
        .description("violation transitions published on vigil.violations, by severity")
        .tags(
            "transition",
            lower(transition.name()),
            "severity",
            severity == null ? "none" : severity.wire())
        .register(registry);
  }

  /** A follow-up was flagged as a suspected bypass (once per follow-up cycle). */
  void bypassSuspected() {
    suspectedBypasses().increment();
  }

  /** An acknowledgement with an expiry expired and its follow-up re-opened. */
  void acknowledgementExpired() {
    acknowledgementsExpired().increment();
  }

  private Counter suspectedBypasses() {
    return Counter.builder("vigil.followups.suspected.bypass")
        .description(
            "follow-ups flagged as a suspected bypass: denials, then a fail-open admission by the same principal")
        .register(registry);
  }

  private Counter acknowledgementsExpired() {
    return Counter.builder("vigil.followups.acknowledgements.expired")
        .description(
            "acknowledgements whose expiry passed: the follow-up went back to its previous state")
        .register(registry);
  }

  /**
   * Sets the state of follow-up {@code key}; a closed one is no longer counted as open, and one
   * acknowledged until a time ({@code expiring}) is counted as such.
   */
  void followUp(
      String key, FollowUp.Kind kind, FollowUp.State state, Instant firstSeen, boolean expiring) {
    if (expiring) {
      acknowledgedUntil.add(key);
    } else {
      acknowledgedUntil.remove(key);
    }
    followUp(key, kind, state, firstSeen);
  }

  /** Sets the state of follow-up {@code key}; a closed one is no longer counted. */
  void followUp(String key, FollowUp.Kind kind, FollowUp.State state, Instant firstSeen) {
    OpenFollowUp now =
        state != null && state.isOpen()
            ? new OpenFollowUp(new FollowUpLabel(kind.name(), state.name()), firstSeen)
            : null;
    OpenFollowUp before = now == null ? followUpsByKey.remove(key) : followUpsByKey.put(key, now);
    if (before != null) {
      followUpCount(before.label()).decrementAndGet();
    }
    if (now != null) {
      followUpCount(now.label()).incrementAndGet();
    }
  }

  /** Forgets the follow-ups this instance no longer holds. */
  void forgetFollowUps(Collection<String> keys) {
    keys.forEach(k -> followUp(k, null, null, null, false));
  }

  private AtomicLong violationCount(ViolationLabel l) {
    return violationCounts.computeIfAbsent(
        l,
        x -> {
          AtomicLong v = new AtomicLong();
          Gauge.builder("vigil.violations.open", v, AtomicLong::get)
              .description("pods with an open violation")
              .tags(
                  "cluster",
                  x.cluster(),
                  "namespace",
                  x.namespace(),
                  "rule",
                  x.rule(),
                  "decision",
                  x.decision(),
                  "severity",
                  x.severity())
              .register(registry);
          return v;
        });
  }

  private AtomicLong followUpCount(FollowUpLabel l) {
    return followUpCounts.computeIfAbsent(
        l,
        x -> {
          AtomicLong v = new AtomicLong();
          Gauge.builder("vigil.followups.open", v, AtomicLong::get)
              .description("follow-ups still open")
              .tags("kind", x.kind(), "state", x.state())
              .register(registry);
          return v;
        });
  }

  private double oldestOpenFollowUpSeconds() {
    Instant oldest = null;
    for (OpenFollowUp f : followUpsByKey.values()) {
      if (f.firstSeen() != null && (oldest == null || f.firstSeen().isBefore(oldest))) {
        oldest = f.firstSeen();
      }
    }
    return oldest == null
        ? 0
        : Math.max(0, Duration.between(oldest, clock.instant()).toMillis() / 1000.0);
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
