package dev.vigil.streams;

/**
 * The serde of {@code pods-store}: JSON, but a value that no longer reads (written by a version
 * that is gone, or damaged) reads as null instead of throwing. In a store a null value never exists
 * otherwise, so the scans recognise it, dead-letter the pod and move on, and a pod event for it
 * starts the pod afresh, instead of a punctuator that throws on it forever.
 */
final class PodStateSerde extends ForgivingJsonSerde<PodState> {

  PodStateSerde() {
    super(PodState.class);
  }
}
