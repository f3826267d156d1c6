package dev.vigil.report;

/** The report's topics cannot be read: Kafka did not answer in time, or a topic is missing. */
public final class TopicsUnreadableException extends Exception {

  private static final long serialVersionUID = 1L;

  public TopicsUnreadableException(String message, Throwable cause) {
    super(message, cause);
  }
}
