package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.ImageMetadata;
import dev.vigil.schemas.ImageMetadata.Severity;
import dev.vigil.schemas.Verdict;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every continuous-validation check, from domain.md section 3. */
class PlatformPolicyChecksTest {

  static final String ALLOW_ALL =
      "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}";
  static final String PINNED = "us-docker.pkg.dev/acme/prod/api@" + Docs.DIGEST;

  static Evaluation evaluate(String checks, PodContext pod, Facts facts) throws Exception {
    String platform =
        "gkePolicy:\n  checkSets:\n  - displayName: prod\n    checks:\n" + Docs.indent(checks, 4);
    PolicySet set = PolicySet.parse(Docs.policy(ALLOW_ALL), Docs.platform(platform), List.of());
    return Evaluator.create().evaluate(pod, set, facts, Docs.NOW);
  }

  static Verdict.CheckResult only(Evaluation e) {
    assertEquals(
        1, e.images().get(0).checkResults().size(), e.images().get(0).checkResults().toString());
    return e.images().get(0).checkResults().get(0);
  }

  @ParameterizedTest(name = "{0} in {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      us-docker.pkg.dev/acme/prod/api:v1           | us-docker.pkg.dev/acme/prod/**  | ALLOW
      us-docker.pkg.dev/acme/prod/team/api:v1      | us-docker.pkg.dev/acme/prod/**  | ALLOW
      us-docker.pkg.dev/acme/prod-evil/api:v1      | us-docker.pkg.dev/acme/prod/**  | DENY
      us-docker.pkg.dev/acme/prod/team/api:v1      | us-docker.pkg.dev/acme/prod/*   | ALLOW
      us-docker.pkg.dev/acme/prod/team/x/api:v1    | us-docker.pkg.dev/acme/prod/*   | DENY
      us-docker.pkg.dev/acme/prod/api              | us-docker.pkg.dev/acme/prod     | ALLOW
      us-docker.pkg.dev/acme/prod/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | us-docker.pkg.dev/acme/prod | ALLOW
      us-docker.pkg.dev/acme/prod/api              | us-docker.pkg.dev/acme/prod/api | DENY
      us-docker.pkg.dev/acme/prod-evil/api         | us-docker.pkg.dev/acme/prod     | DENY
      europe-docker.pkg.dev/acme/prod/api:v1       | *-docker.pkg.dev/acme/prod      | ALLOW
      us-docker.pkg.dev.evil.com/acme/prod/api     | *-docker.pkg.dev/acme/prod      | DENY
      us-docker.pkg.dev.evil.com/acme/prod/api     | us-docker.pkg.dev/acme/prod/**  | DENY
      us-docker.pkg.dev:443/acme/prod/api          | us-docker.pkg.dev/acme/prod/**  | DENY
      """)
  void trustedDirectoryCheck(String image, String dir, Decision expected) throws Exception {
    // The issue's case: "us-docker.pkg.dev/acme/prod" trusts "us-docker.pkg.dev/acme/prod/api", as
    // "gcr.io/my-project/my-repo is valid to match a single directory" (TrustedDirectoryCheck
    // reference).
    Evaluation e =
        evaluate(
            "- trustedDirectoryCheck: {trustedDirPatterns: [\"" + dir + "\"]}",
            Docs.pod(image),
            Facts.NONE);

    assertEquals(expected, only(e).result(), only(e).reason());
    assertEquals(expected, e.decision());
  }

  @ParameterizedTest(name = "uploaded {0} days ago, max {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      1   | 30 | ALLOW
      30  | 30 | ALLOW
      31  | 30 | DENY
      -1  | 30 | UNKNOWN
      """)
  void imageFreshnessCheck(int ageDays, int max, Decision expected) throws Exception {
    Map<String, ImageMetadata> meta =
        ageDays < 0
            ? Map.of()
            : Map.of(
                Docs.DIGEST,
                new ImageMetadata(
                    Docs.DIGEST,
                    "us-docker.pkg.dev/acme/prod/api",
                    Docs.NOW.minus(Duration.ofDays(ageDays)),
                    List.of(),
                    null,
                    "test"));

    Evaluation e =
        evaluate(
            "- imageFreshnessCheck: {maxUploadAgeDays: " + max + "}",
            Docs.pod(PINNED),
            Facts.of(Map.of(), meta));

    assertEquals(expected, only(e).result(), only(e).reason());
  }

  /** The reason says the exact age: 30 days and 1 hour is over 30 days, and is not "30 days". */
  @ParameterizedTest(name = "uploaded {0} ago, max {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      PT721H      | 30 | DENY  | uploaded 2026-10-26T11:00:00Z, 30 days 1 hour ago: older than maxUploadAgeDays 30
      PT720H1S    | 30 | DENY  | uploaded 2026-10-26T11:59:59Z, 30 days 1 second ago: older than maxUploadAgeDays 30
      PT719H59M   | 30 | ALLOW | uploaded 2026-10-26T12:01:00Z, 29 days 23 hours 59 minutes ago: within maxUploadAgeDays 30
      PT0S        | 1  | ALLOW | uploaded 2026-11-25T12:00:00Z, 0 seconds ago: within maxUploadAgeDays 1
      -PT1H       | 1  | ALLOW | uploaded 2026-11-25T13:00:00Z, after the time of judgement: within maxUploadAgeDays 1
      """)
  void imageFreshnessReasonsSayTheExactAge(String age, int max, Decision expected, String reason)
      throws Exception {
    Map<String, ImageMetadata> meta =
        Map.of(
            Docs.DIGEST,
            new ImageMetadata(
                Docs.DIGEST,
                "us-docker.pkg.dev/acme/prod/api",
                Docs.NOW.minus(Duration.parse(age)),
                List.of(),
                null,
                "test"));

    Evaluation e =
        evaluate(
            "- imageFreshnessCheck: {maxUploadAgeDays: " + max + "}",
            Docs.pod(PINNED),
            Facts.of(Map.of(), meta));

    assertEquals(expected, only(e).result());
    assertEquals(reason, only(e).reason());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      no vulnerabilities                        | MEDIUM    | HIGH     | ''                 | ''           | ALLOW
      fixable HIGH over MEDIUM                  | MEDIUM    | HIGH     | ''                 | CVE-1:HIGH:F | DENY
      fixable MEDIUM at MEDIUM                  | MEDIUM    | HIGH     | ''                 | CVE-1:MEDIUM:F | ALLOW
      unfixable HIGH at HIGH                    | MEDIUM    | HIGH     | ''                 | CVE-1:HIGH:U | ALLOW
      unfixable CRITICAL over HIGH              | MEDIUM    | HIGH     | ''                 | CVE-1:CRITICAL:U | DENY
      allowed CVE                               | MEDIUM    | HIGH     | allowedCves: [CVE-1] | CVE-1:CRITICAL:F | ALLOW
      blocked CVE even if LOW                   | MEDIUM    | HIGH     | blockedCves: [CVE-2] | CVE-2:LOW:F  | DENY
      BLOCK_ALL blocks MINIMAL                  | BLOCK_ALL | HIGH     | ''                 | CVE-1:MINIMAL:F | DENY
      ALLOW_ALL allows CRITICAL                 | ALLOW_ALL | ALLOW_ALL | ''                | CVE-1:CRITICAL:F | ALLOW
      not scanned                               | MEDIUM    | HIGH     | ''                 | unscanned    | UNKNOWN
      """)
  void vulnerabilityCheck(
      String scenario,
      String fixable,
      String unfixable,
      String extra,
      String vuln,
      Decision expected)
      throws Exception {
    List<ImageMetadata.Vulnerability> vulns = new java.util.ArrayList<>();
    if (!vuln.isEmpty() && !vuln.equals("unscanned")) {
      String[] v = vuln.split(":");
      vulns.add(
          new ImageMetadata.Vulnerability(
              v[0], Severity.valueOf(v[1]), v[2].equals("F"), "openssl"));
    }
    ImageMetadata m =
        new ImageMetadata(
            Docs.DIGEST,
            "r",
            Docs.NOW,
            vulns,
            vuln.equals("unscanned") ? null : Docs.NOW,
            "scanner");
    String check =
        "- vulnerabilityCheck: {maximumFixableSeverity: "
            + fixable
            + ", maximumUnfixableSeverity: "
            + unfixable
            + (extra.isEmpty() ? "" : ", " + extra)
            + "}";

    Evaluation e = evaluate(check, Docs.pod(PINNED), Facts.of(Map.of(), Map.of(Docs.DIGEST, m)));

    assertEquals(expected, only(e).result(), only(e).reason());
  }

  @Test
  void alwaysDenyDeniesUnlessTheCheckAllowlistExempts() throws Exception {
    String check =
        "- displayName: nothing-runs\n  alwaysDeny: true\n  imageAllowlist: {allowPattern: [\"gcr.io/gke-release/*\"]}";

    Evaluation denied = evaluate(check, Docs.pod(PINNED), Facts.NONE);
    Evaluation exempt = evaluate(check, Docs.pod("gcr.io/gke-release/pause:3.9"), Facts.NONE);

    assertEquals(Decision.DENY, denied.decision());
    assertEquals("nothing-runs", only(denied).check());
    assertEquals("prod", only(denied).checkSet());
    assertEquals(Decision.ALLOW, exempt.decision());
  }

  @Test
  void simpleSigningAttestationCheckVerifiesWithTheAuthenticatorsKeys() throws Exception {
    KeyPair key = Docs.ec("secp256r1");
    byte[] payload =
        Docs.payload("us-docker.pkg.dev/acme/prod/api", Docs.DIGEST)
            .getBytes(StandardCharsets.UTF_8);
    Attestation good =
        Docs.attestation(
            "any",
            "o1",
            Docs.DIGEST,
            payload,
            "k1",
            Docs.sign(SignatureAlgorithm.ECDSA_P256_SHA256, key.getPrivate(), payload));
    String check =
        "- simpleSigningAttestationCheck:\n"
            + "    containerAnalysisAttestationProjects: [projects/acme]\n"
            + "    attestationAuthenticators:\n"
            + "    - pkixPublicKeySet:\n"
            + "        pkixPublicKeys:\n"
            + "        - keyId: k1\n"
            + "          signatureAlgorithm: ECDSA_P256_SHA256\n"
            + "          publicKeyPem: |\n"
            + Docs.indent(Docs.pem(key.getPublic()), 12);

    Evaluation signed =
        evaluate(check, Docs.pod(PINNED), Facts.of(Map.of(Docs.DIGEST, List.of(good)), Map.of()));
    Evaluation unsigned = evaluate(check, Docs.pod(PINNED), Facts.NONE);
    Evaluation byTag =
        evaluate(
            check,
            Docs.pod("us-docker.pkg.dev/acme/prod/api:v1"),
            Facts.of(Map.of(Docs.DIGEST, List.of(good)), Map.of()));

    assertEquals(Decision.ALLOW, signed.decision(), only(signed).reason());
    assertEquals(Decision.DENY, unsigned.decision());
    assertEquals(Decision.DENY, byTag.decision(), "a tag cannot be matched to attestations");
  }

  /**
   * GkePolicy reference: "If multiple CheckSet objects have scopes that match the namespace and
   * service account of the Pod being evaluated, only the CheckSet with the MOST SPECIFIC scope will
   * match"; Scope: "kubernetes_service_account scope is always more specific than
   * kubernetes_namespace scope for the same namespace".
   */
  @ParameterizedTest(name = "{0}/{1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      prod    | ci      | ci-account
      prod    | default | prod-namespace
      staging | ci      | catch-all
      """)
  void theCheckSetWithTheMostSpecificScopeApplies(String namespace, String sa, String expectedSet)
      throws Exception {
    String platform =
        """
        gkePolicy:
          checkSets:
          - displayName: ci-account
            scope: {kubernetesServiceAccount: "prod:ci"}
            checks: [{alwaysDeny: true}]
          - displayName: prod-namespace
            scope: {kubernetesNamespace: prod}
            checks: [{alwaysDeny: true}]
          - displayName: catch-all
            checks: [{alwaysDeny: true}]
        """;
    PolicySet set = PolicySet.parse(Docs.policy(ALLOW_ALL), Docs.platform(platform), List.of());

    Evaluation e =
        Evaluator.create()
            .evaluate(Docs.podIn("c", namespace, sa, PINNED), set, Facts.NONE, Docs.NOW);

    assertEquals(expectedSet, only(e).checkSet());
  }

  @Test
  void theMostSpecificScopeWinsWhateverTheOrderOfTheList() {
    PlatformPolicy.CheckSet namespace =
        new PlatformPolicy.CheckSet(
            "prod-namespace", new PlatformPolicy.Scope("prod", null, null), List.of(), List.of());
    PlatformPolicy.CheckSet account =
        new PlatformPolicy.CheckSet(
            "ci-account", new PlatformPolicy.Scope(null, "prod", "ci"), List.of(), List.of());
    PlatformPolicy.CheckSet all =
        new PlatformPolicy.CheckSet("catch-all", PlatformPolicy.Scope.ALL, List.of(), List.of());
    PlatformPolicy p = new PlatformPolicy("p", List.of(), List.of(all, namespace, account));

    assertEquals("ci-account", p.checkSetFor(Docs.podIn("c", "prod", "ci", PINNED)).displayName());
    assertEquals(
        "prod-namespace", p.checkSetFor(Docs.podIn("c", "prod", "web", PINNED)).displayName());
    assertEquals(
        "catch-all", p.checkSetFor(Docs.podIn("c", "staging", "ci", PINNED)).displayName());
  }

  /**
   * GkePolicy reference: "CheckSet objects must be listed in order of decreasing specificity, i.e.
   * if a scope matches a given service account (which must include the namespace), it must come
   * before a CheckSet with a scope matching just that namespace. This property is enforced by
   * server-side validation."
   */
  @ParameterizedTest(name = "{0} then {1}: {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      'kubernetesNamespace: prod'        | 'kubernetesServiceAccount: "prod:ci"' | refused
      ''                                 | 'kubernetesNamespace: prod'           | refused
      ''                                 | 'kubernetesServiceAccount: "prod:ci"' | refused
      'kubernetesNamespace: staging'     | 'kubernetesServiceAccount: "prod:ci"' | accepted
      'kubernetesServiceAccount: "prod:ci"' | 'kubernetesNamespace: prod'        | accepted
      """)
  void anOrderGoogleRefusesIsAPolicyProblem(String first, String second, String outcome)
      throws Exception {
    String platform =
        "gkePolicy:\n  checkSets:\n"
            + "  - displayName: first\n    scope: {"
            + first
            + "}\n    checks: [{alwaysDeny: true}]\n"
            + "  - displayName: second\n    scope: {"
            + second
            + "}\n    checks: [{alwaysDeny: true}]\n"
            + "  - displayName: catch-all\n    checks: [{alwaysDeny: true}]\n";

    if (outcome.equals("refused")) {
      InvalidPolicyException e =
          assertThrows(
              InvalidPolicyException.class,
              () -> PolicySet.parse(Docs.policy(ALLOW_ALL), Docs.platform(platform), List.of()));
      assertTrue(
          e.problems()
              .toString()
              .contains(
                  "gkePolicy.checkSets[1]: CheckSet objects must be listed in order"
                      + " of decreasing specificity"),
          e.problems().toString());
    } else {
      PolicySet.parse(Docs.policy(ALLOW_ALL), Docs.platform(platform), List.of());
    }
  }

  @Test
  void warnsAboutACheckSetNeverEvaluatedAndAMissingCatchAll() throws Exception {
    String platform =
        """
        gkePolicy:
          checkSets:
          - scope: {kubernetesNamespace: prod}
            checks: [{alwaysDeny: true}]
          - scope: {kubernetesNamespace: prod}
            checks: [{alwaysDeny: true}]
        """;

    String warnings =
        PolicySet.parse(Docs.policy(ALLOW_ALL), Docs.platform(platform), List.of())
            .warnings()
            .toString();

    assertTrue(warnings.contains("gkePolicy.checkSets[1]: has the same scope"), warnings);
    assertTrue(warnings.contains("must always be a CheckSet with no scope set"), warnings);
  }

  /** GkePolicy reference: "If check_sets is empty, the default behavior is to allow all images." */
  @Test
  void noCheckSetsAllowsEveryImage() throws Exception {
    PolicySet set =
        PolicySet.parse(
            Docs.policy(ALLOW_ALL), Docs.platform("gkePolicy:\n  checkSets: []\n"), List.of());

    Evaluation e = Evaluator.create().evaluate(Docs.pod(PINNED), set, Facts.NONE, Docs.NOW);

    assertEquals(Decision.ALLOW, e.decision());
  }

  @Test
  void theGlobalImageAllowlistExemptsFromEveryCheck() throws Exception {
    String platform =
        """
        gkePolicy:
          imageAllowlist: {allowPattern: ["gcr.io/gke-release/*"]}
          checkSets:
          - checks: [{alwaysDeny: true}]
        """;
    PolicySet set = PolicySet.parse(Docs.policy(ALLOW_ALL), Docs.platform(platform), List.of());

    Evaluation e =
        Evaluator.create()
            .evaluate(Docs.pod("gcr.io/gke-release/pause:3.9", PINNED), set, Facts.NONE, Docs.NOW);

    assertEquals(Decision.ALLOW, e.images().get(0).result());
    assertEquals(Decision.DENY, e.images().get(1).result());
    assertEquals(Decision.DENY, e.decision());
  }

  @Test
  void listsEveryProblemOfAPlatformPolicy() {
    String platform =
        """
        gkePolicy:
          checkSets:
          - scope: {kubernetesServiceAccount: nocolon}
            checks:
            - imageFreshnessCheck: {maxUploadAgeDays: 0}
            - vulnerabilityCheck: {maximumFixableSeverity: SEVERE}
            - trustedDirectoryCheck: {trustedDirPatterns: ["*"]}
            - slsaCheck: {}
            - sigstoreSignatureCheck: {sigstoreAuthorities: [{publicKeySet: {publicKeys: [{publicKeyPem: nope}]}}]}
        """;

    InvalidPolicyException e =
        assertThrows(
            InvalidPolicyException.class,
            () -> PolicySet.parse(Docs.policy(ALLOW_ALL), Docs.platform(platform), List.of()));

    String all = e.problems().toString();
    for (String path :
        List.of(
            "scope.kubernetesServiceAccount",
            "checks[0].imageFreshnessCheck.maxUploadAgeDays",
            "checks[1].vulnerabilityCheck.maximumFixableSeverity",
            "checks[1].vulnerabilityCheck.maximumUnfixableSeverity",
            "checks[2].trustedDirectoryCheck.trustedDirPatterns[0]",
            "checks[3].slsaCheck",
            "checks[4].sigstoreSignatureCheck.sigstoreAuthorities[0].publicKeySet.publicKeys[0].publicKeyPem")) {
      assertTrue(all.contains("gkePolicy.checkSets[0]." + path), path + " in " + all);
    }
  }
}
