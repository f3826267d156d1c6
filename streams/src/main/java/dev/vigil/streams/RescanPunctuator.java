package dev.vigil.streams;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Runs the next bounded batch of the scans under way ({@link Reevaluations}): picks the pods each
 * scan re-judges, hands each to {@link PodLifecycle} as a {@link PodLifecycle.Reevaluate} of its
 * own, and dead-letters a pod that fails or whose stored state no longer reads, so the scan moves
 * on.
 */
final class RescanPunctuator {

  private final Reevaluations reevaluations;
  private final PoliciesInForce policies;
  private final StoreFacts facts;
  private final KeyValueStore<String, PodState> pods;
  private final PodSteps steps;
  private final VigilMetrics metrics;
  private final LongSupplier systemTimeMs;
  private final LongSupplier streamTimeMs;
  private final Duration deletedPodRetention;

  RescanPunctuator(
      Reevaluations reevaluations,
      PoliciesInForce policies,
      StoreFacts facts,
      KeyValueStore<String, PodState> pods,
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

  /** Which pods each kind of scan judges. */
  private final Reevaluations.Rules rules =
      new Reevaluations.Rules() {
        @Override
        public Verdict.Trigger which(Reevaluations.Scan scan, PodState s) {
          return switch (scan.reason()) {
            case Reevaluations.POLICY_CHANGE ->
                policyChanged(s) ? Verdict.Trigger.POLICY_CHANGE : null;
            case Reevaluations.FACTS_CHANGE -> factsChanged(s) ? scan.trigger() : null;
            case Reevaluations.STARTUP ->
                policyChanged(s)
                    ? Verdict.Trigger.POLICY_CHANGE
                    : factsChanged(s) ? Verdict.Trigger.ATTESTATION_CHANGE : null;
            case Reevaluations.FRESHNESS ->
                facts.hasUploadTime(StoreFacts.digests(s.pod())) ? scan.trigger() : null;
            default -> scan.trigger();
          };
        }

        @Override
        public boolean forget(Reevaluations.Scan scan, PodState s) {
          return scan.reason().equals(Reevaluations.FRESHNESS)
              && s.deletedAt() != null
              && s.deletedAt().isBefore(now().minus(deletedPodRetention));
        }
      };

  private boolean policyChanged(PodState s) {
    return !policies.inForce(s.pod().clusterId()).versions().equals(s.policyVersions());
  }

  private boolean factsChanged(PodState s) {
    return !facts.fingerprint(StoreFacts.digests(s.pod())).equals(s.factsFingerprint());
  }

  /**
   * Judges one pod of a scan as a step of its own: if that throws, nothing of it is applied, the
   * pod is dead-lettered and the scan moves on; a pod whose stored state no longer reads is
   * dead-lettered and forgotten (its next pod event starts it afresh).
   */
  private final Reevaluations.Judge judge =
      new Reevaluations.Judge() {
        @Override
        public void reevaluate(
            String key, PodState s, Verdict.Trigger trigger, Reevaluations.Scan scan, long ts) {
          try {
            steps.step(
                new PodLifecycle.Pod(key, s, null),
                new PodLifecycle.Reevaluate(trigger, eventTime(s, trigger, scan)),
                ts);
          } catch (RuntimeException e) {
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
            now());
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
