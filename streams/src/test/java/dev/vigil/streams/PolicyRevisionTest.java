package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.WorkloadRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The global policy store keeps the revision of the set in force beside the documents ({@link
 * PolicyStore}): a validation task re-reads the documents only when the revision changed, a change
 * is still seen by the very next pod event and by the poll, and the revision is derived again, with
 * the same value, when the store is rebuilt from the compacted {@code vigil.policies.accepted}.
 */
class PolicyRevisionTest {

  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final WorkloadRef OWNER = deployment("payments", "api");
  static final String STAGING = "us-east1-b.staging";

  @TempDir Path dir;

  private static void policy(TopologyHarness h, PolicyDocument p) {
    h.send(Topics.POLICIES, p.key(), p);
  }

  private static void withdraw(TopologyHarness h, String key) {
    h.send(Topics.POLICIES, key, null);
  }

  private static void pod(TopologyHarness h, PodEvent e) {
    h.send(Topics.POD_EVENTS, e.key(), e);
  }

  private static PodEvent pod(int i, long resourceVersion) {
    return added("payments", "api-" + i, resourceVersion, OWNER, image(API, 'a'));
  }

  private static double reloads(TopologyHarness h) {
    return h.counter("vigil.policy.reloads");
  }

  private static KeyValueStore<String, byte[]> store(TopologyHarness h) {
    return h.driver.getKeyValueStore(StoreNames.POLICIES);
  }

  private static String revision(TopologyHarness h) {
    byte[] r = store(h).get(PolicyStore.REVISION);
    return r == null ? null : new String(r, StandardCharsets.UTF_8);
  }

  @Test
  void aPolicyChangeIsSeenByTheVeryNextPodEvent() {
    try (TopologyHarness h = new TopologyHarness(dir)) {
      policy(h, Fixtures.enforced(1, "ALWAYS_ALLOW"));
      pod(h, pod(1, 10));
      assertEquals(Decision.ALLOW, h.newVerdicts().get(0).decision());

      policy(h, Fixtures.enforced(2, "ALWAYS_DENY"));
      pod(h, pod(2, 11)); // no poll in between: wall-clock time does not move
      Verdict v = h.newVerdicts().get(0);
      assertEquals(Decision.DENY, v.decision(), v.toString());
      assertEquals(Verdict.Trigger.POD_EVENT, v.trigger());
      assertTrue(v.policyVersions().get(0).endsWith("@2"), v.policyVersions().toString());

      withdraw(h, Fixtures.enforced(2, "ALWAYS_DENY").key());
      pod(h, pod(3, 12));
      assertEquals(
          Decision.UNKNOWN, h.newVerdicts().get(0).decision(), "no policy in force any more");
    }
  }

  @Test
  void aPolicyChangeIsSeenByThePoll() {
    try (TopologyHarness h = new TopologyHarness(dir)) {
      policy(h, Fixtures.enforced(1, "ALWAYS_ALLOW"));
      for (int i = 0; i < 3; i++) {
        pod(h, pod(i, 10 + i));
      }
      h.advance(Duration.ofSeconds(1));
      h.newVerdicts();

      policy(h, Fixtures.enforced(2, "ALWAYS_DENY"));
      h.advance(Duration.ofSeconds(1));
      List<Verdict> v = h.newVerdicts();
      assertEquals(3, v.size(), v.toString());
      assertTrue(v.stream().allMatch(x -> x.decision() == Decision.DENY), v.toString());
      assertTrue(v.stream().allMatch(x -> x.trigger() == Verdict.Trigger.POLICY_CHANGE));
    }
  }

  @Test
  void podEventsAndPollsReadThePolicyStoreOnlyWhenItsRevisionChanged() {
    try (TopologyHarness h = new TopologyHarness(dir)) {
      PolicyDocument v1 = Fixtures.enforced(1, "ALWAYS_ALLOW");
      policy(h, v1);
      pod(h, pod(0, 10));
      h.advance(Duration.ofSeconds(1));
      double before = reloads(h);

      for (int i = 1; i <= 200; i++) {
        pod(h, pod(i, 10 + i));
      }
      for (int i = 0; i < 5; i++) {
        h.advance(Duration.ofSeconds(1)); // a poll
      }
      // the same document again, straight onto the accepted topic: the set in force is the same
      h.send(Topics.POLICIES_ACCEPTED, v1.key(), v1);
      pod(h, pod(0, 300)); // changes only pod 0's status: taken, not judged again (ADR 0131)
      assertEquals(201, h.newVerdicts().size());
      assertEquals(1, h.counter("vigil.pod.events.ignored", "reason", "unchanged"));
      assertEquals(before, reloads(h), "200 pod events and 5 polls under one revision: no reload");

      policy(h, Fixtures.enforced(2, "ALWAYS_DENY"));
      for (int i = 1; i <= 100; i++) {
        pod(h, pod(i, 400 + i));
      }
      h.advance(Duration.ofSeconds(1));
      assertEquals(before + 1, reloads(h), "one reload for the new revision");
      assertTrue(
          h.newVerdicts().stream().allMatch(v -> v.decision() == Decision.DENY),
          "and every pod event after it judged under it");
    }
  }

  @Test
  void theRevisionIsDerivedAgainWithTheSameValueWhenTheStoreIsRebuiltFromTheCompactedTopic() {
    Fixtures.Signer ci = new Fixtures.Signer();
    PolicyDocument p1 = Fixtures.enforced(1, "ALWAYS_ALLOW");
    PolicyDocument p2 = Fixtures.enforced(2, "ALWAYS_DENY");
    PolicyDocument a1 = ci.attestor(1);
    PolicyDocument a2 = ci.attestor(2);
    PolicyDocument staging = Fixtures.enforcedFor(STAGING, 1, "ALWAYS_DENY");
    List<Accepted> history = new ArrayList<>();
    String before;
    try (TopologyHarness h = new TopologyHarness(dir.resolve("first"))) {
      policy(h, p1);
      policy(h, a1);
      policy(h, staging);
      policy(h, p2);
      withdraw(h, staging.key());
      policy(h, a2);
      h.driver
          .createOutputTopic(
              Topics.POLICIES_ACCEPTED.name(),
              new StringDeserializer(),
              Topics.POLICIES_ACCEPTED.valueSerde().deserializer())
          .readRecordsToList()
          .forEach(r -> history.add(new Accepted(r.key(), r.value())));
      assertEquals(6, history.size(), "every revision was accepted");
      before = revision(h);
      assertEquals(PolicyStore.revisionOf(List.of(p2, a2)), before, "the set in force: P@2, A@2");
      assertNull(store(h).get(staging.key()));
    }

    // Compaction keeps the newest record per key, at its offset; the tombstone may still be there
    // (delete.retention.ms) or already gone.
    Map<String, Accepted> newest = new LinkedHashMap<>();
    for (Accepted r : history) {
      newest.remove(r.key());
      newest.put(r.key(), r);
    }
    List<Accepted> compacted = List.copyOf(newest.values());
    List<Accepted> withoutTombstones =
        compacted.stream().filter(r -> r.document() != null).toList();
    assertEquals(List.of(p2, a2), withoutTombstones.stream().map(Accepted::document).toList());

    int n = 0;
    for (List<Accepted> replay : List.of(compacted, withoutTombstones, history)) {
      // A new instance: its global store is rebuilt from the topic, through the policy keeper.
      try (TopologyHarness h = new TopologyHarness(dir.resolve("again-" + n++))) {
        replay.forEach(r -> h.send(Topics.POLICIES_ACCEPTED, r.key(), r.document()));
        assertEquals(before, revision(h), "the same revision after a restart: " + replay);
        pod(h, pod(1, 10));
        Verdict v = h.newVerdicts().get(0);
        assertEquals(Decision.DENY, v.decision());
        assertEquals(List.of(a2.key() + "@2", p2.key() + "@2"), sorted(v.policyVersions()));
      }
    }
  }

  /** A record of {@code vigil.policies.accepted} (null document: a withdrawal). */
  private record Accepted(String key, PolicyDocument document) {
    @Override
    public String toString() {
      return key + (document == null ? "=null" : "@" + document.version());
    }
  }

  @Test
  void theRevisionOfAnEmptySetIsNoEntryAndAReservedKeyOnTheTopicIsIgnored() {
    PolicyDocument p1 = Fixtures.enforced(1, "ALWAYS_ALLOW");
    try (TopologyHarness h = new TopologyHarness(dir)) {
      assertNull(revision(h));
      policy(h, p1);
      String one = revision(h);
      assertNotNull(one);
      h.send(Topics.POLICIES_ACCEPTED, PolicyStore.REVISION, p1);
      h.send(Topics.POLICIES_ACCEPTED, PolicyStore.REVISION, null);
      assertEquals(one, revision(h), "a record under the reserved key does not touch it");
      withdraw(h, p1.key());
      assertNull(revision(h), "all withdrawn: as a store rebuilt from tombstones only");
      pod(h, pod(1, 10));
      assertEquals(Decision.UNKNOWN, h.newVerdicts().get(0).decision());
    }
  }

  private static List<String> sorted(List<String> l) {
    return l.stream().sorted().toList();
  }
}
