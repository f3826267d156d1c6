package dev.vigil.ingest.feeds;

import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import java.time.Duration;
import java.util.Map;

/**
 * Reads what the compacted policies topic already holds, so a restarted publisher continues its
 * versions.
 */
public final class PolicyTopic {

  private PolicyTopic() {}

  /**
   * The document with the highest version published under {@code key} ({@code KIND/scope/name})
   * since its last withdrawal (tombstone), or {@code null} when none. Reads the topic from the
   * beginning to its current end.
   */
  public static PolicyDocument latest(
      String bootstrapServers, Map<String, ?> clientProperties, String key, Duration timeout) {
    PolicyDocument[] last = new PolicyDocument[1];
    TopicIndex.readToEnd(
        bootstrapServers,
        clientProperties,
        Topics.POLICIES.name(),
        timeout,
        r -> {
          if (!key.equals(r.key())) {
            return;
          }
          if (r.value() == null) {
            last[0] = null; // withdrawn: the next publication starts afresh
            return;
          }
          PolicyDocument doc =
              Topics.POLICIES.valueSerde().deserializer().deserialize(r.topic(), r.value());
          if (doc != null && (last[0] == null || doc.version() > last[0].version())) {
            last[0] = doc;
          }
        });
    return last[0];
  }
}
