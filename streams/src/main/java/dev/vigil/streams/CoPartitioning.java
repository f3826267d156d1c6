package dev.vigil.streams;

import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The topics one validation or follow-up task reads together must have the same partition count:
 * pod events and admission events (one task per pod partition), the acknowledgements (read with the
 * follow-up signals, re-partitioned to that count) and the outputs keyed by pod. Kafka Streams does
 * not check this for merged streams; with a mismatch an admission would be correlated in another
 * task than its pod. {@link VigilStreamsApp} refuses to start then.
 */
public final class CoPartitioning {

  /** Every topic that must share the pod-events partition count. */
  public static final List<Topic<?>> KEYED_BY_POD =
      List.of(
          Topics.POD_EVENTS,
          Topics.ADMISSION_EVENTS,
          Topics.VERDICTS,
          Topics.VIOLATIONS,
          Topics.FOLLOWUP_ACKS);

  private CoPartitioning() {}

  /** Topics that are not co-partitioned; the message names each with its partition count. */
  public static final class MismatchException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    MismatchException(String message) {
      super(message);
    }
  }

  /**
   * The partition count every topic in {@code counts} shares (topics that do not exist yet are
   * absent; {@code fallback} when none exists).
   *
   * @throws MismatchException naming every topic and its count when they differ
   */
  public static int check(Map<String, Integer> counts, int fallback) {
    Map<String, Integer> sorted = new TreeMap<>(counts);
    if (sorted.values().stream().distinct().count() > 1) {
      List<String> named = new ArrayList<>();
      sorted.forEach((t, n) -> named.add(t + " has " + n));
      throw new MismatchException(
          "topics keyed by pod must have the same partition count, but "
              + String.join(", ", named)
              + " partitions; recreate them with one count (vigil topics create)");
    }
    return sorted.isEmpty() ? fallback : sorted.values().iterator().next();
  }

  /**
   * Reads the partition counts of {@link #KEYED_BY_POD} from the cluster and {@link #check}s them.
   */
  public static int check(Admin admin) throws InterruptedException, TimeoutException {
    Map<String, Integer> counts = new TreeMap<>();
    for (Topic<?> t : KEYED_BY_POD) {
      try {
        TopicDescription d =
            admin
                .describeTopics(List.of(t.name()))
                .topicNameValues()
                .get(t.name())
                .get(30, TimeUnit.SECONDS);
        counts.put(t.name(), d.partitions().size());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw new IllegalStateException(
              "cannot describe " + t.name() + ": " + e.getCause(), e.getCause());
        }
      }
    }
    return check(counts, Topics.POD_PARTITIONS);
  }
}
