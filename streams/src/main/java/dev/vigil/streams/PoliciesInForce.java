package dev.vigil.streams;

import dev.vigil.schemas.PolicyDocument;
import dev.vigil.validator.InvalidPolicyException;
import dev.vigil.validator.PolicySet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The accepted policies of the global policy store as {@link PodLifecycle.Policies}: a cache of
 * that store, parsed once per set of documents in force. It decides nothing: it is rebuilt from the
 * store whenever the store's revision differs from the one it was read at, and a new one is made by
 * every {@code init()} (ADR 0125, 0130).
 */
final class PoliciesInForce implements PodLifecycle.Policies {

  private final KeyValueStore<String, byte[]> store;
  private final ValidationEngine.Parser parser;
  private final VigilMetrics metrics;

  private PolicyBook book;
  private String bookRevision;
  private String bookFingerprint;
  private final Map<String, PodLifecycle.InForce> parsed = new HashMap<>();

  PoliciesInForce(
      KeyValueStore<String, byte[]> store, ValidationEngine.Parser parser, VigilMetrics metrics) {
    this.store = store;
    this.parser = parser;
    this.metrics = metrics;
    refresh();
  }

  /**
   * Reloads the accepted policies from the global store when its revision differs from the one the
   * book was read at: one store read per pod event and poll while the policies do not change. The
   * revision is read before the documents, and the keeper writes it after them, so a book is never
   * older than the revision it is kept under.
   */
  void refresh() {
    String revision = PolicyStore.revision(store);
    if (book != null && Objects.equals(revision, bookRevision)) {
      return;
    }
    PolicyBook fresh = PolicyBook.of(PolicyStore.documents(store));
    metrics.policyReload();
    bookRevision = revision;
    String fp = fresh.fingerprint();
    if (fp.equals(bookFingerprint)) {
      return;
    }
    book = fresh;
    bookFingerprint = fp;
    parsed.clear();
  }

  /** The fingerprint of every policy document in force, for every cluster. */
  String fingerprint() {
    return bookFingerprint;
  }

  @Override
  public PodLifecycle.InForce inForce(String clusterId) {
    PolicyBook.Effective e = book.effective(clusterId);
    if (e.policy() == null) {
      return new PodLifecycle.InForce(
          null, "no Binary Authorization policy in force for cluster " + clusterId, List.of());
    }
    return parsed.computeIfAbsent(
        e.fingerprint(),
        fp -> {
          try {
            PolicySet set = parser.parse(e.policy(), e.platformPolicy(), e.attestors());
            return new PodLifecycle.InForce(set, null, set.versions());
          } catch (InvalidPolicyException | RuntimeException ex) {
            return new PodLifecycle.InForce(
                null,
                "the policies in force cannot be used: " + ex.getMessage(),
                documents(e).stream().map(d -> d.key() + "@" + d.version()).toList());
          }
        });
  }

  /** When the newest document in force for {@code clusterId} was published; null: none. */
  Instant newestPublished(String clusterId) {
    return documents(book.effective(clusterId)).stream()
        .map(PolicyDocument::publishedAt)
        .max(Instant::compareTo)
        .orElse(null);
  }

  private static List<PolicyDocument> documents(PolicyBook.Effective e) {
    List<PolicyDocument> out = new ArrayList<>();
    if (e.policy() != null) {
      out.add(e.policy());
    }
    if (e.platformPolicy() != null) {
      out.add(e.platformPolicy());
    }
    out.addAll(e.attestors());
    return out;
  }
}
