package dev.vigil.streams;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.WorkloadRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Suspected quota-exhaustion bypasses: correlates denied admissions with later fail-open and
 * breakglass admissions of the same image by the same principal. Its input is re-keyed by {@code
 * cluster|principal|subject} ({@link #subjects}): the subject is the image's digest, or the
 * workload when the image is named by tag, so that the denials of generated pod names (another name
 * at every attempt) meet their fail-open admission in one task.
 *
 * <p>Every admission is kept by its request time (event time), so the outcome does not depend on
 * arrival order: a fail-open admission counts the denials before it, and a denial that arrives
 * after the fail-open admission it preceded (another input partition, a late audit batch) counts it
 * again. Evidence goes out for every fail-open or breakglass admission with at least one denial in
 * the window before it; a later, larger count for the same admission replaces the earlier one in
 * the follow-up.
 *
 * <p>The store ({@value StoreNames#BYPASS_ADMISSIONS}) is a key-value store, not a window store
 * (ADR 0155): {@code key|time(19 digits)|auditId} → nothing for a denial (its key is all that is
 * counted), and under {@code key|admitted|time|auditId} the JSON of a fail-open or breakglass
 * admission without its images and annotations ({@link #kept}); {@code ~|time|that key} → nothing,
 * to forget it {@link #retention} after the newest request time seen (event time, as a window store
 * did). A time range of one key is then one range read, where Kafka's in-memory window store
 * visited every timestamp of the window (a third of the stream thread at a million pods).
 */
final class BypassCorrelator implements Processor<String, AdmissionEvent, String, BypassEvidence> {

  private final StreamsSettings settings;
  private KeyValueStore<String, byte[]> store;
  private final Serde<AdmissionEvent> serde = Topics.ADMISSION_EVENTS.valueSerde();
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

  /** Keys of the expiry index start with this (after every correlation key: none starts so). */
  static final String EXPIRY = "~|";

  @Override
  public void init(ProcessorContext<String, BypassEvidence> context) {
    this.context = context;
    store = context.getStateStore(StoreNames.BYPASS_ADMISSIONS);
  }

  /**
   * Key of the newest request time the store has seen: retention counts back from it (event time),
   * as a window store's did, not from the records' timestamps (a replay stamps old admissions now).
   */
  static final String NEWEST = "~~newest";

  /**
   * Forgets the admissions older than the retention before {@code newest}, the newest request time
   * seen (with each admission: a seek when there is nothing to forget).
   */
  private void expire(long newest) {
    long before = newest - retention(settings).toMillis();
    if (before <= 0) {
      return;
    }
    List<String> gone = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.range(EXPIRY, EXPIRY + time(before))) {
      while (it.hasNext()) {
        gone.add(it.next().key);
      }
    }
    for (String e : gone) {
      store.delete(e.substring(EXPIRY.length() + 20)); // "~|" + 19 digits + "|"
      store.delete(e);
    }
  }

  /** Milliseconds as 19 digits, so that keys sort by time. */
  static String time(long ms) {
    return String.format("%019d", Math.max(0, ms));
  }

  private static String entry(String key, long t, String auditId) {
    return key + "|" + time(t) + "|" + auditId;
  }

  /** The admissions of {@code key} from {@code from} to {@code to} (ms, inclusive). */
  private List<AdmissionEvent> fetch(String key, long from, long to) {
    List<AdmissionEvent> out = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = range(key, from, to)) {
      it.forEachRemaining(
          kv -> {
            AdmissionEvent a =
                serde.deserializer().deserialize(StoreNames.BYPASS_ADMISSIONS, kv.value);
            if (a != null) {
              out.add(a);
            }
          });
    }
    return out;
  }

  /**
   * The audit ids of the denials under {@code key} from {@code from} to {@code to} (ms, inclusive):
   * read from the keys ({@code key|time|auditId}), whatever the value.
   */
  private Set<String> denials(String key, long from, long to) {
    Set<String> out = new LinkedHashSet<>();
    int at = key.length() + 21; // "|" + 19 digits + "|"
    try (KeyValueIterator<String, byte[]> it = range(key, from, to)) {
      it.forEachRemaining(kv -> out.add(kv.key.substring(at)));
    }
    return out;
  }

  private KeyValueIterator<String, byte[]> range(String key, long from, long to) {
    // '}' follows '|' (after the 19 digits): the range ends after every audit id of time `to`.
    return store.range(key + "|" + time(from), key + "|" + time(to) + "}");
  }

  /** The value of a denial: its key says all that is counted (the time and audit id). */
  static final byte[] DENIAL = {'d'};

  /**
   * What is kept of a fail-open or breakglass admission: what its evidence names (cluster, owner,
   * principal, audit id, request time, the signals), not its images or annotations.
   */
  static AdmissionEvent kept(AdmissionEvent a) {
    return new AdmissionEvent(
        a.eventId(),
        a.clusterId(),
        a.source(),
        a.auditId(),
        a.stage(),
        a.verb(),
        a.namespace(),
        a.name(),
        a.uid(),
        a.user(),
        a.serviceAccount(),
        a.owner(),
        List.of(),
        a.blocked(),
        a.dryRun(),
        a.breakglass(),
        a.failedOpen(),
        a.responseCode(),
        null,
        Map.of(),
        a.requestReceivedAt());
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
    String entry = entry(stored, t, a.auditId());
    if (store.get(entry) != null) {
      return; // the audit webhook may send an event twice
    }
    store.put(
        entry,
        a.blocked() ? DENIAL : serde.serializer().serialize(StoreNames.BYPASS_ADMISSIONS, kept(a)));
    store.put(EXPIRY + time(t) + "|" + entry, new byte[0]);
    byte[] seen = store.get(NEWEST);
    long newest =
        seen == null ? t : Math.max(t, Long.parseLong(new String(seen, StandardCharsets.US_ASCII)));
    if (seen == null || newest == t) {
      store.put(NEWEST, Long.toString(t).getBytes(StandardCharsets.US_ASCII));
    }
    expire(newest);
    long window = settings.bypassWindow().toMillis();
    if (a.blocked()) {
      // a denial that came late: the bypasses within the window after it count it now
      for (AdmissionEvent b : fetch(admittedKey(key), t + 1, t + window)) {
        if (!b.blocked()) {
          emit(key, b, record);
        }
      }
    } else {
      emit(key, a, record);
    }
  }

  /**
   * Where the fail-open and breakglass admissions of correlation key {@code key} are kept (denials
   * are kept under {@code key} itself).
   */
  static String admittedKey(String key) {
    return key + "|admitted";
  }

  /**
   * Counts the denials before bypass admission {@code b} and sends evidence when there are some.
   */
  private void emit(String key, AdmissionEvent b, Record<String, AdmissionEvent> cause) {
    long t = b.requestReceivedAt().toEpochMilli();
    Set<String> denials = denials(key, t - settings.bypassWindow().toMillis(), t - 1);
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
