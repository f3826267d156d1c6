package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil replay}'s unusable inputs: exit 2, one line naming the file and field, no broker
 * started.
 */
class ReplayCommandIT {

  static final Path SCENARIO = ReplayScenariosIT.ROOT.resolve("breakglass");

  static List<String> base(String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "replay",
                "--cluster",
                "c1",
                "--policy",
                SCENARIO.resolve("policy.yaml").toString(),
                "--attestors",
                SCENARIO.resolve("attestors.yaml").toString()));
    a.addAll(List.of(more));
    return a;
  }

  @Test
  void unusableInputExitsTwoNamingFileAndField(@TempDir Path dir) throws Exception {
    Path badPolicy =
        Files.writeString(
            dir.resolve("bad-policy.yaml"),
            "defaultAdmissionRule:\n  evaluationMode: SOMETIMES\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n");
    Path notJson =
        Files.writeString(dir.resolve("pods.jsonl"), "{\"type\":\"ADDED\",\"object\":{}}\n{oops\n");
    Path noName =
        Files.writeString(
            dir.resolve("noname.jsonl"),
            "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"namespace\":\"a\"},"
                + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}\n");
    Path weirdType =
        Files.writeString(dir.resolve("type.jsonl"), "{\"type\":\"CREATED\",\"object\":{}}\n");
    Path notAudit = Files.writeString(dir.resolve("audit.jsonl"), "{\"kind\":\"Pod\"}\n");
    Path badOccurrence =
        Files.writeString(
            dir.resolve("att.json"),
            "[{\"name\":\"projects/p/occurrences/o1\",\"kind\":\"ATTESTATION\",\"noteName\":\"n\","
                + "\"resourceUri\":\"https://x/y:latest\",\"attestation\":{}}]");
    Path kept = Files.createDirectories(dir.resolve("kept"));
    Files.writeString(kept.resolve("something"), "x");

    record Case(List<String> args, String mustName) {}
    List<Case> cases =
        List.of(
            new Case(
                List.of("replay", "--policy", badPolicy.toString()),
                "bad-policy.yaml: defaultAdmissionRule.evaluationMode"),
            new Case(
                List.of("replay", "--policy", dir.resolve("missing.yaml").toString()),
                "missing.yaml: no such file"),
            new Case(base("--pods", notJson.toString()), "pods.jsonl: line 2"),
            new Case(base("--pods", noName.toString()), "noname.jsonl: line 1"),
            new Case(base("--pods", weirdType.toString()), "type.jsonl: line 1.type"),
            new Case(base("--audit", notAudit.toString()), "audit.jsonl: line 1.apiVersion"),
            new Case(
                base("--attestations", badOccurrence.toString()),
                "att.json: projects/p/occurrences/o1"),
            new Case(base("--keep-data", kept.toString()), "kept: --keep-data"),
            new Case(base("--cluster", "a/b"), "--cluster"),
            new Case(List.of("replay", "--pods", notJson.toString()), "--policy"));
    for (Case c : cases) {
      VigilRun run = vigil(c.args());
      assertEquals(2, run.code(), c.args() + " -> " + run.err());
      assertTrue(run.out().isEmpty(), c.args().toString());
      assertTrue(run.err().contains(c.mustName()), c.mustName() + " in: " + run.err());
    }
  }
}
