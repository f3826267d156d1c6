package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Where a pod's records go: by workload (ADR 0160), or by the whole key as Kafka would. */
class PodPartitioningTest {

  static final int N = 6;

  @Test
  void theWorkloadOfAGeneratedNameIsItsOwnersName() {
    assertEquals(
        "gke_a/payments/api-7d9f8c6b5",
        PodPartitioning.workloadKey("gke_a/payments/api-7d9f8c6b5-x2k9p"));
    assertEquals("c/ns/db", PodPartitioning.workloadKey("c/ns/db-0"));
    assertEquals("c/ns/db", PodPartitioning.workloadKey("c/ns/db-12"));
    assertEquals("c/ns/node-agent", PodPartitioning.workloadKey("c/ns/node-agent-q4wz8"));
    // names nobody generated stay whole: vowels, a 0/1/3, a wrong length, a leading zero ordinal
    assertEquals("c/ns/my-redis", PodPartitioning.workloadKey("c/ns/my-redis"));
    assertEquals("c/ns/web-x2k1p", PodPartitioning.workloadKey("c/ns/web-x2k1p"));
    assertEquals("c/ns/web-x2k9", PodPartitioning.workloadKey("c/ns/web-x2k9"));
    assertEquals("c/ns/job-01", PodPartitioning.workloadKey("c/ns/job-01"));
    assertEquals("c/ns/single", PodPartitioning.workloadKey("c/ns/single"));
  }

  @Test
  void thePodsOfOneReplicaSetShareAPartitionByWorkloadAndSpreadByPod() {
    Set<Integer> byWorkload = new HashSet<>();
    Set<Integer> byPod = new HashSet<>();
    for (String suffix : suffixes(40)) {
      String key = "c/payments/api-7d9f8c6b5-" + suffix;
      byWorkload.add(PodPartitioning.WORKLOAD.partition(key, N));
      byPod.add(PodPartitioning.POD.partition(key, N));
    }
    assertEquals(1, byWorkload.size(), byWorkload.toString());
    assertTrue(byPod.size() > 3, byPod.toString());
  }

  @Test
  void byPodIsKafkasDefaultPartitioner() {
    for (String suffix : suffixes(40)) {
      String key = "c/payments/api-7d9f8c6b5-" + suffix;
      assertEquals(
          BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), N),
          PodPartitioning.POD.partition(key, N));
    }
  }

  @Test
  void theProducersPartitionerPlacesPodTopicsByWorkloadAndOthersAsKafkaWould() throws Exception {
    List<PartitionInfo> parts = new ArrayList<>();
    Node node = new Node(0, "localhost", 9092);
    for (String t :
        List.of(Topics.POD_EVENTS.name(), Topics.ADMISSION_EVENTS.name(), Topics.VERDICTS.name())) {
      for (int p = 0; p < N; p++) {
        parts.add(new PartitionInfo(t, p, node, new Node[] {node}, new Node[] {node}));
      }
    }
    Cluster cluster = new Cluster("c", List.of(node), parts, Set.of(), Set.of());
    int home = PodPartitioning.WORKLOAD.partition("c/payments/api-7d9f8c6b5-x2k9p", N);
    Set<Integer> verdictPartitions = new HashSet<>();
    try (MockProducer<String, String> producer =
        new MockProducer<>(
            cluster, true, new PodPartitioner(), new StringSerializer(), new StringSerializer())) {
      for (String suffix : suffixes(20)) {
        String key = "c/payments/api-7d9f8c6b5-" + suffix;
        for (String topic : List.of(Topics.POD_EVENTS.name(), Topics.ADMISSION_EVENTS.name())) {
          assertEquals(
              home,
              producer.send(new ProducerRecord<>(topic, key, "x")).get().partition(),
              topic + " " + key);
        }
        int v =
            producer.send(new ProducerRecord<>(Topics.VERDICTS.name(), key, "v")).get().partition();
        assertEquals(PodPartitioning.POD.partition(key, N), v, key);
        verdictPartitions.add(v);
      }
    }
    assertTrue(verdictPartitions.size() > 1, "other topics spread by key");
  }

  @Test
  void theSettingReadsBothNamesAndRefusesOthers() {
    assertEquals(PodPartitioning.WORKLOAD, PodPartitioning.parse("workload"));
    assertEquals(PodPartitioning.POD, PodPartitioning.parse(" Pod "));
    assertThrows(IllegalArgumentException.class, () -> PodPartitioning.parse("namespace"));
  }

  /** {@code n} distinct 5-character suffixes in Kubernetes' name alphabet. */
  static List<String> suffixes(int n) {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder b = new StringBuilder();
      int v = i * 7919 + 13;
      for (int j = 0; j < 5; j++) {
        b.append(alphabet.charAt(v % alphabet.length()));
        v /= alphabet.length();
      }
      out.add(b.toString());
    }
    return out;
  }
}
