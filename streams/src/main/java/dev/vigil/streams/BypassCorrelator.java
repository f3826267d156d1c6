package dev.vigil.streams;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.WorkloadRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Suspected quota-exhaustion bypasses: correlates denied admissions with later fail-open and
 * breakglass admissions of the same image by the same principal. Its input is re-keyed by {@code
 * cluster|principal|subject} ({@link #subjects}): the subject is the image's digest, or the
 * workload when the image is named by tag, so that the denials of generated pod names (another name
 * at every attempt) meet their fail-open admission in one task.
 *
 * <p>Every admission is kept in a window store by its request time (event time), so the outcome
 * does not depend on arrival order: a fail-open admission counts the denials before it, and a
 * denial that arrives after the fail-open admission it preceded (another input partition, a late
 * audit batch) counts it again. Evidence goes out for every fail-open or breakglass admission with
 * at least one denial in the window before it; a later, larger count for the same admission
 * replaces the earlier one in the follow-up.
 */
final class BypassCorrelator implements Processor<String, AdmissionEvent, String, BypassEvidence> {

  private final StreamsSettings settings;
  private WindowStore<String, AdmissionEvent> store;
  private ProcessorContext<String, BypassEvidence> context;

  BypassCorrelator(StreamsSettings settings) {
    this.settings = settings;
  }

  /** Whether the admission takes part: denied, failed open or breakglass, by a known principal. */
  static boolean correlated(AdmissionEvent a) {
    return a.user() != null
        && !a.user().isBlank()
        && (a.blocked() || a.failedOpen() != null || a.breakglass());
  }

  /**
   * The correlation keys of an admission: {@code cluster|principal|digest sha256:…} for each image
   * named by digest, and {@code cluster|principal|workload ns/KIND/name} once if any is named by
   * tag (or the admission carries no images).
   */
  static List<KeyValue<String, AdmissionEvent>> subjects(AdmissionEvent a) {
    Set<String> subjects = new LinkedHashSet<>();
    boolean byTag = a.images().isEmpty();
    for (ContainerImage c : a.images()) {
      String digest = FollowUp.Image.of(c).digest();
      if (digest == null) {
        byTag = true;
      } else {
        subjects.add("digest " + digest);
      }
    }
    if (byTag) {
      subjects.add("workload " + owner(a).key());
    }
    List<KeyValue<String, AdmissionEvent>> out = new ArrayList<>();
    for (String s : subjects) {
      out.add(KeyValue.pair(a.clusterId() + "|" + a.user() + "|" + s, a));
    }
    return out;
  }

  /** The workload an admission's follow-up is about (the pod itself when ingest found no owner). */
  static WorkloadRef owner(AdmissionEvent a) {
    return a.owner() != null
        ? a.owner()
        : new WorkloadRef(WorkloadRef.Kind.POD, a.namespace(), a.name());
  }

  /** Retention of the window store: the window, and the correlation skew for late arrivals. */
  static Duration retention(StreamsSettings s) {
    return s.bypassWindow().plus(s.correlationSkew());
  }

  @Override
  public void init(ProcessorContext<String, BypassEvidence> context) {
    this.context = context;
    store = context.getStateStore(StoreNames.BYPASS_ADMISSIONS);
  }

  @Override
  public void process(Record<String, AdmissionEvent> record) {
    String key = record.key();
    AdmissionEvent a = record.value();
    long t = a.requestReceivedAt().toEpochMilli();
    // Denials under the key, admitted ones beside them: each scan reads only the other kind, so
    // many fail-open admissions of one image by one principal (a controller's) do not each re-read
    // all the others in the window.
    String stored = a.blocked() ? key : admittedKey(key);
    if (seen(stored, a, t)) {
      return; // the audit webhook may send an event twice
    }
    store.put(stored, a, t);
    long window = settings.bypassWindow().toMillis();
    if (a.blocked()) {
      // a denial that came late: the bypasses within the window after it count it now
      List<AdmissionEvent> later = new ArrayList<>();
      try (WindowStoreIterator<AdmissionEvent> it =
          store.fetch(admittedKey(key), t + 1, t + window)) {
        it.forEachRemaining(
            kv -> {
              if (!kv.value.blocked()) {
                later.add(kv.value);
              }
            });
      }
      later.forEach(b -> emit(key, b, record));
    } else {
      emit(key, a, record);
    }
  }

  /**
   * Where the fail-open and breakglass admissions of correlation key {@code key} are kept (denials
   * are kept under {@code key} itself). A window store written before this split holds both under
   * {@code key}: the denial scan still keeps only denials, so such a store reads correctly.
   */
  static String admittedKey(String key) {
    return key + "|admitted";
  }

  private boolean seen(String key, AdmissionEvent a, long t) {
    try (WindowStoreIterator<AdmissionEvent> it = store.fetch(key, t, t)) {
      while (it.hasNext()) {
        if (it.next().value.auditId().equals(a.auditId())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Counts the denials before bypass admission {@code b} and sends evidence when there are some.
   */
  private void emit(String key, AdmissionEvent b, Record<String, AdmissionEvent> cause) {
    long t = b.requestReceivedAt().toEpochMilli();
    Set<String> denials = new LinkedHashSet<>();
    try (WindowStoreIterator<AdmissionEvent> it =
        store.fetch(key, t - settings.bypassWindow().toMillis(), t - 1)) {
      it.forEachRemaining(
          kv -> {
            if (kv.value.blocked()) {
              denials.add(kv.value.auditId());
            }
          });
    }
    if (denials.isEmpty()) {
      return;
    }
    String subject = key.substring(key.lastIndexOf('|') + 1); // subjects hold no '|'
    WorkloadRef owner = owner(b);
    List<FollowUp.Kind> kinds = new ArrayList<>();
    if (b.failedOpen() != null) {
      kinds.add(FollowUp.Kind.FAIL_OPEN);
    }
    if (b.breakglass()) {
      kinds.add(FollowUp.Kind.BREAKGLASS);
    }
    for (FollowUp.Kind kind : kinds) {
      boolean suspected =
          kind == FollowUp.Kind.FAIL_OPEN && denials.size() >= settings.bypassDenials();
      BypassEvidence e =
          new BypassEvidence(
              b.clusterId(),
              owner,
              kind,
              b.auditId(),
              b.user(),
              subject,
              denials.size(),
              suspected,
              b.requestReceivedAt());
      context.forward(new Record<>(e.followUpKey(), e, cause.timestamp()));
    }
  }
}
