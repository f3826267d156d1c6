package dev.vigil.policyreports;

/** Where namespace reports go: the clusters' API servers in production, a fake in unit tests. */
public interface ReportSink {

  /** What a write did. */
  enum Outcome {
    /** The report was applied (created or updated). */
    APPLIED,
    /** The namespace has no pod with a result: the report was deleted (or was already absent). */
    DELETED,
    /** No API server is configured for the report's cluster: nothing was written. */
    NO_CLUSTER
  }

  /**
   * Applies {@code report}, or deletes it when it is empty.
   *
   * @throws RuntimeException when the API server refused or could not be reached; the writer
   *     retries
   */
  Outcome write(NamespaceReport report);
}
