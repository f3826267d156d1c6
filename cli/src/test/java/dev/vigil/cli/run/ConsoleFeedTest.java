package dev.vigil.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.WorkloadRef;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The console feed's violation line: severity and the one-line summary, or a v1 record's reasons.
 */
class ConsoleFeedTest {

  static final Instant AT = Instant.parse("2026-11-20T13:30:14Z");
  static final WorkloadRef API = new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "payments", "api");

  @Test
  void aV2RecordShowsItsSeverityAndSummary() {
    String image = "us-docker.pkg.dev/acme/app/api@sha256:" + "ab".repeat(32);
    ViolationTransition v =
        new ViolationTransition(
            "violation/1",
            "prod",
            "payments",
            "api-1",
            API,
            ViolationCategory.POLICY,
            Severity.HIGH,
            List.of("defaultAdmissionRule"),
            ViolationTransition.Transition.OPENED,
            null,
            Decision.DENY,
            "payments/api-1: DENY: api us-docker.pkg.dev/acme/app/api@sha256:abab… fails defaultAdmissionRule",
            List.of(
                new ViolationTransition.ImageFinding(
                    "api",
                    image,
                    "sha256:" + "ab".repeat(32),
                    "defaultAdmissionRule",
                    Decision.DENY,
                    List.of(),
                    List.of(),
                    List.of("ALWAYS_DENY"))),
            List.of("BINAUTHZ_POLICY/*/policy@1"),
            List.of("api: defaultAdmissionRule: ALWAYS_DENY", "policy: P@1"),
            "v#1",
            AT,
            AT,
            null);

    assertEquals(
        "13:30:14 VIOLATION OPENED   prod/payments/api-1 (DEPLOYMENT api) high DENY: api "
            + "us-docker.pkg.dev/acme/app/api@sha256:abab… fails defaultAdmissionRule",
        ConsoleFeed.violationText(v));
  }

  @Test
  void aV1RecordStillShowsItsDecisionAndReasons() {
    String v1 =
        """
        {"violationId":"violation/1","clusterId":"prod","namespace":"payments","podName":"api-1",
         "owner":{"kind":"DEPLOYMENT","namespace":"payments","name":"api"},"transition":"OPENED","current":"DENY",
         "reasons":["api: defaultAdmissionRule: ALWAYS_DENY","policy: P@1"],"verdictId":"v#1",
         "openedAt":"2026-11-20T13:30:14Z","at":"2026-11-20T13:30:14Z"}""";
    ViolationTransition v =
        Json.read(v1.getBytes(StandardCharsets.UTF_8), ViolationTransition.class);

    assertEquals(
        "13:30:14 VIOLATION OPENED   prod/payments/api-1 (DEPLOYMENT api) DENY: "
            + "api: defaultAdmissionRule: ALWAYS_DENY; policy: P@1",
        ConsoleFeed.violationText(v));
  }
}
