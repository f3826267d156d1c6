package dev.vigil.policyreports;

import static dev.vigil.policyreports.Records.T0;
import static dev.vigil.policyreports.Records.deleted;
import static dev.vigil.policyreports.Records.verdict;
import static dev.vigil.policyreports.Records.violation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.Transition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PolicyReport topology, driven by TopologyTestDriver: what reaches the writer per namespace,
 * and, through the real sink, what the mock API server then holds.
 */
class PolicyReportTopologyTest {

  static final Duration FLUSH = Duration.ofSeconds(5);

  @TempDir Path state;
  TopologyTestDriver driver;
  final List<NamespaceReport> handed = new ArrayList<>();
  TestInputTopic<String, Verdict> verdicts;
  TestInputTopic<String, ViolationTransition> violations;
  TestInputTopic<String, PodEvent> podEvents;

  @BeforeEach
  void start() {
    driver = driver(PolicyReportTopology.build(FLUSH, handed::add));
  }

  TopologyTestDriver driver(Topology topology) {
    Properties p = PolicyReportSettings.defaults("unused:9092", state).streamsProperties(Map.of());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    TopologyTestDriver d = new TopologyTestDriver(topology, p, T0);
    verdicts = input(d, Topics.VERDICTS);
    violations = input(d, Topics.VIOLATIONS);
    podEvents = input(d, Topics.POD_EVENTS);
    return d;
  }

  static <V> TestInputTopic<String, V> input(TopologyTestDriver d, Topic<V> t) {
    return d.createInputTopic(t.name(), t.keySerde().serializer(), t.valueSerde().serializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  void verdict(String ns, String pod, Decision d, Duration after) {
    Verdict v = Records.verdict(ns, pod, d, T0.plus(after));
    verdicts.pipeInput(v.key(), v);
  }

  void violation(String ns, String pod, Transition t, Decision d, Severity s, Duration after) {
    ViolationTransition v = Records.violation(ns, pod, t, d, s, T0.plus(after));
    violations.pipeInput(v.key(), v);
  }

  NamespaceReport flush() {
    handed.clear();
    driver.advanceWallClockTime(FLUSH);
    assertEquals(1, handed.size(), "one report per changed namespace: " + handed);
    return handed.get(0);
  }

  static Map<String, Object> resultOf(NamespaceReport r, String pod) {
    return results(r).stream()
        .filter(x -> pod.equals(resource(x).get("name")))
        .findFirst()
        .orElse(null);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> results(NamespaceReport r) {
    return (List<Map<String, Object>>) r.document().get("results");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> resource(Map<String, Object> result) {
    return ((List<Map<String, Object>>) result.get("resources")).get(0);
  }

  @Test
  void everyProcessorStoreAndInternalTopicIsNamed() {
    String described = PolicyReportTopology.build(FLUSH, r -> {}).describe().toString();

    assertFalse(described.contains("KSTREAM-") || described.contains("KTABLE-"), described);
    for (String name :
        List.of(
            "policy-report-by-namespace",
            PolicyReportTopology.PODS_STORE,
            PolicyReportTopology.DIRTY_STORE,
            "policy-report-namespaces")) {
      assertTrue(described.contains(name), name + " in " + described);
    }
  }

  @Test
  void eachDecisionBecomesItsResultWithTheViolationsSeverityAndRule() {
    verdict("prod", "ok", Decision.ALLOW, Duration.ZERO);
    verdict("prod", "unsigned", Decision.DENY, Duration.ZERO);
    violation(
        "prod", "unsigned", Transition.OPENED, Decision.DENY, Severity.HIGH, Duration.ofSeconds(1));
    verdict("prod", "trial", Decision.DRYRUN_DENY, Duration.ZERO);
    violation(
        "prod",
        "trial",
        Transition.OPENED,
        Decision.DRYRUN_DENY,
        Severity.LOW,
        Duration.ofSeconds(1));
    verdict("prod", "unjudged", Decision.UNKNOWN, Duration.ZERO);

    NamespaceReport r = flush();

    assertEquals(
        Map.of("pass", 1, "fail", 1, "warn", 1, "error", 1, "skip", 0),
        r.document().get("summary"));
    Map<String, Object> fail = resultOf(r, "unsigned");
    assertEquals("fail", fail.get("result"));
    assertEquals("high", fail.get("severity"));
    assertEquals("kubernetesNamespaceAdmissionRules[prod]", fail.get("rule"));
    assertEquals("binary-authorization", fail.get("policy"));
    assertEquals("vigil", fail.get("source"));
    assertEquals(
        Map.of(
            "apiVersion",
            "v1",
            "kind",
            "Pod",
            "name",
            "unsigned",
            "namespace",
            "prod",
            "uid",
            "uid-unsigned"),
        resource(fail));
    assertEquals(
        "sha256:" + "a".repeat(64), ((Map<?, ?>) fail.get("properties")).get("digest.app"));
    assertEquals(Map.of("seconds", T0.getEpochSecond(), "nanos", 0), fail.get("timestamp"));
    assertEquals("warn", resultOf(r, "trial").get("result"));
    assertEquals("low", resultOf(r, "trial").get("severity"));
    assertEquals(false, resultOf(r, "trial").get("scored"));
    assertEquals("error", resultOf(r, "unjudged").get("result"));
    assertNull(
        resultOf(r, "unjudged").get("severity"), "no violation record: no severity invented");
    Map<String, Object> pass = resultOf(r, "ok");
    assertEquals("pass", pass.get("result"));
    assertEquals("defaultAdmissionRule", pass.get("rule"), "the rule that passed");
    assertNull(pass.get("severity"));
  }

  @Test
  void aRegistryHygieneFindingOnTheSameTopicChangesNothing() {
    verdict("prod", "a", Decision.DENY, Duration.ZERO);
    violation("prod", "a", Transition.OPENED, Decision.DENY, Severity.HIGH, Duration.ofSeconds(1));
    flush();

    ViolationTransition policy =
        Records.violation("prod", "a", Transition.OPENED, Decision.DENY, Severity.HIGH, T0);
    ViolationTransition hygiene =
        new ViolationTransition(
            "hygiene/image-by-tag/" + policy.key(),
            policy.clusterId(),
            "prod",
            "a",
            policy.owner(),
            ViolationCategory.HYGIENE,
            Severity.LOW,
            List.of("hygiene/image-by-tag"),
            Transition.OPENED,
            null,
            null,
            "app names its image by tag",
            List.of(),
            List.of(),
            List.of("by tag"),
            null,
            T0.plusSeconds(2),
            T0.plusSeconds(2),
            T0.plusSeconds(2));
    violations.pipeInput(hygiene.key(), hygiene);
    handed.clear();
    driver.advanceWallClockTime(FLUSH);

    assertTrue(handed.isEmpty(), "the policy result stands: " + handed);
  }

  @Test
  void changesWithinAFlushIntervalAreOneWritePerNamespace() {
    verdict("prod", "a", Decision.ALLOW, Duration.ZERO);
    verdict("prod", "b", Decision.ALLOW, Duration.ZERO);
    verdict("dev", "c", Decision.DENY, Duration.ZERO);

    handed.clear();
    driver.advanceWallClockTime(FLUSH);

    assertEquals(2, handed.size());
    assertEquals(
        List.of("us-central1-a.prod/dev", "us-central1-a.prod/prod"),
        handed.stream().map(NamespaceReport::key).sorted().toList());
    handed.clear();
    driver.advanceWallClockTime(FLUSH);
    assertTrue(handed.isEmpty(), "nothing changed, nothing written");
  }

  @Test
  void aDeletedPodLeavesTheReportAndItsLateVerdictDoesNotBringItBack() {
    verdict("prod", "a", Decision.ALLOW, Duration.ZERO);
    verdict("prod", "b", Decision.DENY, Duration.ZERO);
    flush();

    podEvents.pipeInput(Records.CLUSTER + "/prod/b", deleted("prod", "b", T0.plusSeconds(10)));
    assertEquals(List.of("a"), flush().pods().stream().map(PodEntry::pod).toList());

    verdict("prod", "b", Decision.DENY, Duration.ofSeconds(5)); // the deleted pod's, delayed
    handed.clear();
    driver.advanceWallClockTime(FLUSH);
    assertTrue(handed.isEmpty(), "a late verdict of the deleted pod changes nothing: " + handed);

    podEvents.pipeInput(Records.CLUSTER + "/prod/a", deleted("prod", "a", T0.plusSeconds(10)));
    assertTrue(flush().empty(), "the last pod gone: the report is deleted");
  }

  @Test
  void aResolvedViolationTakesTheSeverityAwayAndAnOlderTransitionIsIgnored() {
    verdict("prod", "a", Decision.DENY, Duration.ZERO);
    violation(
        "prod", "a", Transition.OPENED, Decision.DENY, Severity.CRITICAL, Duration.ofSeconds(1));
    assertEquals("critical", resultOf(flush(), "a").get("severity"));

    verdict("prod", "a", Decision.ALLOW, Duration.ofSeconds(20));
    violation(
        "prod", "a", Transition.RESOLVED, Decision.DENY, Severity.CRITICAL, Duration.ofSeconds(21));
    violation(
        "prod",
        "a",
        Transition.OPENED,
        Decision.DENY,
        Severity.CRITICAL,
        Duration.ofSeconds(1)); // replayed
    verdict("prod", "a", Decision.DENY, Duration.ofSeconds(2)); // older than the ALLOW

    Map<String, Object> r = resultOf(flush(), "a");
    assertEquals("pass", r.get("result"));
    assertNull(r.get("severity"));
  }

  @Test
  void theReportsReachTheApiServerAndFollowThePods() {
    try (ApplyingMockServer api = new ApplyingMockServer();
        ReportWriter writer =
            new ReportWriter(
                new KubernetesReportSink(Map.of(Records.CLUSTER, api.client)),
                100,
                Duration.ofMillis(100),
                new SimpleMeterRegistry())) {
      driver.close();
      driver = driver(PolicyReportTopology.build(FLUSH, writer::offer));
      verdict("prod", "a", Decision.ALLOW, Duration.ZERO);
      verdict("prod", "b", Decision.DENY, Duration.ZERO);
      violation(
          "prod", "b", Transition.OPENED, Decision.DENY, Severity.HIGH, Duration.ofSeconds(1));
      driver.advanceWallClockTime(FLUSH);

      GenericKubernetesResource report = await(api, "prod", 2);
      assertEquals(
          Map.of("pass", 1, "fail", 1, "warn", 0, "error", 0, "skip", 0),
          ApplyingMockServer.summary(report));
      assertEquals("wgpolicyk8s.io/v1alpha2", report.getApiVersion());
      assertFalse(api.applies.isEmpty());
      assertTrue(
          api.applies.stream().allMatch(a -> "vigil".equals(a.fieldManager()) && a.force()),
          "server-side apply by field manager vigil: " + api.applies);

      podEvents.pipeInput(Records.CLUSTER + "/prod/a", deleted("prod", "a", T0.plusSeconds(10)));
      driver.advanceWallClockTime(FLUSH);
      report = await(api, "prod", 1);
      assertEquals("b", resource(ApplyingMockServer.results(report).get(0)).get("name"));
      assertEquals(1, api.reports("prod").size(), "one report per namespace, applied over");
    }
  }

  static GenericKubernetesResource await(ApplyingMockServer api, String ns, int results) {
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              GenericKubernetesResource r = api.report(ns);
              return r != null && ApplyingMockServer.results(r).size() == results;
            });
    return api.report(ns);
  }
}
