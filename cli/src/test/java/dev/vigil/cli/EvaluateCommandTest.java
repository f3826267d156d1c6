package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code vigil evaluate} contract: flags, one JSON line per pod, exit 0/1/2. */
class EvaluateCommandTest {

  static String file(String name) {
    try {
      return Path.of(EvaluateCommandTest.class.getResource("evaluate/" + name).toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static VigilRun evaluate(String pods, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "evaluate",
                "--policy",
                file("policy.yaml"),
                "--attestors",
                file("attestor.yaml"),
                "--attestations",
                file("attestations.json"),
                "--now",
                "2026-11-25T12:00:00Z",
                "--cluster",
                "us-central1-a.prod",
                "--pod",
                file(pods)));
    args.addAll(List.of(more));
    return vigil(args.toArray(new String[0]));
  }

  @Test
  void judgesEveryDocumentAndExitsOneWhenAnyPodIsDenied() throws Exception {
    VigilRun run = evaluate("pods.yaml");

    assertEquals(1, run.code(), run.err());
    List<JsonNode> v = run.jsonLines();
    assertEquals(3, v.size(), run.out());
    assertEquals("ALLOW", v.get(0).get("decision").asText());
    assertEquals("prod", v.get(0).get("namespace").asText());
    assertEquals("api", v.get(0).get("name").asText());
    // Spec order, as the watchers read it: containers, then init containers.
    assertEquals("defaultAdmissionRule", v.get(0).get("images").get(0).get("rule").asText());
    assertEquals("admissionWhitelistPatterns", v.get(0).get("images").get(1).get("rule").asText());
    assertEquals("DENY", v.get(1).get("decision").asText());
    assertEquals("Deployment", v.get(1).get("kind").asText());
    assertEquals("web", v.get(1).get("name").asText());
    assertTrue(
        v.get(1).get("images").get(0).get("reasons").toString().contains("not pinned by digest"));
    assertEquals("DRYRUN_DENY", v.get(2).get("decision").asText());
    assertEquals(
        "kubernetesNamespaceAdmissionRules[sandbox]",
        v.get(2).get("images").get(0).get("rule").asText());
  }

  @Test
  void aListOfRunningPodsIsJudgedByTheRunningDigestAndExitsZero() throws Exception {
    VigilRun run =
        evaluate(
            "running-pod.json",
            "--platform-policy",
            file("platform.yaml"),
            "--image-metadata",
            file("image-metadata.json"));

    assertEquals(0, run.code(), run.out() + run.err());
    JsonNode v = run.jsonLines().get(0);
    assertEquals("ALLOW", v.get("decision").asText());
    assertTrue(
        v.get("images").get(0).get("reasons").toString().contains("judged by the running digest"),
        v.toString());
    assertEquals(2, v.get("images").get(0).get("checkResults").size(), v.toString());
  }

  @Test
  void anInvalidPolicyExitsTwoWithOneLineNamingTheFileAndField() {
    VigilRun run =
        vigil("evaluate", "--policy", file("bad-policy.yaml"), "--pod", file("pods.yaml"));

    assertEquals(2, run.code());
    assertEquals("", run.out());
    assertEquals(1, run.err().strip().lines().count(), run.err());
    assertTrue(run.err().contains("bad-policy.yaml"), run.err());
    assertTrue(run.err().contains("defaultAdmissionRule.evaluationMode"), run.err());
  }

  @Test
  void aContainerWithoutAnImageIsJudgedUnknownAsInProduction(@TempDir Path dir) throws Exception {
    Path pod =
        Files.writeString(
            dir.resolve("pod.yaml"),
            "kind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: a\n");

    VigilRun run = vigil("evaluate", "--policy", file("policy.yaml"), "--pod", pod.toString());

    assertEquals(1, run.code(), run.err());
    JsonNode v = run.jsonLines().get(0);
    assertEquals("UNKNOWN", v.get("decision").asText(), v.toString());
    assertEquals("default", v.get("namespace").asText(), v.toString());
    assertEquals("a", v.get("images").get(0).get("container").asText(), v.toString());
  }

  @Test
  void aWorkloadWithoutAPodTemplateExitsTwoNamingTheField(@TempDir Path dir) throws Exception {
    Path pods =
        Files.writeString(
            dir.resolve("pods.yaml"),
            "kind: Pod\nmetadata: {name: ok}\nspec: {containers: [{name: a, image: busybox}]}\n---\n"
                + "kind: CronJob\nmetadata: {name: nightly}\nspec: {jobTemplate: {spec: {}}}\n");

    VigilRun run = vigil("evaluate", "--policy", file("policy.yaml"), "--pod", pods.toString());

    assertEquals(2, run.code());
    assertEquals("", run.out());
    assertTrue(
        run.err()
            .contains("pods.yaml: document 2: spec.jobTemplate.spec.template.spec: is required"),
        run.err());
  }

  @Test
  void unreadableOrMissingFilesExitTwo(@TempDir Path dir) throws Exception {
    Path broken =
        Files.writeString(dir.resolve("pods.yaml"), "kind: Pod\nmetadata: {name: [unclosed\n");

    VigilRun missing =
        vigil(
            "evaluate",
            "--policy",
            dir.resolve("nope.yaml").toString(),
            "--pod",
            file("pods.yaml"));
    VigilRun unreadable =
        vigil("evaluate", "--policy", file("policy.yaml"), "--pod", broken.toString());
    VigilRun noPolicy = vigil("evaluate", "--pod", file("pods.yaml"));

    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("nope.yaml: no such file"), missing.err());
    assertEquals(2, unreadable.code());
    assertTrue(unreadable.err().contains("pods.yaml"), unreadable.err());
    assertEquals(2, noPolicy.code());
  }

  @Test
  void anUnreadableOccurrenceIsSkippedWithAWarningAndTheOthersStillCount(@TempDir Path dir)
      throws Exception {
    String good = Files.readString(Path.of(file("attestations.json"))).strip();
    String broken =
        "{\"name\": \"projects/acme/occurrences/broken\", \"kind\": \"ATTESTATION\","
            + " \"noteName\": \"projects/acme/notes/built-by-ci\", \"resourceUri\": \"https://x/y@sha256:"
            + "a".repeat(64)
            + "\", \"attestation\": {\"attestation\": {\"pgpSignedAttestation\": {\"pgpKeyId\": \"ABCD\"}}}}";
    Path attestations =
        Files.writeString(
            dir.resolve("attestations.json"),
            good.substring(0, good.length() - 1) + ", " + broken + "]");

    VigilRun run =
        vigil(
            "evaluate",
            "--policy",
            file("policy.yaml"),
            "--attestors",
            file("attestor.yaml"),
            "--attestations",
            attestations.toString(),
            "--now",
            "2026-11-25T12:00:00Z",
            "--cluster",
            "us-central1-a.prod",
            "--pod",
            file("pods.yaml"));

    assertEquals(1, run.code(), run.err());
    assertEquals("ALLOW", run.jsonLines().get(0).get("decision").asText(), run.out());
    assertTrue(
        run.err()
            .contains(
                "attestations.json: occurrence skipped: [1].attestation.attestation"
                    + ".pgpSignedAttestation.signature: is required"),
        run.err());
  }
}
