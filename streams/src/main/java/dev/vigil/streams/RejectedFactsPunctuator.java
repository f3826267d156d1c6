package dev.vigil.streams;

import dev.vigil.schemas.DeadLetter;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Writes the attestation and metadata records the global stores did not take (unreadable, or a key
 * that is not the one the value implies) to the dead-letter topic, once each: the cursor in the
 * progress store is committed with them. Only the task of partition 0 runs it.
 */
final class RejectedFactsPunctuator {

  private final KeyValueStore<String, String> progress;
  private final KeyValueStore<String, byte[]> attestations;
  private final KeyValueStore<String, byte[]> metadata;
  private final PodSteps steps;
  private final VigilMetrics metrics;

  RejectedFactsPunctuator(
      KeyValueStore<String, String> progress,
      KeyValueStore<String, byte[]> attestations,
      KeyValueStore<String, byte[]> metadata,
      PodSteps steps,
      VigilMetrics metrics) {
    this.progress = progress;
    this.attestations = attestations;
    this.metadata = metadata;
    this.steps = steps;
    this.metrics = metrics;
  }

  void deadLetter(long ts) {
    deadLetter(attestations, StoreNames.ATTESTATIONS, ts);
    deadLetter(metadata, StoreNames.IMAGE_METADATA, ts);
  }

  private void deadLetter(KeyValueStore<String, byte[]> store, String name, long ts) {
    for (int p : FactChanges.partitions(store)) {
      String cursorKey = "rejected/" + name + "/" + p;
      String cursor = progress.get(cursorKey);
      List<DeadLetter> letters = new ArrayList<>();
      long last =
          FactChanges.after(
              store,
              FactChanges.REJECTED,
              p,
              cursor == null ? -1 : Long.parseLong(cursor),
              ChangePollPunctuator.MAX_FACT_CHANGES_PER_POLL,
              (offset, e) -> letters.add(e.deadLetter()));
      ChangePollPunctuator.putCursor(progress, cursorKey, cursor, last);
      for (DeadLetter d : letters) {
        steps.emit(new PodLifecycle.DeadLettered(DeadLetterHandlers.key(d), d), ts);
        metrics.deadLetter(
            d.source(),
            GlobalStoreProcessors.KeyMismatchException.class.getSimpleName().equals(d.errorType())
                ? "key_mismatch"
                : "unreadable");
      }
    }
  }
}
