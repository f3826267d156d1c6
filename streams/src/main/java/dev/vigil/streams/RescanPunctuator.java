package dev.vigil.streams;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Runs the next bounded batch of the scans under way ({@link Reevaluations}): picks the templates
 * each scan re-judges, judges each once ({@link PodLifecycle#rejudge}), and when its outcome
 * changed hands each of its running pods to {@link PodLifecycle} as a {@link
 * PodLifecycle.Reevaluate} of its own (ADR 0150); dead-letters a template or pod that fails, or a
 * pod whose stored state no longer reads, so the scan moves on.
 */
final class RescanPunctuator {

  private final Reevaluations reevaluations;
  private final PoliciesInForce policies;
  private final StoreFacts facts;
  private final PodStore pods;
  private final PodSteps steps;
  private final VigilMetrics metrics;
  private final LongSupplier systemTimeMs;
  private final LongSupplier streamTimeMs;
  private final Duration deletedPodRetention;

  RescanPunctuator(
      Reevaluations reevaluations,
      PoliciesInForce policies,
      StoreFacts facts,
      PodStore pods,
      PodSteps steps,
      VigilMetrics metrics,
      LongSupplier systemTimeMs,
      LongSupplier streamTimeMs,
      Duration deletedPodRetention) {
    this.reevaluations = reevaluations;
    this.policies = policies;
    this.facts = facts;
    this.pods = pods;
    this.steps = steps;
    this.metrics = metrics;
    this.systemTimeMs = systemTimeMs;
    this.streamTimeMs = streamTimeMs;
    this.deletedPodRetention = deletedPodRetention;
  }

  /** The next bounded batch of the re-evaluations under way, if any. */
  void continueScans(long ts) {
    if (reevaluations.pending()) {
      reevaluations.run(ts, rules, judge);
    }
  }

  /** Which templates each kind of scan judges. */
  private final Reevaluations.Rules rules =
      new Reevaluations.Rules() {
        @Override
        public Verdict.Trigger which(Reevaluations.Scan scan, TemplateState t) {
          return switch (scan.reason()) {
            case Reevaluations.POLICY_CHANGE ->
                policyChanged(t) ? Verdict.Trigger.POLICY_CHANGE : null;
            case Reevaluations.FACTS_CHANGE -> factsChanged(t) ? scan.trigger() : null;
            case Reevaluations.STARTUP ->
                policyChanged(t)
                    ? Verdict.Trigger.POLICY_CHANGE
                    : factsChanged(t) ? Verdict.Trigger.ATTESTATION_CHANGE : null;
            case Reevaluations.FRESHNESS ->
                facts.hasUploadTime(t.template().digests()) ? scan.trigger() : null;
            default -> scan.trigger();
          };
        }

        @Override
        public boolean forget(Reevaluations.Scan scan, PodState s) {
          return scan.reason().equals(Reevaluations.FORGET)
              && s.deletedAt() != null
              && s.deletedAt().isBefore(now().minus(deletedPodRetention));
        }
      };

  private boolean policyChanged(TemplateState t) {
    return t.judgement() == null
        || !policies.inForce(t.template().clusterId()).versions().equals(t.judgement().versions());
  }

  private boolean factsChanged(TemplateState t) {
    return t.judgement() == null
        || !facts.fingerprint(t.template().digests()).equals(t.judgement().factsFingerprint());
  }

  /**
   * Judges one template of a scan, then (when its outcome changed) each of its running pods as a
   * step of its own: if one throws, nothing of it is applied, it is dead-lettered and the scan
   * moves on; a pod whose stored state no longer reads is dead-lettered and forgotten (its next pod
   * event starts it afresh).
   */
  private final Reevaluations.Judge judge =
      new Reevaluations.Judge() {
        @Override
        public int reevaluate(
            String fingerprint,
            TemplateState t,
            Verdict.Trigger trigger,
            Reevaluations.Scan scan,
            long ts) {
          List<String> running = pods.runningPods(fingerprint);
          if (running.isEmpty()) {
            // Only deleted pods, or none: nothing to judge. Its next pod is judged, and the
            // template takes that judgement (ADR 0170); the sweep drops it if none comes.
            return 0;
          }
          boolean walk;
          try {
            walk = steps.rejudge(fingerprint, t, trigger, running, ts);
          } catch (RuntimeException e) {
            failed(StoreNames.TEMPLATES, "template", fingerprint, e, ts);
            return 1;
          }
          if (!walk) {
            return 0;
          }
          for (String key : running) {
            PodState s = pods.get(key);
            if (s == null) {
              pods.forget(key, fingerprint);
              unreadablePod(key, ts);
              continue;
            }
            if (s.deleted()) {
              continue;
            }
            try {
              steps.step(
                  new PodLifecycle.Pod(key, s, null),
                  new PodLifecycle.Reevaluate(trigger, eventTime(s, trigger, scan)),
                  ts);
            } catch (RuntimeException e) {
              failed(StoreNames.PODS, "pod", key, e, ts);
            }
          }
          return running.size();
        }

        @Override
        public void unreadable(String key, long ts) {
          pods.forget(key, (String) null);
          unreadablePod(key, ts);
        }
      };

  /** Dead-letters the {@code what} {@code key} of {@code store} whose re-evaluation threw. */
  private void failed(String store, String what, String key, RuntimeException e, long ts) {
    deadLetter(
        key,
        store,
        e.getClass().getSimpleName(),
        "re-evaluating " + what + " " + key + " failed, the scan goes on: " + e,
        ts);
    metrics.deadLetter(store, "processing_failed");
  }

  private void unreadablePod(String key, long ts) {
    deadLetter(
        key,
        StoreNames.PODS,
        "UnreadableMessageException",
        "the stored state of pod "
            + key
            + " no longer reads; it is forgotten until its next pod event",
        ts);
    metrics.deadLetter(StoreNames.PODS, "unreadable");
  }

  private void deadLetter(String key, String store, String errorType, String message, long ts) {
    DeadLetter d =
        new DeadLetter(
            DeadLetterHandlers.COMPONENT, store, null, null, key, "", 0, errorType, message, now());
    steps.emit(new PodLifecycle.DeadLettered(key, d), ts);
  }

  /**
   * The event time of a re-evaluation (ADR 0015, 0091): for a policy change, when the newest
   * revision in force for the pod's cluster was published; for a change of the facts of one digest,
   * the newest time the facts of that kind carry (an attestation's {@code createTime}, the
   * metadata's {@code scannedAt}, else its {@code uploadTime}), not before the pod was seen; for a
   * sweep (periodic, freshness, start-up) or a fact that is gone, the task's stream time (none
   * before the task has processed a record).
   */
  private Instant eventTime(PodState s, Verdict.Trigger trigger, Reevaluations.Scan scan) {
    if (trigger == Verdict.Trigger.POLICY_CHANGE) {
      return policies.newestPublished(s.pod().clusterId());
    }
    long streamMs = streamTimeMs.getAsLong();
    Instant streamTime =
        streamMs > 0 ? Instant.ofEpochMilli(streamMs) : null; // null: no record yet
    if (scan == null
        || !Reevaluations.FACTS_CHANGE.equals(scan.reason())
        || scan.digest() == null) {
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

  private Instant now() {
    return Instant.ofEpochMilli(systemTimeMs.getAsLong());
  }
}
