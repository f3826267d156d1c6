package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.TemplateVerdict;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.Transition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Violation schema v2 against a real broker, exactly-once: what a SIEM reading {@code
 * vigil.violations} (read_committed) gets for a policy edit that concerns another namespace
 * (nothing), one that changes a violating pod's failing rule (one CHANGED), and a deleted pod
 * (RESOLVED); every record validates against {@code violation-transition.schema.json} v2.
 */
class ViolationsIT {

  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final String WEB = "us-docker.pkg.dev/acme/app/web";

  @TempDir static Path dir;
  @RegisterExtension static final TestBroker broker = new TestBroker();

  static void send(PolicyDocument d) throws Exception {
    broker.send(Topics.POLICIES, d.key(), d);
  }

  static void send(PodEvent e) throws Exception {
    broker.send(Topics.POD_EVENTS, e.key(), e);
  }

  static JsonSchema violationSchema() throws Exception {
    return schemaOf(Topics.VIOLATIONS, "https://vigil.dev/schemas/violation-transition/v2");
  }

  /** The JSON Schema of {@code topic}'s values, as shipped; it must have the {@code $id} given. */
  static JsonSchema schemaOf(Topic<?> topic, String id) throws Exception {
    try (InputStream in =
        ViolationsIT.class.getClassLoader().getResourceAsStream("schemas/" + topic.schema())) {
      JsonNode node = Json.mapper().readTree(in);
      assertEquals(id, node.get("$id").asText());
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
          .getSchema(node, SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    }
  }

  @Test
  void aSiemSeesOnlyRealChangesAndEveryRecordIsSchemaV2() throws Exception {
    StreamsSettings settings =
        StreamsSettings.defaults(broker.bootstrapServers(), dir.resolve("state"))
            .withApplicationId("vigil-violations-it")
            .withChangePollInterval(Duration.ofMillis(500));
    try (VigilStreamsApp app = VigilStreamsApp.start(settings, new SimpleMeterRegistry());
        TestBroker.Outputs out =
            broker.outputs(List.of(Topics.VERDICTS, Topics.VIOLATIONS, Topics.TEMPLATE_VERDICTS))) {
      // given the policy is in force (a compliant pod is judged ALLOW) and one pod violates it
      send(new Fixtures.Signer().attestor(1));
      send(QuietViolationsTest.policy(1, "DRYRUN_AUDIT_LOG_ONLY", false));
      send(added("web", "web-1", 10, deployment("web", "web"), image(WEB, 'b')));
      out.await(
          Topics.VERDICTS,
          Verdict.class,
          1,
          v -> v.podName().equals("web-1") && v.decision() == Decision.ALLOW);
      send(added("payments", "api-1", 11, deployment("payments", "api"), image(API, 'a')));
      ViolationTransition opened =
          out.await(Topics.VIOLATIONS, ViolationTransition.class, 1, x -> true).get(0);
      assertEquals(Transition.OPENED, opened.transition());
      assertEquals(Decision.DENY, opened.current());
      assertEquals(Severity.HIGH, opened.severity());

      // when a policy edit concerns another namespace
      send(QuietViolationsTest.policy(2, "ENFORCED_BLOCK_AND_AUDIT_LOG", false));
      // then both pods' templates are judged again under it and confirmed, one template verdict
      // each (in the transaction that would hold any transition; ADR 0150) ...
      List<TemplateVerdict> confirmed =
          out.await(
              Topics.TEMPLATE_VERDICTS,
              TemplateVerdict.class,
              2,
              t -> t.policyVersions().stream().anyMatch(v -> v.endsWith("policy@2")));
      assertEquals(
          List.of("api-1", "web-1"),
          confirmed.stream()
              .flatMap(t -> t.pods().stream())
              .map(k -> k.substring(k.lastIndexOf('/') + 1))
              .sorted()
              .toList());
      // ... and the violations topic holds nothing new
      assertEquals(
          1,
          out.records(Topics.VIOLATIONS.name()).size(),
          out.records(Topics.VIOLATIONS.name()).toString());

      // when an edit changes the violating pod's failing rule
      send(QuietViolationsTest.policy(3, "ENFORCED_BLOCK_AND_AUDIT_LOG", true));
      // (its outcome changed: a verdict of its own; the compliant pod's is confirmed)
      out.await(
          Topics.VERDICTS,
          Verdict.class,
          1,
          v -> v.podName().equals("api-1") && judgedUnder("policy@3").test(v));
      out.await(
          Topics.TEMPLATE_VERDICTS,
          TemplateVerdict.class,
          1,
          t -> t.policyVersions().stream().anyMatch(v -> v.endsWith("policy@3")));
      // then exactly one CHANGED
      List<ViolationTransition> all =
          out.await(Topics.VIOLATIONS, ViolationTransition.class, 2, x -> true);
      assertEquals(2, all.size(), all.toString());
      assertEquals(Transition.CHANGED, all.get(1).transition());
      assertEquals(
          List.of("kubernetesServiceAccountAdmissionRules[payments:default]"), all.get(1).rules());
      assertEquals(opened.violationId(), all.get(1).violationId());

      // and a deleted pod resolves it
      send(
          Fixtures.pod(
              PodEvent.Type.DELETED,
              "payments",
              "api-1",
              12,
              deployment("payments", "api"),
              image(API, 'a')));
      ViolationTransition resolved =
          out.await(Topics.VIOLATIONS, ViolationTransition.class, 3, x -> true).get(2);
      assertEquals(Transition.RESOLVED, resolved.transition());
      assertTrue(
          resolved.policyVersions().stream().anyMatch(v -> v.endsWith("policy@3")),
          resolved.toString());

      // every record on the topic, as written, is a v2 document and says so in its CloudEvents type
      JsonSchema schema = violationSchema();
      List<ConsumerRecord<byte[], byte[]>> records = out.records(Topics.VIOLATIONS.name());
      assertEquals(3, records.size());
      for (ConsumerRecord<byte[], byte[]> r : records) {
        JsonNode doc = Json.mapper().readTree(r.value());
        Set<ValidationMessage> errors = schema.validate(doc);
        assertTrue(errors.isEmpty(), errors + " in " + doc);
        assertEquals(
            "dev.vigil.violation-transition.v2", CloudEvents.get(r.headers(), CloudEvents.TYPE));
        for (String field :
            List.of("category", "severity", "rules", "summary", "images", "policyVersions")) {
          assertTrue(doc.has(field), field + " in " + doc);
        }
        assertEquals(
            64 + "sha256:".length(),
            doc.get("images").get(0).get("digest").asText().length(),
            doc.toString());
      }
    }
  }

  static Predicate<Verdict> judgedUnder(String version) {
    return v ->
        v.trigger() == Verdict.Trigger.POLICY_CHANGE
            && v.policyVersions().stream().anyMatch(x -> x.endsWith(version));
  }
}
