package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.PodPartitioning;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Telling from the keys a task keeps which layout they were written under (ADR 0160). */
class PodLayoutCheckTest {

  static final int N = 6;

  /** Distinct pod-name suffixes as Kubernetes generates them. */
  static final List<String> SUFFIXES = suffixes(60);

  static List<String> suffixes(int n) {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder b = new StringBuilder();
      for (int j = 0, v = i * 7919 + 13; j < 5; j++, v /= alphabet.length()) {
        b.append(alphabet.charAt(v % alphabet.length()));
      }
      out.add(b.toString());
    }
    return out;
  }

  final List<String> keys = new ArrayList<>();
  final List<Integer> partitions = new ArrayList<>();

  /** 30 ReplicaSets of 5 pods and 10 bare pods, each where {@code layout} put it. */
  private void writtenBy(PodPartitioning layout) {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    for (int rs = 0; rs < 30; rs++) {
      for (int p = 0; p < 5; p++) {
        String key =
            "c/ns/svc-"
                + rs
                + "-7d9f8c6b5-"
                + alphabet.charAt(p)
                + alphabet.charAt(rs % 27)
                + "x2k";
        keys.add(key);
        partitions.add(layout.partition(key, N));
      }
    }
    for (int i = 0; i < 10; i++) {
      String key = "c/ns/single" + i;
      keys.add(key);
      partitions.add(layout.partition(key, N));
    }
  }

  @Test
  void stateOfTheConfiguredLayoutPasses() {
    writtenBy(PodPartitioning.WORKLOAD);
    assertNull(
        PodLayoutCheck.mismatch(
            keys, partitions, N, PodPartitioning.WORKLOAD, PodPartitioning.POD));
  }

  @Test
  void stateOfTheOtherLayoutIsNamedWithAPodAndBothPartitions() {
    writtenBy(PodPartitioning.POD);
    String why =
        PodLayoutCheck.mismatch(keys, partitions, N, PodPartitioning.WORKLOAD, PodPartitioning.POD);
    assertNotNull(why);
    assertTrue(
        why.matches("pod c/ns/svc-.* is on partition \\d, workload would place it on \\d"), why);
  }

  @Test
  void aFewRecordsOfAnotherProducerDoNotOutvoteTheLayout() {
    writtenBy(PodPartitioning.WORKLOAD);
    // a tool that writes pod events with Kafka's default partitioner, for three pods
    for (int i = 0; i < 3; i++) {
      String key = "c/other/tool-7d9f8c6b5-" + "bcd".charAt(i) + "x2kq";
      keys.add(key);
      partitions.add(PodPartitioning.POD.partition(key, N));
    }
    assertNull(
        PodLayoutCheck.mismatch(
            keys, partitions, N, PodPartitioning.WORKLOAD, PodPartitioning.POD));
  }
}
