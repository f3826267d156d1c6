package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PolicyDocument;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EvaluatorTest {

  static final KeyPair KEY = Docs.ec("secp256r1");
  static final String ATTESTOR =
      Docs.pkixAttestor("built-by-ci", "key-1", KEY.getPublic(), "ECDSA_P256_SHA256");

  static PolicySet requireAttestation(String enforcement) throws Exception {
    return PolicySet.parse(
        Docs.policy(
            AttestationSignatureTest.POLICY.replace("ENFORCED_BLOCK_AND_AUDIT_LOG", enforcement)),
        null,
        List.of(Docs.attestor(ATTESTOR)));
  }

  static Facts signedFacts() {
    byte[] payload =
        Docs.payload("us-docker.pkg.dev/acme/app/api", Docs.DIGEST)
            .getBytes(StandardCharsets.UTF_8);
    Attestation att =
        Docs.attestation(
            "built-by-ci",
            "o1",
            Docs.DIGEST,
            payload,
            "key-1",
            Docs.sign(SignatureAlgorithm.ECDSA_P256_SHA256, KEY.getPrivate(), payload));
    return Facts.of(Map.of(Docs.DIGEST, List.of(att)), Map.of());
  }

  static PodContext podWith(String image, String imageId) {
    return new PodContext(
        "c",
        "default",
        "p",
        null,
        List.of(new ContainerImage("app", ContainerImage.Kind.CONTAINER, image, imageId)),
        Map.of(),
        Map.of());
  }

  @ParameterizedTest(name = "{0} running {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
      us-docker.pkg.dev/acme/app/api@DIGEST | -                                              | ALLOW | -
      us-docker.pkg.dev/acme/app/api:v1     | docker-pullable://us-docker.pkg.dev/acme/app/api@DIGEST | ALLOW | judged by the running digest
      us-docker.pkg.dev/acme/app/api:v1     | us-docker.pkg.dev/acme/app/api@DIGEST          | ALLOW | judged by the running digest
      us-docker.pkg.dev/acme/app/api:v1     | -                                              | DENY  | not pinned by digest and the running digest is unknown
      us-docker.pkg.dev/acme/app/api:v1     | sha256:OTHER                                   | DENY  | not pinned by digest and the running digest is unknown
      us-docker.pkg.dev/acme/app/api:v1     | docker-pullable://x@OTHER                      | DENY  | missing
      Not/A/Valid/Image                     | -                                              | UNKNOWN | invalid image reference
      """)
  void tagOnlyImagesAreJudgedByTheirRunningDigest(
      String image, String imageId, Decision expected, String reason) throws Exception {
    String img = image.replace("DIGEST", Docs.DIGEST);
    String id =
        imageId == null
            ? null
            : imageId.replace("DIGEST", Docs.DIGEST).replace("OTHER", Docs.OTHER_DIGEST);

    Evaluation e =
        Evaluator.create()
            .evaluate(
                podWith(img, id),
                requireAttestation("ENFORCED_BLOCK_AND_AUDIT_LOG"),
                signedFacts(),
                Docs.NOW);

    assertEquals(expected, e.decision(), e.images().get(0).reasons().toString());
    if (reason != null) {
      assertTrue(
          e.images().get(0).reasons().toString().contains(reason),
          e.images().get(0).reasons().toString());
    }
  }

  @Test
  void aDryRunRuleGivesDryRunDenyNotAllow() throws Exception {
    Evaluation e =
        Evaluator.create()
            .evaluate(
                Docs.pod("us-docker.pkg.dev/acme/app/api@" + Docs.OTHER_DIGEST),
                requireAttestation("DRYRUN_AUDIT_LOG_ONLY"),
                signedFacts(),
                Docs.NOW);

    assertEquals(Decision.DRYRUN_DENY, e.decision());
  }

  @Test
  void anAttestorNobodySuppliedMakesTheImageUnknownNotAllowed() throws Exception {
    PolicySet set = PolicySet.parse(Docs.policy(AttestationSignatureTest.POLICY), null, List.of());

    Evaluation e =
        Evaluator.create()
            .evaluate(
                Docs.pod("us-docker.pkg.dev/acme/app/api@" + Docs.DIGEST),
                set,
                signedFacts(),
                Docs.NOW);

    assertEquals(Decision.UNKNOWN, e.decision());
    assertTrue(
        e.images().get(0).reasons().get(0).contains("not known"),
        e.images().get(0).reasons().toString());
  }

  @Test
  void aPodWithoutImagesCannotBeJudged() throws Exception {
    Evaluation e =
        Evaluator.create()
            .evaluate(
                Docs.pod(),
                requireAttestation("ENFORCED_BLOCK_AND_AUDIT_LOG"),
                Facts.NONE,
                Docs.NOW);

    assertEquals(Decision.UNKNOWN, e.decision());
  }

  @ParameterizedTest(name = "{0} + {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      ALLOW       | ALLOW       | ALLOW
      ALLOW       | DRYRUN_DENY | DRYRUN_DENY
      DRYRUN_DENY | UNKNOWN     | UNKNOWN
      UNKNOWN     | DENY        | DENY
      DENY        | ALLOW       | DENY
      """)
  void thePodTakesItsWorstImage(Decision a, Decision b, Decision expected) {
    assertEquals(expected, Decision.worst(a, b));
    assertEquals(expected, Decision.worst(b, a));
  }

  @Test
  void everyImageKindIsJudgedAndTheResultIsDeterministic() throws Exception {
    PolicySet set = requireAttestation("ENFORCED_BLOCK_AND_AUDIT_LOG");
    PodContext pod =
        new PodContext(
            "c",
            "default",
            "p",
            "sa",
            List.of(
                new ContainerImage("init", ContainerImage.Kind.INIT_CONTAINER, "busybox", null),
                new ContainerImage(
                    "app",
                    ContainerImage.Kind.CONTAINER,
                    "us-docker.pkg.dev/acme/app/api@" + Docs.DIGEST,
                    null),
                new ContainerImage(
                    "debug", ContainerImage.Kind.EPHEMERAL_CONTAINER, "busybox:1.36", null)),
            Map.of(),
            Map.of());

    Evaluation first = Evaluator.create().evaluate(pod, set, signedFacts(), Docs.NOW);
    Evaluation again = Evaluator.create().evaluate(pod, set, signedFacts(), Docs.NOW);

    assertEquals(first, again);
    assertEquals(Decision.DENY, first.decision());
    assertEquals(
        List.of(Decision.DENY, Decision.ALLOW, Decision.DENY),
        first.images().stream().map(i -> i.result()).toList());
    assertEquals("defaultAdmissionRule", first.images().get(0).rule());
    assertNull(first.images().get(0).digest());
    assertEquals(
        List.of(
            "BINAUTHZ_POLICY/*/policy@1", "ATTESTOR/*/" + Docs.attestor(ATTESTOR).name() + "@1"),
        first.policyVersions());
  }

  @Test
  void readsGrafeasOccurrencesAsGcloudListsThem() throws Exception {
    String json =
        """
        [{"name": "projects/acme/occurrences/8f1c", "kind": "ATTESTATION",
          "noteName": "projects/acme/notes/built-by-ci",
          "resourceUri": "https://us-docker.pkg.dev/acme/app/api@%s",
          "attestation": {"serializedPayload": "e30=",
                          "signatures": [{"publicKeyId": "key-1", "signature": "AAAA"}]},
          "createTime": "2026-11-20T10:00:00Z"}]
        """
            .formatted(Docs.DIGEST);

    List<Attestation> list =
        GrafeasOccurrences.read("attestations.json", json, PolicyDocument.Format.JSON)
            .attestations();

    assertEquals(1, list.size());
    assertEquals(Docs.DIGEST, list.get(0).imageDigest());
    assertEquals("key-1", list.get(0).signatures().get(0).publicKeyId());
  }
}
