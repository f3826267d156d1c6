package dev.vigil.streams;

import dev.vigil.schemas.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Waits until the policy gate application has committed past every record {@code vigil.policies}
 * held when the wait began (so what it accepted is on {@code vigil.policies.accepted}, which the
 * main application's global store reads in full before it processes anything). Without it, on an
 * application's first start, pods would be judged UNKNOWN ("no policy in force") before the gate
 * had run, and every pod re-judged a moment later.
 */
final class PolicyGateWatch {

  private PolicyGateWatch() {}

  static void await(Map<String, Object> adminConfig, String gateGroup, Duration timeout)
      throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    TopicPartition policies = new TopicPartition(Topics.POLICIES.name(), 0);
    try (Admin admin = Admin.create(adminConfig)) {
      long end = endOffset(admin, policies);
      while (end > 0 && committed(admin, gateGroup, policies) < end) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException(
              "the policy gate did not take the "
                  + end
                  + " records of "
                  + policies.topic()
                  + " within "
                  + timeout);
        }
        Thread.sleep(50);
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot read the offsets of " + policies.topic() + ": " + e.getCause(), e);
    }
  }

  private static long endOffset(Admin admin, TopicPartition tp)
      throws ExecutionException, InterruptedException {
    try {
      return admin
          .listOffsets(
              Map.of(tp, OffsetSpec.latest()),
              new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
          .partitionResult(tp)
          .get()
          .offset();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return 0;
      }
      throw e;
    }
  }

  private static long committed(Admin admin, String group, TopicPartition tp)
      throws ExecutionException, InterruptedException {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    OffsetAndMetadata o = offsets.get(tp);
    return o == null ? -1 : o.offset();
  }
}
