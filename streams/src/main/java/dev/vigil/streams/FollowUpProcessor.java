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
 */
final class FollowUpProcessor implements Processor<String, FollowUpInput, String, FollowUp> {

  private final StreamsSettings settings;
  private final VigilMetrics metrics;

  private ProcessorContext<String, FollowUp> context;
  private KeyValueStore<String, FollowUpState> store;
  private final Set<String> dirty = new HashSet<>();
  private final Set<String> tracked = new HashSet<>();

  /** How often follow-ups are checked against the maximum open age (at most). */
  static final Duration STALE_CHECK = Duration.ofMinutes(1);

  FollowUpProcessor(StreamsSettings settings, VigilMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, FollowUp> context) {
    this.context = context;
    store = context.getStateStore(StoreNames.FOLLOWUPS);
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
    context.schedule(settings.followUpFlushInterval(), PunctuationType.WALL_CLOCK_TIME, this::flush);
    Duration staleCheck = settings.followUpMaxOpenAge().compareTo(STALE_CHECK) < 0
        ? settings.followUpMaxOpenAge() : STALE_CHECK;
    context.schedule(staleCheck, PunctuationType.WALL_CLOCK_TIME, this::escalateStale);
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
    FollowUpLifecycle.Result r;
    if (in.signal() != null) {
      key = in.signal().followUpKey();
      r = FollowUpLifecycle.onSignal(store.get(key), in.signal(), now, settings.followUpFlushInterval());
    } else if (in.ack() != null) {
      // An id that is not one throws: the record is dead-lettered (DeadLetterHandlers.Processing).
      key = FollowUpId.parse(in.ack().followUpId()).key();
      r = FollowUpLifecycle.onAck(store.get(key), in.ack(), now);
    } else {
      return;
    }
    apply(key, r, record.timestamp());
  }

  private void flush(long ts) {
    Instant now = Instant.ofEpochMilli(ts);
    List<String> keys = new ArrayList<>(dirty);
    dirty.clear();
    for (String key : keys) {
      apply(key, FollowUpLifecycle.flush(store.get(key), now, settings.followUpFlushInterval()), ts);
    }
  }

  private void escalateStale(long ts) {
    Instant now = Instant.ofEpochMilli(ts);
    List<String> open = new ArrayList<>();
    try (KeyValueIterator<String, FollowUpState> it = store.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        if (kv.value != null && kv.value.current().state() == FollowUp.State.OPEN) {
          open.add(kv.key);
        }
      }
    }
    for (String key : open) {
      FollowUpLifecycle.Result r = FollowUpLifecycle.escalateIfStale(store.get(key), now, settings.followUpMaxOpenAge());
      if (!r.emitted().isEmpty()) {
        apply(key, r, ts);
      }
    }
  }

  private void apply(String key, FollowUpLifecycle.Result r, long ts) {
    if (r.state() == null) {
      return;
    }
    store.put(key, r.state());
    track(key, r.state());
    if (r.state().pendingCause() != null || r.state().held()) {
      dirty.add(key);
    }
    for (FollowUp f : r.emitted()) {
      context.forward(new Record<>(key, f, ts, CloudEvents.headers(Topics.FOLLOWUPS,
          f.followUpId() + "/" + f.changedAt().toEpochMilli() + "/" + f.state(),
          ContinuousValidationProcessor.SOURCE, f.changedAt())));
    }
  }

  private void track(String key, FollowUpState s) {
    tracked.add(key);
    FollowUp f = s.current();
    metrics.followUp(key, f.kind(), f.state(), f.firstSeen());
  }
}
