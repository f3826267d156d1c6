package dev.vigil.cli;

import dev.vigil.schemas.Topic;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vigil topics create|list}. */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    description = "Create or list Vigil's Kafka topics.",
    subcommands = {TopicsCommand.Create.class, TopicsCommand.ListTopics.class})
final class TopicsCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create every Vigil topic that does not exist yet (idempotent).")
  static final class Create implements Callable<Integer> {
    @Mixin KafkaOptions kafka;

    @Option(
        names = "--replication-factor",
        description =
            "Replication factor of new topics (default: the number of brokers, at most 3; "
                + "production: 3).")
    Short replicationFactor;

    @Option(
        names = "--min-insync-replicas",
        description =
            "min.insync.replicas topic config of new topics: acks=all writes are refused while fewer "
                + "replicas are in sync (default: 2 from replication factor 3 up, else 1; production: 2).")
    Integer minInsyncReplicas;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (replicationFactor != null && minInsyncReplicas != null) {
        check(replicationFactor, minInsyncReplicas);
      }
      try (Admin admin = Admin.create(kafka.clientProperties())) {
        short rf =
            replicationFactor != null
                ? replicationFactor
                : (short)
                    Math.min(3, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
        int minIsr =
            minInsyncReplicas != null ? minInsyncReplicas : TopicAdmin.defaultMinInsyncReplicas(rf);
        check(rf, minIsr);
        TopicAdmin topics = new TopicAdmin(admin, rf, minIsr);
        out.printf(
            "replication factor %d, min.insync.replicas %d for new topics%n",
            topics.replicationFactor(), topics.minInsyncReplicas());
        Map<String, TopicAdmin.Outcome> outcomes = topics.create(Topics.ALL);
        for (Topic<?> t : Topics.ALL) {
          out.printf(
              "%-24s %-15s %2d partitions, %s%n",
              t.name(),
              outcomes.get(t.name()) == TopicAdmin.Outcome.CREATED ? "created" : "already exists",
              t.partitions(),
              t.cleanup().kafkaName());
        }
      }
      return 0;
    }

    private void check(short rf, int minIsr) {
      try {
        TopicAdmin.checkReplication(rf, minIsr);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List Vigil's topics and whether the cluster has them.")
  static final class ListTopics implements Callable<Integer> {
    @Mixin KafkaOptions kafka;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      int missing = 0;
      try (Admin admin = Admin.create(kafka.clientProperties())) {
        out.printf(
            "%-24s %-8s %-10s %-8s %s%n", "TOPIC", "EXISTS", "PARTITIONS", "CLEANUP", "VALUE");
        var statuses = new TopicAdmin(admin, (short) 1).describe(Topics.ALL);
        for (int i = 0; i < statuses.size(); i++) {
          TopicAdmin.Status s = statuses.get(i);
          Topic<?> t = Topics.ALL.get(i);
          if (!s.exists()) {
            missing++;
          }
          out.printf(
              "%-24s %-8s %-10s %-8s %s%n",
              s.name(),
              s.exists() ? "yes" : "NO",
              s.exists() ? s.partitions() : "-",
              t.cleanup().kafkaName(),
              t.valueType().getSimpleName());
        }
      }
      return missing == 0 ? 0 : 3;
    }
  }
}
