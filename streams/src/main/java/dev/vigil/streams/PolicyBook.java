package dev.vigil.streams;

import dev.vigil.schemas.PolicyDocument;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The accepted policy documents, and which of them apply to a cluster: the Binary Authorization
 * policy and platform policy of the cluster's own scope, else those of scope {@code *}, plus every
 * attestor of either scope.
 */
public final class PolicyBook {

  /** The scope that applies to every cluster. */
  public static final String ANY_CLUSTER = "*";

  /** The documents that apply to one cluster; {@code policy} is null when none is in force. */
  public record Effective(
      PolicyDocument policy, PolicyDocument platformPolicy, List<PolicyDocument> attestors) {

    /** Identifies this combination: every document's key, version and content hash. */
    public String fingerprint() {
      StringBuilder b = new StringBuilder();
      append(b, policy);
      b.append('|');
      append(b, platformPolicy);
      for (PolicyDocument a : attestors) {
        b.append('|');
        append(b, a);
      }
      return b.toString();
    }

    private static void append(StringBuilder b, PolicyDocument d) {
      if (d != null) {
        b.append(d.key()).append('@').append(d.version()).append('#').append(d.sha256());
      }
    }
  }

  private final Map<String, PolicyDocument> byKey;

  private PolicyBook(Map<String, PolicyDocument> byKey) {
    this.byKey = byKey;
  }

  /** A book of {@code documents} (later documents with the same key replace earlier ones). */
  public static PolicyBook of(Iterable<PolicyDocument> documents) {
    Map<String, PolicyDocument> m = new TreeMap<>();
    for (PolicyDocument d : documents) {
      m.put(d.key(), d);
    }
    return new PolicyBook(m);
  }

  /** This book with {@code document} added or replaced. */
  public PolicyBook with(PolicyDocument document) {
    Map<String, PolicyDocument> m = new TreeMap<>(byKey);
    m.put(document.key(), document);
    return new PolicyBook(m);
  }

  /** The accepted document with this key, if any. */
  public PolicyDocument get(String key) {
    return byKey.get(key);
  }

  /** Every scope some document names. */
  public Set<String> scopes() {
    Set<String> s = new TreeSet<>();
    byKey.values().forEach(d -> s.add(d.scope()));
    s.add(ANY_CLUSTER);
    return s;
  }

  /** What applies to {@code clusterId}. */
  public Effective effective(String clusterId) {
    PolicyDocument policy = pick(PolicyDocument.Kind.BINAUTHZ_POLICY, clusterId);
    PolicyDocument platform = pick(PolicyDocument.Kind.PLATFORM_POLICY, clusterId);
    List<PolicyDocument> attestors = new ArrayList<>();
    for (PolicyDocument d : byKey.values()) {
      if (d.kind() == PolicyDocument.Kind.ATTESTOR
          && (d.scope().equals(clusterId) || d.scope().equals(ANY_CLUSTER))) {
        attestors.add(d);
      }
    }
    attestors.sort(Comparator.comparing(PolicyDocument::key));
    return new Effective(policy, platform, List.copyOf(attestors));
  }

  /** Identifies the whole book; changes whenever any document does. */
  public String fingerprint() {
    StringBuilder b = new StringBuilder();
    byKey
        .values()
        .forEach(
            d ->
                b.append(d.key())
                    .append('@')
                    .append(d.version())
                    .append('#')
                    .append(d.sha256())
                    .append(';'));
    return b.toString();
  }

  private PolicyDocument pick(PolicyDocument.Kind kind, String clusterId) {
    PolicyDocument own = first(kind, clusterId);
    return own != null ? own : first(kind, ANY_CLUSTER);
  }

  // With several documents of one kind and scope (different names), the first by key applies.
  private PolicyDocument first(PolicyDocument.Kind kind, String scope) {
    for (PolicyDocument d : byKey.values()) {
      if (d.kind() == kind && Objects.equals(d.scope(), scope)) {
        return d;
      }
    }
    return null;
  }
}
