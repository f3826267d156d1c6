package dev.vigil.ingest.translate;

/** A Kubernetes or Cloud Audit Log document that cannot be turned into a Vigil record. */
public class TranslationException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public TranslationException(String message) {
    super(message);
  }

  public TranslationException(String message, Throwable cause) {
    super(message, cause);
  }
}
