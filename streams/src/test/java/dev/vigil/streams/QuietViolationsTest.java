package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.digest;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.ImageFinding;
import dev.vigil.schemas.ViolationTransition.Transition;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Violation schema v2 through the whole topology: structured findings, configured severity, and
 * transitions only when the finding itself changes (issue 17).
 */
class QuietViolationsTest {

  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final String WEB = "us-docker.pkg.dev/acme/app/web";
  static final Duration POLL = Duration.ofSeconds(1);
  static final String PAYMENTS_RULE = "kubernetesNamespaceAdmissionRules[payments]";

  @TempDir Path dir;
  TopologyHarness h;

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  /**
   * Version {@code version} of a policy: everything allowed by default; {@code payments} requires
   * the CI attestation; {@code sandbox} denied with {@code sandboxEnforcement}; and, when {@code
   * serviceAccountRule}, every pod of {@code payments:default} denied.
   */
  static PolicyDocument policy(
      long version, String sandboxEnforcement, boolean serviceAccountRule) {
    String y =
        """
        name: projects/acme/policy
        globalPolicyEvaluationMode: DISABLE
        defaultAdmissionRule:
          evaluationMode: ALWAYS_ALLOW
          enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
        kubernetesNamespaceAdmissionRules:
          payments:
            evaluationMode: REQUIRE_ATTESTATION
            enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
            requireAttestationsBy: [%s]
          sandbox:
            evaluationMode: ALWAYS_DENY
            enforcementMode: %s
        """
            .formatted(Fixtures.ATTESTOR, sandboxEnforcement);
    if (serviceAccountRule) {
      y +=
          """
          kubernetesServiceAccountAdmissionRules:
            payments:default:
              evaluationMode: ALWAYS_DENY
              enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
          """;
    }
    return Fixtures.document(
        PolicyDocument.Kind.BINAUTHZ_POLICY, "projects/acme/policy", version, y);
  }

  private void send(PolicyDocument p) {
    h.send(Topics.POLICIES, p.key(), p);
  }

  private void send(PodEvent e) {
    h.send(Topics.POD_EVENTS, e.key(), e);
  }

  /** One violating pod in payments (no attestation), one compliant pod elsewhere. */
  private ViolationTransition opened(Map<String, String> settings) {
    h = new TopologyHarness(dir, settings);
    send(new Fixtures.Signer().attestor(1));
    send(policy(1, "DRYRUN_AUDIT_LOG_ONLY", false));
    send(added("payments", "api-1", 10, deployment("payments", "api"), image(API, 'a')));
    send(added("web", "web-1", 11, deployment("web", "web"), image(WEB, 'b')));
    h.advance(POLL);
    h.newVerdicts();
    List<ViolationTransition> t = h.newViolations();
    assertEquals(1, t.size(), t.toString());
    return t.get(0);
  }

  @Test
  void anOpenedViolationCarriesTheFindingAsFields() {
    ViolationTransition t = opened(Map.of());

    assertEquals(Transition.OPENED, t.transition());
    assertEquals(ViolationCategory.POLICY, t.category());
    assertEquals(Severity.HIGH, t.severity(), "enforced DENY is high by default");
    assertEquals(List.of(PAYMENTS_RULE), t.rules());
    assertEquals(1, t.images().size());
    ImageFinding i = t.images().get(0);
    assertEquals("c0", i.container());
    assertEquals(image(API, 'a'), i.image());
    assertEquals(digest('a'), i.digest());
    assertEquals(PAYMENTS_RULE, i.rule());
    assertEquals(Decision.DENY, i.result());
    assertEquals(List.of(Fixtures.ATTESTOR), i.attestorsMissing());
    assertEquals(List.of(), i.checksFailed());
    assertTrue(i.reasons().stream().anyMatch(r -> r.contains("missing")), i.reasons().toString());
    assertTrue(
        t.policyVersions().stream().anyMatch(v -> v.endsWith("projects/acme/policy@1")),
        t.policyVersions().toString());
    assertEquals(
        "payments/api-1: DENY: c0 "
            + API
            + "@sha256:aaaa… fails "
            + PAYMENTS_RULE
            + " (no attestation by built-by-ci)",
        t.summary());
    assertEquals(
        1,
        h.gauge(
            "vigil.violations.open",
            "namespace",
            "payments",
            "rule",
            PAYMENTS_RULE,
            "decision",
            "deny",
            "severity",
            "high"));
    assertEquals(
        1, h.counter("vigil.violation.transitions", "transition", "opened", "severity", "high"));
    assertEquals(
        0,
        h.counter("vigil.violation.transitions", "transition", "opened", "severity", "critical"));
    assertNotNull(
        h.registry
            .find("vigil.violation.transitions")
            .tags("transition", "changed", "severity", "critical")
            .counter(),
        "counters are born at zero for every transition and severity");
  }

  @Test
  void aPolicyEditThatConcernsAnotherNamespaceMakesNoTransition() {
    ViolationTransition open = opened(Map.of());

    // when the sandbox rule (no pod runs there) is enforced from now on
    send(policy(2, "ENFORCED_BLOCK_AND_AUDIT_LOG", false));
    h.advance(POLL).advance(POLL);

    // then every pod's template is judged again under version 2: template verdicts list both pods,
    // and nothing is published per pod (ADR 0150)
    assertEquals(List.of(), h.newVerdicts());
    List<dev.vigil.schemas.TemplateVerdict> rejudged = h.newTemplateVerdicts();
    assertEquals(
        2,
        rejudged.stream().mapToInt(dev.vigil.schemas.TemplateVerdict::podCount).sum(),
        rejudged.toString());
    assertTrue(
        rejudged.stream()
            .allMatch(
                v ->
                    v.trigger() == Verdict.Trigger.POLICY_CHANGE
                        && v.policyVersions().stream().anyMatch(x -> x.endsWith("policy@2"))),
        rejudged.toString());
    assertEquals(List.of(), h.newViolations());

    // and a later transition carries the version in force and the same violation id
    send(
        Fixtures.pod(
            PodEvent.Type.DELETED,
            "payments",
            "api-1",
            12,
            deployment("payments", "api"),
            image(API, 'a')));
    List<ViolationTransition> resolved = h.newViolations();
    assertEquals(1, resolved.size());
    assertEquals(Transition.RESOLVED, resolved.get(0).transition());
    assertEquals(open.violationId(), resolved.get(0).violationId());
    assertTrue(
        resolved.get(0).policyVersions().stream().anyMatch(v -> v.endsWith("policy@2")),
        resolved.get(0).policyVersions().toString());
    assertEquals(
        open.images().get(0).digest(),
        resolved.get(0).images().get(0).digest(),
        "RESOLVED names the images that were failing");
    assertEquals(Severity.HIGH, resolved.get(0).severity());
    assertEquals(0, h.gauge("vigil.violations.open", "namespace", "payments", "severity", "high"));
  }

  @Test
  void aPolicyEditThatChangesTheFailingRuleMakesExactlyOneChanged() {
    ViolationTransition open = opened(Map.of());

    // when a service-account rule now governs the violating pod
    send(policy(2, "DRYRUN_AUDIT_LOG_ONLY", true));
    h.advance(POLL).advance(POLL);

    List<ViolationTransition> t = h.newViolations();
    assertEquals(1, t.size(), t.toString());
    ViolationTransition changed = t.get(0);
    assertEquals(Transition.CHANGED, changed.transition());
    assertEquals(open.violationId(), changed.violationId());
    assertEquals(Decision.DENY, changed.previous());
    assertEquals(Decision.DENY, changed.current());
    assertEquals(
        List.of("kubernetesServiceAccountAdmissionRules[payments:default]"), changed.rules());
    assertEquals(List.of(), changed.images().get(0).attestorsMissing());

    // and nothing more while nothing changes
    h.advance(POLL).advance(POLL);
    assertEquals(List.of(), h.newViolations());
  }

  @Test
  void severityFollowsTheConfiguredOverrides() {
    ViolationTransition t =
        opened(
            Map.of(
                StreamsSettings.SEVERITY_NAMESPACES.key(), "payments=critical, sandbox=low",
                StreamsSettings.SEVERITY_RULES.key(),
                    "kubernetesServiceAccountAdmissionRules[payments:default]=medium"));
    assertEquals(Severity.CRITICAL, t.severity());
    assertEquals(
        1,
        h.counter("vigil.violation.transitions", "transition", "opened", "severity", "critical"));

    send(policy(2, "DRYRUN_AUDIT_LOG_ONLY", true));
    h.advance(POLL).advance(POLL);
    List<ViolationTransition> changed = h.newViolations();
    assertEquals(1, changed.size());
    assertEquals(
        Severity.MEDIUM,
        changed.get(0).severity(),
        "a rule's override comes before the namespace's");
    assertEquals(
        1, h.gauge("vigil.violations.open", "namespace", "payments", "severity", "medium"));
    assertEquals(
        0, h.gauge("vigil.violations.open", "namespace", "payments", "severity", "critical"));
  }

  @Test
  void aDryRunFindingIsLowByDefault() {
    h = new TopologyHarness(dir);
    send(policy(1, "DRYRUN_AUDIT_LOG_ONLY", false));
    send(added("sandbox", "try-1", 10, deployment("sandbox", "try"), image(WEB, 'b')));
    h.advance(POLL);
    ViolationTransition t = h.newViolations().get(0);
    assertEquals(Decision.DRYRUN_DENY, t.current());
    assertEquals(Severity.LOW, t.severity());
    assertEquals(List.of("kubernetesNamespaceAdmissionRules[sandbox]"), t.rules());
  }

  @Test
  void aViolationStoredByTheVersionBeforeV2StaysQuietAndResolvesWithItsFields() throws IOException {
    h = new TopologyHarness(dir);
    send(new Fixtures.Signer().attestor(1));
    send(policy(1, "DRYRUN_AUDIT_LOG_ONLY", false));
    h.advance(POLL);
    // given the pod state the previous version wrote (open violation with reasons, no severity or
    // images)
    PodState before;
    try (InputStream in = getClass().getResourceAsStream("PodStateSerdeTest.before-v2.json")) {
      StoredPod stored =
          new PodStateCodec().deserializer().deserialize(StoreNames.PODS, in.readAllBytes());
      before = stored == null ? null : stored.state();
    }
    assertNotNull(before, "a state written before v2 still reads");
    assertNull(before.violation().severity());
    assertEquals(List.of(PAYMENTS_RULE), before.violation().rules());
    h.driver
        .<String, StoredPod>getKeyValueStore(StoreNames.PODS)
        .put(before.pod().key(), new StoredPod(before, null));
    // as the previous version left its progress store: without the mark of templates adopted
    h.driver
        .<String, String>getKeyValueStore(StoreNames.PROGRESS)
        .delete(ChangePollPunctuator.TEMPLATES_ADOPTED);

    // when the pod is judged again under a new version that concerns another namespace
    send(policy(2, "ENFORCED_BLOCK_AND_AUDIT_LOG", false));
    h.advance(POLL).advance(POLL);

    // then it is adopted into a template (ADR 0150) and judged the same: a verdict (its template
    // had no judgement yet), no transition; the state takes the v2 shape
    assertEquals(1, h.newVerdicts().size());
    assertEquals(List.of(), h.newViolations());
    PodState after =
        h.driver
            .<String, StoredPod>getKeyValueStore(StoreNames.PODS)
            .get(before.pod().key())
            .state();
    assertEquals(Severity.HIGH, after.violation().severity());
    assertEquals(before.violation().violationId(), after.violation().violationId());
    assertEquals(digest('a'), after.violation().images().get(0).digest());
    assertEquals(1, h.gauge("vigil.violations.open", "namespace", "payments", "severity", "high"));
  }
}
