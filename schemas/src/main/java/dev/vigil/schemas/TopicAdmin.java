package dev.vigil.schemas;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates and describes the catalogue's topics. Creating is idempotent. */
public final class TopicAdmin {

  /** What happened to one topic. */
  public enum Outcome {
    CREATED,
    ALREADY_EXISTS
  }

  /** A topic as the cluster has it. */
  public record Status(String name, boolean exists, int partitions, int expectedPartitions) {}

  private final Admin admin;
  private final short replicationFactor;

  public TopicAdmin(Admin admin, short replicationFactor) {
    this.admin = admin;
    this.replicationFactor = replicationFactor;
  }

  /** Creates every topic in {@code topics} that does not exist yet. */
  public Map<String, Outcome> create(List<Topic<?>> topics)
      throws InterruptedException, TimeoutException {
    List<NewTopic> requests = new ArrayList<>();
    for (Topic<?> t : topics) {
      requests.add(new NewTopic(t.name(), t.partitions(), replicationFactor).configs(t.configs()));
    }
    var result = admin.createTopics(requests);
    Map<String, Outcome> outcomes = new LinkedHashMap<>();
    for (Topic<?> t : topics) {
      try {
        result.values().get(t.name()).get(30, TimeUnit.SECONDS);
        outcomes.put(t.name(), Outcome.CREATED);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TopicExistsException) {
          outcomes.put(t.name(), Outcome.ALREADY_EXISTS);
        } else {
          throw new IllegalStateException(
              "cannot create topic " + t.name() + ": " + e.getCause().getMessage(), e.getCause());
        }
      }
    }
    return outcomes;
  }

  /** How each of {@code topics} stands on the cluster. */
  public List<Status> describe(List<Topic<?>> topics)
      throws InterruptedException, TimeoutException {
    try {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<String> names = topics.stream().map(Topic::name).filter(existing::contains).toList();
      Map<String, TopicDescription> described =
          names.isEmpty()
              ? Map.of()
              : admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      List<Status> out = new ArrayList<>();
      for (Topic<?> t : topics) {
        TopicDescription d = described.get(t.name());
        out.add(
            new Status(t.name(), d != null, d == null ? 0 : d.partitions().size(), t.partitions()));
      }
      return out;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot list topics: " + e.getCause().getMessage(), e);
    }
  }
}
