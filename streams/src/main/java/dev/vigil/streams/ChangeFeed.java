package dev.vigil.streams;

import dev.vigil.schemas.DeadLetter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells the tasks of one application instance which image digests had their attestations or
 * metadata changed by the global-store processors. It is only a fast path: it lives in memory, so
 * after a restart each task compares stored facts fingerprints instead (see {@code
 * ContinuousValidationProcessor}), and the periodic full re-evaluation catches anything else.
 */
public final class ChangeFeed {

  /** One task's view: the digests changed since it last drained. */
  public static final class Subscription {
    private final Set<String> attestationDigests = ConcurrentHashMap.newKeySet();
    private final Set<String> metadataDigests = ConcurrentHashMap.newKeySet();

    /** Digests whose attestations changed since the last call. */
    public Set<String> drainAttestations() {
      return drain(attestationDigests);
    }

    /** Digests whose metadata changed since the last call. */
    public Set<String> drainMetadata() {
      return drain(metadataDigests);
    }

    private static Set<String> drain(Set<String> s) {
      Set<String> out = new HashSet<>();
      for (String d : s) {
        if (s.remove(d)) {
          out.add(d);
        }
      }
      return out;
    }
  }

  private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
  private final FactsCache facts = new FactsCache();
  private final AtomicLong policyGeneration = new AtomicLong();
  private final ConcurrentLinkedQueue<DeadLetter> rejected = new ConcurrentLinkedQueue<>();
  private final boolean delivers;

  /** A feed that tells subscribers about changes. */
  public ChangeFeed() {
    this(true);
  }

  private ChangeFeed(boolean delivers) {
    this.delivers = delivers;
  }

  /**
   * A feed that never tells anyone about changed facts, as after a restart (the fast path lost):
   * lets tests show that the stored facts fingerprints alone catch up. Its facts cache is still
   * kept current.
   */
  static ChangeFeed silent() {
    return new ChangeFeed(false);
  }

  /** The accepted policies changed (a cheap hint; tasks reload them from the global store). */
  public void policiesChanged() {
    policyGeneration.incrementAndGet();
  }

  /** Increases whenever {@link #policiesChanged()} is called. */
  public long policyGeneration() {
    return policyGeneration.get();
  }

  /** At most this many unreadable global records wait for the task that dead-letters them. */
  static final int MAX_REJECTED = 1_000;

  /**
   * A record of a global topic (attestations, image metadata) could not be read. The global thread
   * has no producer, so the task of pod partition 0 writes it to the dead-letter topic; until an
   * instance holds that task the newest {@link #MAX_REJECTED} wait here.
   */
  void rejected(DeadLetter d) {
    rejected.add(d);
    while (rejected.size() > MAX_REJECTED) {
      rejected.poll();
    }
  }

  /** The unreadable global records reported since the last call. */
  List<DeadLetter> drainRejected() {
    List<DeadLetter> out = new ArrayList<>();
    for (DeadLetter d; (d = rejected.poll()) != null; ) {
      out.add(d);
    }
    return out;
  }

  /** Starts receiving changes. */
  public Subscription subscribe() {
    Subscription s = new Subscription();
    subscriptions.add(s);
    return s;
  }

  /** Stops receiving changes. */
  public void unsubscribe(Subscription s) {
    subscriptions.remove(s);
  }

  /** The parsed facts per digest, kept current by {@link #attestationChanged} and {@link #metadataChanged}. */
  FactsCache facts() {
    return facts;
  }

  /** Attestations of {@code digest} were added or revoked (call after writing the store). */
  public void attestationChanged(String digest) {
    facts.invalidate(digest);
    if (!delivers) {
      return;
    }
    subscriptions.forEach(s -> s.attestationDigests.add(digest));
  }

  /** Metadata of {@code digest} changed (call after writing the store). */
  public void metadataChanged(String digest) {
    facts.invalidate(digest);
    if (!delivers) {
      return;
    }
    subscriptions.forEach(s -> s.metadataDigests.add(digest));
  }
}
