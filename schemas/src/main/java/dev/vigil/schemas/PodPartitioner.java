package dev.vigil.schemas;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.Cluster;

/**
 * The producer's {@code partitioner.class} for {@link PodPartitioning#WORKLOAD}: records of {@code
 * vigil.pod-events} and {@code vigil.admission-events} go to their pod's workload partition, every
 * other keyed record where Kafka's default partitioner would put it.
 */
public final class PodPartitioner implements Partitioner {

  @Override
  public int partition(
      String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
    int n = cluster.partitionsForTopic(topic).size();
    if (keyBytes == null) {
      // Vigil keys every record; an unkeyed one (another tool's) goes to any partition.
      return ThreadLocalRandom.current().nextInt(n);
    }
    if (PodPartitioning.governs(topic)) {
      return PodPartitioning.WORKLOAD.partition(new String(keyBytes, StandardCharsets.UTF_8), n);
    }
    return BuiltInPartitioner.partitionForKey(keyBytes, n);
  }

  @Override
  public void close() {}

  @Override
  public void configure(Map<String, ?> configs) {}
}
