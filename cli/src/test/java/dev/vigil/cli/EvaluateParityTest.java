package dev.vigil.cli;

import static dev.vigil.cli.EvaluateCommandTest.evaluate;
import static dev.vigil.cli.EvaluateCommandTest.file;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.ingest.translate.OwnerLookup;
import dev.vigil.ingest.translate.PodTranslator;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.validator.Documents;
import dev.vigil.validator.Evaluation;
import dev.vigil.validator.Evaluator;
import dev.vigil.validator.Facts;
import dev.vigil.validator.GrafeasOccurrences;
import dev.vigil.validator.PodContext;
import dev.vigil.validator.PolicySet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code vigil evaluate} judges what production judges: the same pods, read once by the command and
 * once by the path the watchers and the audit receiver take (PodTranslator, PodContext, Evaluator),
 * give the same decisions and the same per-image results in the same order.
 */
class EvaluateParityTest {

  static final Instant AT = Instant.parse("2026-11-25T12:00:00Z");
  static final String CLUSTER = "us-central1-a.prod";

  @Test
  void evaluateAndTheProductionPathGiveTheSameVerdicts() throws Exception {
    List<JsonNode> pods =
        Documents.readAll(
            Files.readString(Path.of(file("parity-pods.yaml"))), PolicyDocument.Format.YAML);
    VigilRun run = evaluate("parity-pods.yaml");
    List<JsonNode> cli = run.jsonLines();

    assertEquals(pods.size(), cli.size(), run.out() + run.err());
    PolicySet policies = policies();
    Facts facts = facts();
    for (int i = 0; i < pods.size(); i++) {
      PodEvent event =
          PodTranslator.translate(CLUSTER, PodEvent.Type.ADDED, pods.get(i), OwnerLookup.NONE, AT);
      Evaluation production =
          Evaluator.create().evaluate(PodContext.of(event), policies, facts, AT);
      String pod = event.namespace() + "/" + event.name();

      assertEquals(
          pod, cli.get(i).get("namespace").asText() + "/" + cli.get(i).get("name").asText());
      assertEquals(production.decision().name(), cli.get(i).get("decision").asText(), pod);
      assertEquals(Json.mapper().valueToTree(production.images()), cli.get(i).get("images"), pod);
    }
    // The cases the two parsers used to disagree on, pinned so the comparison cannot pass
    // vacuously.
    assertEquals(
        "migrate",
        cli.get(0).get("images").get(2).get("container").asText(),
        cli.get(0).toString());
    assertEquals("UNKNOWN", cli.get(1).get("decision").asText(), cli.get(1).toString());
    assertEquals(1, run.code(), run.err());
  }

  private static PolicySet policies() throws Exception {
    return PolicySet.parse(
        document("policy.yaml", PolicyDocument.Kind.BINAUTHZ_POLICY),
        null,
        List.of(document("attestor.yaml", PolicyDocument.Kind.ATTESTOR)));
  }

  private static PolicyDocument document(String name, PolicyDocument.Kind kind) throws Exception {
    String content = Files.readString(Path.of(file(name)));
    return PolicyDocument.of("*", kind, name, 1, PolicyDocument.Format.YAML, content, name, AT);
  }

  private static Facts facts() throws Exception {
    Map<String, List<dev.vigil.schemas.Attestation>> byDigest = new HashMap<>();
    String content = Files.readString(Path.of(file("attestations.json")));
    for (var a :
        GrafeasOccurrences.read("attestations.json", content, PolicyDocument.Format.JSON)
            .attestations()) {
      byDigest.computeIfAbsent(a.imageDigest(), k -> new ArrayList<>()).add(a);
    }
    return Facts.of(byDigest, Map.of());
  }
}
