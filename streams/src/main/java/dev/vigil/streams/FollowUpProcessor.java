package dev.vigil.streams;

import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUpId;
import dev.vigil.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the follow-ups of one partition of workloads and publishes every change with its time and
 * cause. State changes go out at once; pod-count updates are gathered and published every {@code
 * followUpFlushInterval}, so an outage that admits 500 pods of one Deployment is one follow-up with
 * a count, not 500 records.
 *
 * <p>Bypass evidence that comes before its follow-up opens waits in a store until one opens (or the
 * maximum open age passes, in stream time). Acknowledgements with an expiry are indexed by expiry
 * time in a store that a wall-clock punctuator reads from its start: one seek when nothing expires,
 * and a revived or restarted task finds every expiry in its changelog.
 */
final class FollowUpProcessor implements Processor<String, FollowUpInput, String, FollowUp> {

  private final StreamsSettings settings;
  private final VigilMetrics metrics;

  private ProcessorContext<String, FollowUp> context;
  private KeyValueStore<String, FollowUpState> store;
  private KeyValueStore<String, BypassEvidence> waiting;
  private KeyValueStore<String, String> expiries;
  private final Set<String> dirty = new HashSet<>();
  private final Set<String> tracked = new HashSet<>();

  /** How often follow-ups are checked against the maximum open age (at most). */
  static final Duration STALE_CHECK = Duration.ofMinutes(1);

  /**
   * Keys of the index of the follow-ups that may escalate by age (OPEN, not breakglass) in the
   * acknowledgement-expiry store: {@code open/<opened at, millis, 19 digits>|<follow-up key>}.
   * Keyed by when it opened, not by when it is due, so that a changed {@code followup-max-open-age}
   * holds at once. The acknowledgement expiries' keys start with a digit and sort before it.
   */
  static final String OPEN = "open/";

  /** Written once the follow-ups of before the index (ADR 0185) are indexed. */
  static final String OPEN_INDEXED = "open-indexed";

  FollowUpProcessor(StreamsSettings settings, VigilMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, FollowUp> context) {
    this.context = context;
    store = context.getStateStore(StoreNames.FOLLOWUPS);
    waiting = context.getStateStore(StoreNames.FOLLOWUP_EVIDENCE_WAITING);
    expiries = context.getStateStore(StoreNames.FOLLOWUP_ACK_EXPIRY);
    // Rebuilt from the store (again, when the task is revived with its stores rolled back).
    metrics.forgetFollowUps(tracked);
    tracked.clear();
    dirty.clear();
    try (KeyValueIterator<String, FollowUpState> it = store.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        if (kv.value != null) {
          track(kv.key, kv.value);
          if (kv.value.pendingCause() != null || kv.value.held()) {
            dirty.add(kv.key);
          }
        }
      }
    }
    context.schedule(
        settings.followUpFlushInterval(),
        PunctuationType.WALL_CLOCK_TIME,
        ts -> metrics.punctuation("followup-flush", () -> flush(ts)));
    Duration staleCheck =
        settings.followUpMaxOpenAge().compareTo(STALE_CHECK) < 0
            ? settings.followUpMaxOpenAge()
            : STALE_CHECK;
    context.schedule(
        staleCheck,
        PunctuationType.WALL_CLOCK_TIME,
        ts -> {
          metrics.punctuation("followup-stale", () -> escalateStale(ts));
          metrics.punctuation("followup-evidence-expiry", this::forgetWaitingEvidence);
        });
    context.schedule(
        settings.followUpFlushInterval(),
        PunctuationType.WALL_CLOCK_TIME,
        ts -> metrics.punctuation("followup-ack-expiry", () -> expireAcks(ts)));
  }

  @Override
  public void close() {
    metrics.forgetFollowUps(tracked);
  }

  @Override
  public void process(Record<String, FollowUpInput> record) {
    FollowUpInput in = record.value();
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    String key;
    FollowUpState before;
    FollowUpLifecycle.Result r;
    if (in.signal() != null) {
      key = in.signal().followUpKey();
      before = store.get(key);
      List<String> used = new ArrayList<>();
      List<BypassEvidence> evidence = new ArrayList<>();
      if (in.signal().type() == FollowUpSignal.Type.ADMITTED
          && (before == null || FollowUpLifecycle.isClosed(before))) {
        try (KeyValueIterator<String, BypassEvidence> it =
            waiting.prefixScan(key + "|", new StringSerializer())) {
          it.forEachRemaining(
              kv -> {
                used.add(kv.key);
                evidence.add(kv.value);
              });
        }
      }
      r =
          FollowUpLifecycle.onSignal(
              before,
              in.signal(),
              now,
              settings.followUpFlushInterval(),
              evidence,
              settings.bypassWindow());
      if (r.state() != null && r.state() != before && !FollowUpLifecycle.isClosed(r.state())) {
        used.forEach(waiting::delete);
      }
    } else if (in.evidence() != null) {
      BypassEvidence e = in.evidence();
      key = e.followUpKey();
      before = store.get(key);
      if (before == null || FollowUpLifecycle.isClosed(before)) {
        // before its follow-up opened (or for the next cycle): kept until one opens; evidence from
        // before the closed cycle's last change belongs to that cycle and is dropped
        Instant closedAt = before == null ? null : before.current().eventTime();
        if (closedAt == null || e.admittedAt().isAfter(closedAt)) {
          waiting.put(key + "|" + e.auditId() + "|" + e.subject(), e);
        }
        return;
      }
      r = FollowUpLifecycle.onEvidence(before, e, now, settings.bypassWindow());
    } else if (in.ack() != null) {
      // An id that is not one throws: the record is dead-lettered (DeadLetterHandlers.Processing).
      key = FollowUpId.parse(in.ack().followUpId()).key();
      before = store.get(key);
      r = FollowUpLifecycle.onAck(before, in.ack(), now);
    } else {
      return;
    }
    apply(key, before, r, record.timestamp());
  }

  private void flush(long ts) {
    Instant now = Instant.ofEpochMilli(ts);
    List<String> keys = new ArrayList<>(dirty);
    dirty.clear();
    for (String key : keys) {
      FollowUpState s = store.get(key);
      apply(key, s, FollowUpLifecycle.flush(s, now, settings.followUpFlushInterval()), ts);
    }
  }

  /**
   * Escalates the follow-ups still OPEN {@code followUpMaxOpenAge} after they opened. Reads only
   * the index entries of those opened that long ago: one seek when none is due, where it read every
   * follow-up of the task every minute (ADR 0185).
   */
  private void escalateStale(long ts) {
    Instant now = Instant.ofEpochMilli(ts);
    if (expiries.get(OPEN_INDEXED) == null) {
      indexOpen();
    }
    long openedBefore = now.minus(settings.followUpMaxOpenAge()).toEpochMilli();
    List<String> due = new ArrayList<>();
    try (KeyValueIterator<String, String> it =
        expiries.range(OPEN, OPEN + String.format("%019d|\uffff", Math.max(0, openedBefore)))) {
      it.forEachRemaining(kv -> due.add(kv.key));
    }
    for (String entry : due) {
      String key = entry.substring(entry.indexOf('|') + 1);
      FollowUpState s = store.get(key);
      if (!entry.equals(openKey(key, s))) {
        expiries.delete(entry); // closed, escalated or re-opened since: not this entry's
        continue;
      }
      FollowUpLifecycle.Result r =
          FollowUpLifecycle.escalateIfStale(s, now, settings.followUpMaxOpenAge());
      if (!r.emitted().isEmpty()) {
        apply(key, s, r, ts); // no longer OPEN: apply removes the entry
      }
    }
  }

  /**
   * The index key of follow-up {@code key} in state {@code s}, or null when it cannot escalate by
   * age (not OPEN, or breakglass: those wait for their acknowledgement).
   */
  static String openKey(String key, FollowUpState s) {
    if (s == null
        || s.current().state() != FollowUp.State.OPEN
        || s.current().kind() == FollowUp.Kind.BREAKGLASS) {
      return null;
    }
    return OPEN
        + String.format("%019d", Math.max(0, s.current().firstSeen().toEpochMilli()))
        + "|"
        + key;
  }

  /** Indexes the follow-ups kept before the index existed, once. */
  private void indexOpen() {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, FollowUpState> it = store.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        String k = openKey(kv.key, kv.value);
        if (k != null) {
          keys.add(k);
        }
      }
    }
    keys.forEach(k -> expiries.put(k, ""));
    expiries.put(OPEN_INDEXED, "1");
  }

  /** Re-opens the follow-ups whose acknowledgement expired by {@code ts} (wall clock). */
  private void expireAcks(long ts) {
    Instant now = Instant.ofEpochMilli(ts);
    List<String> due = new ArrayList<>();
    try (KeyValueIterator<String, String> it =
        expiries.range(expiryKey(0, ""), expiryKey(ts, "\uffff"))) {
      it.forEachRemaining(kv -> due.add(kv.key));
    }
    for (String entry : due) {
      String key = entry.substring(entry.indexOf('|') + 1);
      expiries.delete(entry);
      FollowUpState s = store.get(key);
      FollowUpLifecycle.Result r = FollowUpLifecycle.expire(s, now);
      if (!r.emitted().isEmpty()) {
        metrics.acknowledgementExpired();
        apply(key, s, r, ts);
      }
    }
  }

  /**
   * Evidence still waiting {@code followUpMaxOpenAge} (stream time) after its admission is dropped.
   */
  private void forgetWaitingEvidence() {
    Instant before =
        Instant.ofEpochMilli(context.currentStreamTimeMs()).minus(settings.followUpMaxOpenAge());
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, BypassEvidence> it = waiting.all()) {
      it.forEachRemaining(
          kv -> {
            if (kv.value == null || kv.value.admittedAt().isBefore(before)) {
              old.add(kv.key);
            }
          });
    }
    old.forEach(waiting::delete);
  }

  /** {@code expiryMillis|followUpKey}, the millis zero-padded so that keys sort by time. */
  static String expiryKey(long epochMillis, String followUpKey) {
    return String.format("%019d|%s", epochMillis, followUpKey);
  }

  /**
   * Stores {@code r}'s state of follow-up {@code key} (read as {@code before}) and publishes it.
   */
  private void apply(String key, FollowUpState before, FollowUpLifecycle.Result r, long ts) {
    if (r.state() == null) {
      return;
    }
    Instant was =
        before == null || !before.ackExpires() ? null : before.current().acknowledgedUntil();
    Instant is = r.state().ackExpires() ? r.state().current().acknowledgedUntil() : null;
    if (was != null && !was.equals(is)) {
      expiries.delete(expiryKey(was.toEpochMilli(), key));
    }
    if (is != null && !is.equals(was)) {
      expiries.put(expiryKey(is.toEpochMilli(), key), r.state().current().followUpId());
    }
    String wasOpen = openKey(key, before);
    String isOpen = openKey(key, r.state());
    if (wasOpen != null && !wasOpen.equals(isOpen)) {
      expiries.delete(wasOpen);
    }
    if (isOpen != null && !isOpen.equals(wasOpen)) {
      expiries.put(isOpen, "");
    }
    boolean wasSuspected =
        before != null
            && before.current().bypassSuspected()
            && before.current().followUpId().equals(r.state().current().followUpId());
    if (r.state().current().bypassSuspected() && !wasSuspected) {
      metrics.bypassSuspected();
    }
    store.put(key, r.state());
    track(key, r.state());
    if (r.state().pendingCause() != null || r.state().held()) {
      dirty.add(key);
    }
    for (FollowUp f : r.emitted()) {
      context.forward(
          new Record<>(
              key,
              f,
              ts,
              CloudEvents.headers(
                  Topics.FOLLOWUPS,
                  f.followUpId() + "/" + f.changedAt().toEpochMilli() + "/" + f.state(),
                  ContinuousValidationProcessor.SOURCE,
                  f.changedAt())));
    }
  }

  private void track(String key, FollowUpState s) {
    tracked.add(key);
    FollowUp f = s.current();
    metrics.followUp(key, f.kind(), f.state(), f.firstSeen(), s.ackExpires());
  }
}
