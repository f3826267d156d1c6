package dev.vigil.streams;

import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.UnreadableMessageException;
import dev.vigil.validator.InvalidPolicyException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The policy gate: one task over the single partition of {@code vigil.policies}, with the accepted
 * revisions in a changelogged store ({@value StoreNames#POLICY_GATE}). A document is accepted only
 * if the documents then in force still parse; accepted revisions (and withdrawals) go to the
 * compacted {@code vigil.policies.accepted}, which every instance's global policy store reads; a
 * rejected or unreadable revision goes to the dead-letter topic only. So compaction of either topic
 * never puts a rejected revision in force: the last good one stays (ADR 0010).
 */
final class PolicyGate implements Processor<String, byte[], String, PolicyGate.Output> {

  /** What the gate decided about one record of {@code vigil.policies}. */
  sealed interface Output {}

  /** A revision now in force. */
  record Accepted(PolicyDocument document) implements Output {}

  /** A tombstone: the document with this key is withdrawn. */
  record Withdrawn(String key) implements Output {}

  /** A revision that is not used, as the dead letter that says why. */
  record Rejected(DeadLetter deadLetter) implements Output {}

  private final ValidationEngine.Parser parser;
  private final VigilMetrics metrics;
  private ProcessorContext<String, Output> context;
  private KeyValueStore<String, PolicyDocument> store;

  PolicyGate(ValidationEngine.Parser parser, VigilMetrics metrics) {
    this.parser = parser;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Output> context) {
    this.context = context;
    store = context.getStateStore(StoreNames.POLICY_GATE);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    Output out = decide(record);
    if (out == null) {
      return;
    }
    if (out instanceof Accepted a) {
      store.put(a.document().key(), a.document());
      context.forward(record.withKey(a.document().key()).withValue(out));
    } else if (out instanceof Withdrawn w) {
      store.delete(w.key());
      context.forward(record.withKey(w.key()).withValue(out));
    } else if (out instanceof Rejected r) {
      DeadLetter d = r.deadLetter();
      String reason =
          d.errorType().equals(InvalidPolicyException.class.getSimpleName())
              ? "invalid_policy"
              : "unreadable";
      DeadLetterHandlers.log(d, reason, null);
      metrics.policyRejected();
      metrics.deadLetter(Topics.POLICIES.name(), reason);
      context.forward(
          new Record<String, Output>(
              d.key(), out, record.timestamp(), DeadLetterHandlers.headers(d)));
    }
  }

  /** What to do with {@code record}, from the accepted revisions alone; null: nothing. */
  private Output decide(Record<String, byte[]> record) {
    String key = record.key() == null ? "(no key)" : record.key();
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    if (record.value() == null) {
      return record.key() != null && store.get(record.key()) != null
          ? new Withdrawn(record.key())
          : null;
    }
    PolicyDocument doc;
    try {
      doc = Json.read(record.value(), PolicyDocument.class);
    } catch (UnreadableMessageException e) {
      byte[] payload =
          record.value().length > DeadLetter.MAX_PAYLOAD_BYTES
              ? Arrays.copyOf(record.value(), DeadLetter.MAX_PAYLOAD_BYTES)
              : record.value();
      return new Rejected(
          deadLetter(
              key,
              payload,
              record.value().length,
              "UnreadableMessageException",
              "policy " + key + " unreadable, the last good one stays in force: " + e.getMessage(),
              record,
              now));
    }
    PolicyBook book = PolicyBook.of(accepted(store));
    PolicyDocument current = book.get(doc.key());
    if (current != null
        && current.sha256().equals(doc.sha256())
        && current.version() == doc.version()) {
      return null; // the same revision again
    }
    String problem;
    if (current != null && doc.version() <= current.version()) {
      problem =
          doc.key()
              + ": version "
              + doc.version()
              + " is not newer than the accepted version "
              + current.version();
    } else {
      problem = validate(book.with(doc), doc);
    }
    if (problem == null) {
      return new Accepted(doc);
    }
    byte[] payload = Json.write(doc);
    return new Rejected(
        deadLetter(
            doc.key(),
            payload,
            payload.length,
            InvalidPolicyException.class.getSimpleName(),
            "policy "
                + doc.key()
                + " version "
                + doc.version()
                + " rejected, the last good one stays in force: "
                + problem,
            record,
            now));
  }

  private DeadLetter deadLetter(
      String key,
      byte[] payload,
      int size,
      String error,
      String message,
      Record<String, byte[]> record,
      Instant now) {
    var meta = context.recordMetadata();
    return new DeadLetter(
        DeadLetterHandlers.COMPONENT,
        Topics.POLICIES.name(),
        meta.map(m -> m.partition()).orElse(null),
        meta.map(m -> m.offset()).orElse(null),
        key,
        Base64.getEncoder().encodeToString(payload),
        size,
        error,
        message,
        now);
  }

  private String validate(PolicyBook candidate, PolicyDocument doc) {
    List<String> scopes =
        doc.scope().equals(PolicyBook.ANY_CLUSTER)
            ? new ArrayList<>(candidate.scopes())
            : List.of(doc.scope());
    for (String scope : scopes) {
      PolicyBook.Effective e = candidate.effective(scope);
      if (e.policy() == null) {
        continue; // nothing to check against until a policy for this scope arrives
      }
      try {
        parser.parse(e.policy(), e.platformPolicy(), e.attestors());
      } catch (InvalidPolicyException ex) {
        return ex.getMessage();
      } catch (RuntimeException ex) {
        return ex.getClass().getSimpleName() + ": " + ex.getMessage();
      }
    }
    return null;
  }

  /** Every document in a store of accepted policy documents. */
  static List<PolicyDocument> accepted(KeyValueStore<String, PolicyDocument> store) {
    List<PolicyDocument> out = new ArrayList<>();
    try (KeyValueIterator<String, PolicyDocument> it = store.all()) {
      while (it.hasNext()) {
        PolicyDocument d = it.next().value;
        if (d != null) {
          out.add(d);
        }
      }
    }
    return out;
  }
}
