package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.WorkloadRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The last good policy survives compaction: only accepted revisions reach {@code
 * vigil.policies.accepted}, which the global policy store reads; rejected ones go to the
 * dead-letter topic only.
 */
class PolicyGateTest {

  static final WorkloadRef OWNER = deployment("payments", "api");
  static final String API = "us-docker.pkg.dev/acme/app/api";

  @TempDir Path dir;

  @Test
  void afterCompactionAndARestartTheLastGoodPolicyIsStillInForce() {
    PolicyDocument good = Fixtures.enforced(1, "ALWAYS_ALLOW");
    PolicyDocument bad = Fixtures.broken(2);
    assertEquals(good.key(), bad.key(), "both revisions share one key, as on vigil.policies");
    Map<String, PolicyDocument> acceptedCompacted = new LinkedHashMap<>();
    Map<String, PolicyDocument> policiesCompacted = new LinkedHashMap<>();
    try (TopologyHarness h = new TopologyHarness(dir.resolve("first"))) {
      h.send(Topics.POLICIES, good.key(), good).send(Topics.POLICIES, bad.key(), bad);
      policiesCompacted.put(bad.key(), bad); // compaction keeps the last record per key

      var accepted =
          h.driver
              .createOutputTopic(
                  Topics.POLICIES_ACCEPTED.name(),
                  new StringDeserializer(),
                  Topics.POLICIES_ACCEPTED.valueSerde().deserializer())
              .readRecordsToList();
      assertEquals(
          List.of(1L),
          accepted.stream().map(r -> r.value().version()).toList(),
          "only the accepted revision is on vigil.policies.accepted");
      accepted.forEach(r -> acceptedCompacted.put(r.key(), r.value()));

      var dead =
          h.driver
              .createOutputTopic(
                  Topics.DEAD_LETTER.name(),
                  new StringDeserializer(),
                  Topics.DEAD_LETTER.valueSerde().deserializer())
              .readRecordsToList();
      assertEquals(1, dead.size(), "the rejected revision is dead-lettered at once, once");
      DeadLetter d = dead.get(0).value();
      assertEquals(Topics.POLICIES.name(), d.source());
      assertEquals(bad.key(), dead.get(0).key());
      assertTrue(d.error().contains("version 2"), d.error());
      assertEquals(
          Topics.DEAD_LETTER.ceType(),
          new String(dead.get(0).headers().lastHeader(CloudEvents.TYPE).value()));
    }

    // A new instance whose global store is rebuilt from the compacted topics.
    try (TopologyHarness h = new TopologyHarness(dir.resolve("second"))) {
      acceptedCompacted.forEach((k, v) -> h.send(Topics.POLICIES_ACCEPTED, k, v));
      policiesCompacted.forEach((k, v) -> h.send(Topics.POLICIES, k, v));
      h.send(
          Topics.POD_EVENTS,
          "us-central1-a.prod/payments/api-1",
          added("payments", "api-1", 10, OWNER, image(API, 'a')));
      h.advance(Duration.ofSeconds(1));
      var v = h.newVerdicts();
      assertEquals(Decision.ALLOW, v.get(0).decision(), v.toString());
      assertTrue(
          v.get(0).policyVersions().get(0).endsWith("@1"), v.get(0).policyVersions().toString());
    }
  }

  @Test
  void aWithdrawnPolicyIsATombstoneOnTheAcceptedTopic() {
    PolicyDocument good = Fixtures.enforced(1, "ALWAYS_ALLOW");
    try (TopologyHarness h = new TopologyHarness(dir)) {
      h.send(Topics.POLICIES, good.key(), good).send(Topics.POLICIES, good.key(), null);
      var accepted =
          h.driver
              .createOutputTopic(
                  Topics.POLICIES_ACCEPTED.name(),
                  new StringDeserializer(),
                  Topics.POLICIES_ACCEPTED.valueSerde().deserializer())
              .readRecordsToList();
      assertEquals(2, accepted.size());
      assertEquals(null, accepted.get(1).value());
      h.send(
          Topics.POD_EVENTS,
          "us-central1-a.prod/payments/api-1",
          added("payments", "api-1", 10, OWNER, image(API, 'a')));
      assertEquals(Decision.UNKNOWN, h.newVerdicts().get(0).decision(), "no policy in force");
    }
  }
}
