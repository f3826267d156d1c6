package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.WorkloadRef;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Follow-up schema v2 against a real broker, exactly-once: the records a SIEM reads from {@code
 * vigil.followups} (read_committed) for a fail-open admission of a denied image, escalated and then
 * acknowledged until a time with a ticket, each validate against {@code follow-up.schema.json} v2
 * and carry its CloudEvents type, with severity and images with digests.
 */
class FollowUpsSchemaIT {

  static final String API = "us-docker.pkg.dev/acme/app/api";

  @TempDir static Path dir;
  @RegisterExtension static final TestBroker broker = new TestBroker();

  @Test
  void everyFollowUpRecordIsSchemaV2() throws Exception {
    StreamsSettings settings =
        StreamsSettings.defaults(broker.bootstrapServers(), dir.resolve("state"))
            .withApplicationId("vigil-followups-schema-it")
            .withChangePollInterval(Duration.ofMillis(500));
    WorkloadRef owner = deployment("billing", "ledger");
    Predicate<FollowUp> ledger = f -> f.owner().equals(owner);
    try (VigilStreamsApp app = VigilStreamsApp.start(settings, new SimpleMeterRegistry());
        TestBroker.Outputs out = broker.outputs(List.of(Topics.FOLLOWUPS))) {
      // given a policy that denies every image, a fail-open admission and its pod
      PolicyDocument deny = Fixtures.enforced(1, "ALWAYS_DENY");
      broker.send(Topics.POLICIES, deny.key(), deny);
      AdmissionEvent a =
          Fixtures.failedOpen("schema-1", "billing", "ledger-1", owner, image(API, 'c'));
      broker.send(Topics.ADMISSION_EVENTS, a.key(), a);
      PodEvent p = added("billing", "ledger-1", 500, owner, image(API, 'c'));
      broker.send(Topics.POD_EVENTS, p.key(), p);
      FollowUp escalated =
          out.await(
                  Topics.FOLLOWUPS,
                  FollowUp.class,
                  1,
                  ledger.and(f -> f.state() == FollowUp.State.ESCALATED))
              .get(0);
      assertEquals(Severity.HIGH, escalated.severity());

      // when someone acknowledges it until a time, with a ticket
      Instant until = Instant.now().plusSeconds(3600);
      broker.send(
          Topics.FOLLOWUP_ACKS,
          escalated.key(),
          new FollowUpAck(
              escalated.followUpId(),
              FollowUpAck.Action.ACKNOWLEDGE,
              "alice",
              "maintenance window",
              Instant.now(),
              until,
              "OPS-7"));
      out.await(
          Topics.FOLLOWUPS,
          FollowUp.class,
          1,
          ledger.and(f -> f.state() == FollowUp.State.ACKNOWLEDGED));

      // then every record on the topic, as written, is a v2 document and says so in its CloudEvents
      // type
      JsonSchema schema =
          ViolationsIT.schemaOf(Topics.FOLLOWUPS, "https://vigil.dev/schemas/follow-up/v2");
      List<ConsumerRecord<byte[], byte[]>> records = out.records(Topics.FOLLOWUPS.name());
      assertTrue(records.size() >= 2, records.size() + " records");
      for (ConsumerRecord<byte[], byte[]> r : records) {
        JsonNode doc = Json.mapper().readTree(r.value());
        Set<ValidationMessage> errors = schema.validate(doc);
        assertTrue(errors.isEmpty(), errors + " in " + doc);
        assertEquals("dev.vigil.follow-up.v2", CloudEvents.get(r.headers(), CloudEvents.TYPE));
        assertTrue(doc.has("severity"), doc.toString());
        assertEquals(
            64 + "sha256:".length(),
            doc.get("images").get(0).get("digest").asText().length(),
            doc.toString());
      }
      JsonNode acked = Json.mapper().readTree(records.get(records.size() - 1).value());
      assertEquals("ACKNOWLEDGED", acked.get("state").asText());
      assertEquals("OPS-7", acked.get("ticket").asText());
      assertEquals(until, Instant.parse(acked.get("acknowledgedUntil").asText()));
    }
  }
}
