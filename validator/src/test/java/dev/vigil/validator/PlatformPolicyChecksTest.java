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
    String platform = "gkePolicy:\n  checkSets:\n  - displayName: prod\n    checks:\n" + Docs.indent(checks, 4);
    PolicySet set = PolicySet.parse(Docs.policy(ALLOW_ALL), Docs.platform(platform), List.of());
    return Evaluator.create().evaluate(pod, set, facts, Docs.NOW);
  }

  static Verdict.CheckResult only(Evaluation e) {
    assertEquals(1, e.images().get(0).checkResults().size(), e.images().get(0).checkResults().toString());
    return e.images().get(0).checkResults().get(0);
  }

  @ParameterizedTest(name = "{0} in {1} -> {2}")
  @CsvSource(delimiter = '|', textBlock = """
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
    // "gcr.io/my-project/my-repo is valid to match a single directory" (TrustedDirectoryCheck reference).
    Evaluation e = evaluate("- trustedDirectoryCheck: {trustedDirPatterns: [\"" + dir + "\"]}", Docs.pod(image),
        Facts.NONE);

    assertEquals(expected, only(e).result(), only(e).reason());
    assertEquals(expected, e.decision());
  }

  @ParameterizedTest(name = "uploaded {0} days ago, max {1} -> {2}")
  @CsvSource(delimiter = '|', textBlock = """
      1   | 30 | ALLOW
      30  | 30 | ALLOW
      31  | 30 | DENY
      -1  | 30 | UNKNOWN
      """)
  void imageFreshnessCheck(int ageDays, int max, Decision expected) throws Exception {
    Map<String, ImageMetadata> meta = ageDays < 0 ? Map.of() : Map.of(Docs.DIGEST, new ImageMetadata(Docs.DIGEST,
        "us-docker.pkg.dev/acme/prod/api", Docs.NOW.minus(Duration.ofDays(ageDays)), List.of(), null, "test"));

    Evaluation e = evaluate("- imageFreshnessCheck: {maxUploadAgeDays: " + max + "}", Docs.pod(PINNED),
        Facts.of(Map.of(), meta));

    assertEquals(expected, only(e).result(), only(e).reason());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
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
  void vulnerabilityCheck(String scenario, String fixable, String unfixable, String extra, String vuln,
      Decision expected) throws Exception {
    List<ImageMetadata.Vulnerability> vulns = new java.util.ArrayList<>();
    if (!vuln.isEmpty() && !vuln.equals("unscanned")) {
      String[] v = vuln.split(":");
      vulns.add(new ImageMetadata.Vulnerability(v[0], Severity.valueOf(v[1]), v[2].equals("F"), "openssl"));
    }
    ImageMetadata m = new ImageMetadata(Docs.DIGEST, "r", Docs.NOW, vulns,
        vuln.equals("unscanned") ? null : Docs.NOW, "scanner");
    String check = "- vulnerabilityCheck: {maximumFixableSeverity: " + fixable + ", maximumUnfixableSeverity: "
        + unfixable + (extra.isEmpty() ? "" : ", " + extra) + "}";

    Evaluation e = evaluate(check, Docs.pod(PINNED), Facts.of(Map.of(), Map.of(Docs.DIGEST, m)));

    assertEquals(expected, only(e).result(), only(e).reason());
  }

  @Test
  void alwaysDenyDeniesUnlessTheCheckAllowlistExempts() throws Exception {
    String check = "- displayName: nothing-runs\n  alwaysDeny: true\n  imageAllowlist: {allowPattern: [\"gcr.io/gke-release/*\"]}";

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
    byte[] payload = Docs.payload("us-docker.pkg.dev/acme/prod/api", Docs.DIGEST).getBytes(StandardCharsets.UTF_8);
    Attestation good = Docs.attestation("any", "o1", Docs.DIGEST, payload, "k1",
        Docs.sign(SignatureAlgorithm.ECDSA_P256_SHA256, key.getPrivate(), payload));
    String check = "- simpleSigningAttestationCheck:\n"
        + "    containerAnalysisAttestationProjects: [projects/acme]\n"
        + "    attestationAuthenticators:\n"
        + "    - pkixPublicKeySet:\n"
        + "        pkixPublicKeys:\n"
        + "        - keyId: k1\n"
        + "          signatureAlgorithm: ECDSA_P256_SHA256\n"
        + "          publicKeyPem: |\n" + Docs.indent(Docs.pem(key.getPublic()), 12);

    Evaluation signed = evaluate(check, Docs.pod(PINNED), Facts.of(Map.of(Docs.DIGEST, List.of(good)), Map.of()));
    Evaluation unsigned = evaluate(check, Docs.pod(PINNED), Facts.NONE);
    Evaluation byTag = evaluate(check, Docs.pod("us-docker.pkg.dev/acme/prod/api:v1"),
        Facts.of(Map.of(Docs.DIGEST, List.of(good)), Map.of()));

    assertEquals(Decision.ALLOW, signed.decision(), only(signed).reason());
    assertEquals(Decision.DENY, unsigned.decision());
    assertEquals(Decision.DENY, byTag.decision(), "a tag cannot be matched to attestations");
  }

  @ParameterizedTest(name = "scope {0} for {1}/{2} -> {3}")
  @CsvSource(delimiter = '|', textBlock = """
      'kubernetesNamespace: prod'              | prod    | default | DENY
      'kubernetesNamespace: prod'              | staging | default | ALLOW
      'kubernetesServiceAccount: prod:ci'      | prod    | ci      | DENY
      'kubernetesServiceAccount: prod:ci'      | prod    | default | ALLOW
      '{}'                                     | staging | default | DENY
      """)
  void theFirstCheckSetWhoseScopeMatchesApplies(String scope, String namespace, String sa, Decision expected)
      throws Exception {
    String platform = "gkePolicy:\n  checkSets:\n"
        + "  - displayName: scoped\n    scope: {" + scope.replace("{}", "") + "}\n    checks: [{alwaysDeny: true}]\n"
        + "  - displayName: rest\n    scope: {kubernetesNamespace: nobody}\n    checks: [{alwaysDeny: true}]\n";
    PolicySet set = PolicySet.parse(Docs.policy(ALLOW_ALL), Docs.platform(platform), List.of());

    Evaluation e = Evaluator.create().evaluate(Docs.podIn("c", namespace, sa, PINNED), set, Facts.NONE, Docs.NOW);

    assertEquals(expected, e.decision());
  }

  @Test
  void theGlobalImageAllowlistExemptsFromEveryCheck() throws Exception {
    String platform = """
        gkePolicy:
          imageAllowlist: {allowPattern: ["gcr.io/gke-release/*"]}
          checkSets:
          - checks: [{alwaysDeny: true}]
        """;
    PolicySet set = PolicySet.parse(Docs.policy(ALLOW_ALL), Docs.platform(platform), List.of());

    Evaluation e = Evaluator.create().evaluate(Docs.pod("gcr.io/gke-release/pause:3.9", PINNED), set, Facts.NONE,
        Docs.NOW);

    assertEquals(Decision.ALLOW, e.images().get(0).result());
    assertEquals(Decision.DENY, e.images().get(1).result());
    assertEquals(Decision.DENY, e.decision());
  }

  @Test
  void listsEveryProblemOfAPlatformPolicy() {
    String platform = """
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

    InvalidPolicyException e = assertThrows(InvalidPolicyException.class,
        () -> PolicySet.parse(Docs.policy(ALLOW_ALL), Docs.platform(platform), List.of()));

    String all = e.problems().toString();
    for (String path : List.of("scope.kubernetesServiceAccount", "checks[0].imageFreshnessCheck.maxUploadAgeDays",
        "checks[1].vulnerabilityCheck.maximumFixableSeverity", "checks[1].vulnerabilityCheck.maximumUnfixableSeverity",
        "checks[2].trustedDirectoryCheck.trustedDirPatterns[0]", "checks[3].slsaCheck",
        "checks[4].sigstoreSignatureCheck.sigstoreAuthorities[0].publicKeySet.publicKeys[0].publicKeyPem")) {
      assertTrue(all.contains("gkePolicy.checkSets[0]." + path), path + " in " + all);
    }
  }
}
