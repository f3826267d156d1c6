package dev.vigil.streams;

import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Waits until the policies on {@code vigil.policies} are in force in one instance: the policy
 * gate has committed past every record the topic held, and the instance's global policy store
 * holds what {@code vigil.policies.accepted} then holds. Without it, pods that arrive in the first
 * moments of an application's first start would be judged UNKNOWN ("no policy in force") and
 * re-judged a moment later.
 */
final class PolicyGateWatch {

  private PolicyGateWatch() {}

  static void await(KafkaStreams streams, Map<String, Object> adminConfig, String applicationId,
      long deadlineNanos, Duration timeout) throws TimeoutException, InterruptedException {
    TopicPartition policies = new TopicPartition(Topics.POLICIES.name(), 0);
    try (Admin admin = Admin.create(adminConfig)) {
      long end = endOffset(admin, policies);
      while (end > 0 && committed(admin, applicationId, policies) < end) {
        pause(deadlineNanos, timeout, "the policy gate has not taken every record on " + policies.topic());
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the offsets of " + policies.topic() + ": " + e.getCause(), e);
    }
    Map<String, Long> expected = accepted(adminConfig);
    while (!expected.equals(inForce(streams))) {
      pause(deadlineNanos, timeout, "the global policy store does not hold " + Topics.POLICIES_ACCEPTED.name()
          + " yet");
    }
  }

  private static void pause(long deadlineNanos, Duration timeout, String why)
      throws TimeoutException, InterruptedException {
    if (System.nanoTime() > deadlineNanos) {
      throw new TimeoutException("after " + timeout + ": " + why);
    }
    Thread.sleep(50);
  }

  private static long endOffset(Admin admin, TopicPartition tp) throws ExecutionException, InterruptedException {
    try {
      return admin.listOffsets(Map.of(tp, OffsetSpec.latest()),
          new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).partitionResult(tp).get().offset();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
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

  /** Key and version of every document {@code vigil.policies.accepted} holds now. */
  private static Map<String, Long> accepted(Map<String, Object> adminConfig) {
    Map<String, Object> config = new HashMap<>(adminConfig);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<String, Long> out = new HashMap<>();
    TopicPartition tp = new TopicPartition(Topics.POLICIES_ACCEPTED.name(), 0);
    try (KafkaConsumer<String, PolicyDocument> c = new KafkaConsumer<>(config, new StringDeserializer(),
        Topics.POLICIES_ACCEPTED.valueSerde().deserializer())) {
      if (c.partitionsFor(tp.topic()).isEmpty()) {
        return out;
      }
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      while (c.position(tp) < end) {
        for (var r : c.poll(Duration.ofMillis(200))) {
          if (r.value() == null) {
            out.remove(r.key());
          } else {
            out.put(r.key(), r.value().version());
          }
        }
      }
    }
    return out;
  }

  /** Key and version of every document the instance's global policy store holds, or null. */
  private static Map<String, Long> inForce(KafkaStreams streams) {
    try {
      ReadOnlyKeyValueStore<String, PolicyDocument> store = streams.store(
          StoreQueryParameters.fromNameAndType(StoreNames.POLICIES, QueryableStoreTypes.keyValueStore()));
      Map<String, Long> out = new HashMap<>();
      try (var it = store.all()) {
        it.forEachRemaining(kv -> {
          if (kv.value != null) {
            out.put(kv.key, Objects.requireNonNull(kv.value).version());
          }
        });
      }
      return out;
    } catch (InvalidStateStoreException e) {
      return null;
    }
  }
}
