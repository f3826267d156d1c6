package dev.vigil.ingest.kafka;

import dev.vigil.ingest.metrics.IngestMetrics.PublishFailure;

/** Kafka did not acknowledge every record of a batch in time. */
public class PublishException extends Exception {

  private static final long serialVersionUID = 1L;

  private final PublishFailure reason;

  public PublishException(PublishFailure reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** Why, as a metric tag. */
  public PublishFailure reason() {
    return reason;
  }
}
