package dev.vigil.streams;

/**
 * A pod as {@value StoreNames#PODS} keeps it: its state without what its template holds (the
 * images; labels, annotations and pull secrets are not kept at all, nothing reads them), and the
 * fingerprint of that template ({@link PodStore} puts them together again). {@code template} is
 * null for a state written before ADR 0150, which still has its images.
 */
record StoredPod(PodState state, String template) {}
