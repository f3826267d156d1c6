package dev.vigil.schemas.settings;

/**
 * Something outside Vigil that it needs at start-up (Kafka, a Kubernetes API server) cannot be
 * used; the message says in one line what was tried and what to do. The command prints it and exits
 * 1, without a stack trace.
 */
public class StartupException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public StartupException(String message) {
    super(message);
  }
}
