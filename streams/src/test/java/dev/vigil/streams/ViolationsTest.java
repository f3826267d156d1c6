package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.Verdict.CheckResult;
import dev.vigil.schemas.Verdict.ImageResult;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.Transition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure rules of {@link Violations}: what a verdict opens, changes, or leaves alone. */
class ViolationsTest {

  static final Instant NOW = Fixtures.T0.plusSeconds(60);
  static final String API = "us-docker.pkg.dev/acme/app/api@" + Fixtures.digest('a');
  static final String SIDECAR = "us-docker.pkg.dev/acme/app/proxy@" + Fixtures.digest('c');
  static final String NS_RULE = "kubernetesNamespaceAdmissionRules[payments]";

  static Verdict verdict(int n, String policyVersion, ImageResult... images) {
    Decision d = Decision.ALLOW;
    for (ImageResult i : images) {
      d = Decision.worst(d, i.result());
    }
    return new Verdict(
        "us-central1-a.prod/payments/api-1#" + n,
        Fixtures.CLUSTER,
        "payments",
        "api-1",
        "uid-1",
        "default",
        Fixtures.deployment("payments", "api"),
        d,
        List.of(images),
        List.of(policyVersion),
        Verdict.Trigger.POLICY_CHANGE,
        NOW);
  }

  static ImageResult unattested(String container, String image, String digest, String wording) {
    return new ImageResult(
        container,
        image,
        digest,
        Decision.DENY,
        NS_RULE,
        List.of("attestor " + Fixtures.ATTESTOR + ": " + wording),
        List.of(),
        List.of(Fixtures.ATTESTOR));
  }

  static ImageResult allowed(String container, String image) {
    return new ImageResult(
        container, image, null, Decision.ALLOW, NS_RULE, List.of("ok"), List.of(), List.of());
  }

  static Violations.Step next(PodState.OpenViolation open, Verdict v) {
    return Violations.next(open, v, NOW, null, SeverityMapping.DEFAULT);
  }

  @Test
  void onlyWordingAndPolicyVersionDifferingIsNotAChange() {
    PodState.OpenViolation open =
        next(
                null,
                verdict(
                    1,
                    "P@1",
                    unattested("api", API, Fixtures.digest('a'), "missing"),
                    allowed("proxy", SIDECAR)))
            .open();

    Violations.Step step =
        next(
            open,
            verdict(
                2,
                "P@2",
                allowed("proxy", SIDECAR),
                unattested("api", API, Fixtures.digest('a'), "missing (no valid attestation)")));

    assertNull(step.transition());
    assertEquals(open, step.open());
  }

  @Test
  void aDifferentDigestOrANewFailingImageIsAChange() {
    PodState.OpenViolation open =
        next(
                null,
                verdict(
                    1,
                    "P@1",
                    unattested("api", API, Fixtures.digest('a'), "missing"),
                    allowed("proxy", SIDECAR)))
            .open();

    String rebuilt = "us-docker.pkg.dev/acme/app/api@" + Fixtures.digest('d');
    ViolationTransition digest =
        next(
                open,
                verdict(
                    2,
                    "P@1",
                    unattested("api", rebuilt, Fixtures.digest('d'), "missing"),
                    allowed("proxy", SIDECAR)))
            .transition();
    assertNotNull(digest);
    assertEquals(Transition.CHANGED, digest.transition());
    assertEquals(Fixtures.digest('d'), digest.images().get(0).digest());

    ViolationTransition second =
        next(
                open,
                verdict(
                    2,
                    "P@1",
                    unattested("api", API, Fixtures.digest('a'), "missing"),
                    unattested("proxy", SIDECAR, Fixtures.digest('c'), "missing")))
            .transition();
    assertNotNull(second);
    assertEquals(2, second.images().size());
    assertTrue(second.summary().endsWith(" and 1 more image"), second.summary());
  }

  @Test
  void aFailedCheckIsNamedWithItsCheckSet() {
    ImageResult stale =
        new ImageResult(
            "api",
            API,
            Fixtures.digest('a'),
            Decision.DENY,
            "defaultAdmissionRule",
            List.of("defaultAdmissionRule: ALWAYS_ALLOW"),
            List.of(
                new CheckResult("prod", "trustedDirectoryCheck", Decision.ALLOW, null),
                new CheckResult(
                    "prod",
                    "imageFreshnessCheck",
                    Decision.DENY,
                    "uploaded 40 days ago, more than 30")),
            List.of());

    ViolationTransition t = next(null, verdict(1, "P@1", stale)).transition();

    assertEquals(
        List.of("imageFreshnessCheck"), t.rules(), "the rule allowed it: only the check failed");
    assertEquals("prod", t.images().get(0).rule(), "the check set that judged it");
    assertEquals(List.of("prod/imageFreshnessCheck"), t.images().get(0).checksFailed());
    assertTrue(
        t.images()
            .get(0)
            .reasons()
            .contains("prod/imageFreshnessCheck: uploaded 40 days ago, more than 30"),
        t.images().get(0).reasons().toString());
    assertEquals(
        "payments/api-1: DENY: api us-docker.pkg.dev/acme/app/api@sha256:aaaa… fails prod/imageFreshnessCheck",
        t.summary());
  }

  @Test
  void aStateWrittenBeforeV2ComparesByDecisionAndRules() {
    PodState.OpenViolation legacy =
        new PodState.OpenViolation(
            "violation/x#1", Decision.DENY, List.of(NS_RULE), Fixtures.T0, null, null);
    Verdict same = verdict(5, "P@2", unattested("api", API, Fixtures.digest('a'), "missing"));

    Violations.Step quiet = next(legacy, same);
    assertNull(quiet.transition());
    assertEquals(Severity.HIGH, quiet.open().severity());
    assertEquals(Fixtures.T0, quiet.open().openedAt());
    assertEquals("violation/x#1", quiet.open().violationId());

    PodState.OpenViolation otherRule =
        new PodState.OpenViolation(
            "violation/x#1",
            Decision.DENY,
            List.of("defaultAdmissionRule"),
            Fixtures.T0,
            null,
            null);
    assertEquals(Transition.CHANGED, next(otherRule, same).transition().transition());
  }

  @Test
  void theSummaryIsOneBoundedLine() {
    ImageResult odd =
        new ImageResult(
            "api",
            "x".repeat(400),
            null,
            Decision.UNKNOWN,
            null,
            List.of("cannot parse\nthe reference"),
            List.of(),
            List.of());
    String summary = next(null, verdict(1, "P@1", odd)).transition().summary();
    assertTrue(summary.length() <= Violations.MAX_SUMMARY, summary);
    assertTrue(!summary.contains("\n"), summary);
    assertTrue(summary.startsWith("payments/api-1: UNKNOWN: api xxx"), summary);
  }
}
