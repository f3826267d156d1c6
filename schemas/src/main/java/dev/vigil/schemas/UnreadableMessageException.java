package dev.vigil.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Input that cannot be read as the message type it claims to be: malformed JSON, a missing required
 * field, or a document beyond the read limits. The message says which type and why.
 */
public class UnreadableMessageException extends SerializationException {

  private static final long serialVersionUID = 1L;

  private final String messageType;

  public UnreadableMessageException(String messageType, String reason, Throwable cause) {
    super("unreadable " + messageType + ": " + reason, cause);
    this.messageType = messageType;
  }

  /** The message type that was expected. */
  public String messageType() {
    return messageType;
  }
}
