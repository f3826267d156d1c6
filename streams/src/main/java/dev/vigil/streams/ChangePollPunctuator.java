package dev.vigil.streams;

import dev.vigil.schemas.Verdict;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns what changed since the task's last poll into scans: the policies in force (their
 * fingerprint against the one last reconciled, kept in the progress store) and the fact changes
 * logged in the global fact stores after the task's cursors ({@link FactChanges}). It only starts
 * scans ({@link Reevaluations}); {@link RescanPunctuator} runs them.
 */
final class ChangePollPunctuator {

  /**
   * Progress-store key of the fingerprint of the policies the task last reconciled its pods with.
   */
  static final String RECONCILED = "policy/reconciled";

  /**
   * Progress-store key written when the task has started the {@link Reevaluations#MIGRATE} scan,
   * which gives the pods stored before ADR 0150 their templates.
   */
  static final String TEMPLATES_ADOPTED = "pods/templates";

  /** Fact-change entries read per store and partition per poll at most. */
  static final int MAX_FACT_CHANGES_PER_POLL = 10_000;

  private final PoliciesInForce policies;
  private final KeyValueStore<String, String> progress;
  private final KeyValueStore<String, byte[]> attestations;
  private final KeyValueStore<String, byte[]> metadata;
  private final Reevaluations reevaluations;

  ChangePollPunctuator(
      PoliciesInForce policies,
      KeyValueStore<String, String> progress,
      KeyValueStore<String, byte[]> attestations,
      KeyValueStore<String, byte[]> metadata,
      Reevaluations reevaluations) {
    this.policies = policies;
    this.progress = progress;
    this.attestations = attestations;
    this.metadata = metadata;
    this.reevaluations = reevaluations;
  }

  void poll(long ts) {
    if (progress.get(TEMPLATES_ADOPTED) == null) {
      // Before any policy scan (scans run in key order): pods stored by a version before ADR 0150
      // are not in the template indexes the scans read.
      reevaluations.everyPod(Reevaluations.MIGRATE, Verdict.Trigger.POLICY_CHANGE, false, ts);
      progress.put(TEMPLATES_ADOPTED, "1");
    }
    policies.refresh();
    String fingerprint = policies.fingerprint();
    String reconciled = progress.get(RECONCILED);
    if (reconciled == null) {
      reevaluations.everyPod(Reevaluations.STARTUP, Verdict.Trigger.POLICY_CHANGE, false, ts);
    } else if (!fingerprint.equals(reconciled)) {
      reevaluations.everyPod(Reevaluations.POLICY_CHANGE, Verdict.Trigger.POLICY_CHANGE, true, ts);
    }
    if (!fingerprint.equals(reconciled)) {
      progress.put(RECONCILED, fingerprint); // only on a change: every write is a changelog record
    }
    boolean first = reconciled == null;
    readFactChanges(
        attestations, StoreNames.ATTESTATIONS, Verdict.Trigger.ATTESTATION_CHANGE, first, ts);
    readFactChanges(
        metadata, StoreNames.IMAGE_METADATA, Verdict.Trigger.IMAGE_METADATA_CHANGE, first, ts);
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
          reevaluations.everyPod(Reevaluations.FACTS_CHANGE, trigger, false, ts);
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
                (offset, e) ->
                    reevaluations.podsOf(e.digest(), Reevaluations.FACTS_CHANGE, trigger, ts));
      }
      putCursor(progress, cursorKey, cursor, last);
    }
  }

  /** Writes a cursor when it moved: every write is a changelog record. */
  static void putCursor(
      KeyValueStore<String, String> progress, String key, String before, long cursor) {
    String after = String.valueOf(cursor);
    if (!after.equals(before) && cursor >= 0) {
      progress.put(key, after);
    }
  }
}
