package dev.vigil.ingest.metrics;

import java.time.Duration;

/**
 * What ingest counts, as a port with a no-op default ({@link #NOOP}); {@link
 * MicrometerIngestMetrics} records into a Micrometer registry. Every tag takes values from a small
 * fixed set (endpoints, topics, configured clusters, reason enums), never from request content.
 */
public interface IngestMetrics {

  /** Counts nothing. */
  IngestMetrics NOOP = new IngestMetrics() {};

  /** A request to an HTTP endpoint was answered with {@code status}. */
  default void httpRequest(String endpoint, int status, Duration took) {}

  /** A request came without a valid bearer token or client certificate. */
  default void unauthenticated(String endpoint) {}

  /** Authenticated credentials posted for a cluster they may not post for (answered 403). */
  default void forbidden(String endpoint) {}

  /**
   * The receiver closed a connection whose TLS handshake and first request ({@code handshake}),
   * request line and headers ({@code headers}) or body ({@code body}) did not arrive in time.
   */
  default void requestTimedOut(String phase) {}

  /** Events read from a source ({@code k8s-audit}, {@code gke-audit}), before filtering. */
  default void eventsReceived(String source, int count) {}

  /** Events dropped as redeliveries of an {@code (auditID, stage)} already published. */
  default void duplicatesDropped(String source, int count) {}

  /** Records Kafka acknowledged on {@code topic}. */
  default void recordsPublished(String topic, int count) {}

  /** Inputs sent to the dead-letter topic. */
  default void deadLettered(String source, int count) {}

  /** Kafka did not acknowledge a batch. */
  default void publishFailed(String topic, PublishFailure reason) {}

  /** A pod event was not published because nothing that matters had changed. */
  default void podEventSuppressed(String clusterId) {}

  /**
   * Kafka acknowledged an admission event: counted by cluster and enforcement signal ({@code
   * failed_open}, {@code breakglass}, {@code dry_run}, {@code blocked}, {@code none}) so that
   * alerts fire on fail-open and breakglass admissions.
   */
  default void admission(dev.vigil.schemas.AdmissionEvent event) {}

  /** A document fed to the policy publisher was rejected; the last good version stays. */
  default void policyRejected(String kind) {}

  /** Tombstones a feed wrote to {@code topic} for facts its source no longer holds. */
  default void revoked(String topic, int count) {}

  /** A feed's poll of its source failed (nothing was revoked); {@code reason} is a short code. */
  default void feedFailed(String feed, String reason) {}

  /** Why Kafka did not take a batch. */
  enum PublishFailure {
    /** No acknowledgement within the bounded wait. */
    TIMEOUT,
    /** The broker or the client reported an error. */
    ERROR,
    /** The waiting thread was interrupted. */
    INTERRUPTED
  }
}
