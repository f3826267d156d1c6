package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.cli.FeedRevocationIT.Verdicts;
import dev.vigil.cli.run.KafkaAccess;
import dev.vigil.cli.run.StreamsRuntime;
import dev.vigil.ingest.app.IngestApp;
import dev.vigil.ingest.app.IngestPlan;
import dev.vigil.ingest.app.IngestSettings;
import dev.vigil.ingest.cosign.LocalRegistry;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Verdict;
import dev.vigil.streams.StreamsSettings;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cosign signatures end to end: Debian's docker-registry holding cosign's own signature of an
 * image, the real ingest (pod watcher on fabric8's CRUD mock, the cosign feed), the real streams
 * topology and an embedded broker, under a platform policy with {@code sigstoreSignatureCheck}.
 */
@EnableKubernetesMockClient(crud = true)
class CosignIT {

  static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");
  static final String DIGEST = LocalRegistry.SIGNED_DIGEST;

  KubernetesClient client;

  @Test
  void aSignatureInTheRegistryAllowsOneByAnotherKeyDeniesAndAnUnreachableRegistryIsUnknown(
      @TempDir Path dir) throws Exception {
    MOCK_LOG.setLevel(Level.WARNING);
    Path policy =
        Files.writeString(
            dir.resolve("policy.yaml"),
            """
        defaultAdmissionRule:
          evaluationMode: ALWAYS_ALLOW
          enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
        """);
    Path platform =
        Files.writeString(
            dir.resolve("platform.yaml"), LocalRegistry.platformPolicyRequiringCosignPub());
    try (LocalRegistry registry = LocalRegistry.start(dir);
        KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      registry.pushSignature("acme/api", DIGEST, "/cosign/valid.signature");
      KafkaAccess access = KafkaAccess.of(kafka.bootstrapServers());
      access.createTopicsNow();
      IngestPlan plan =
          new IngestPlan(
              List.of(new IngestPlan.Watch("us-central1-a.test", client)),
              List.of(),
              null,
              new IngestSettings.Feeds(
                  policy,
                  platform,
                  null,
                  "*",
                  null,
                  null,
                  Duration.ofMillis(500),
                  null,
                  new IngestSettings.Cosign(
                      Duration.ofSeconds(2), null, List.of(registry.host()))));
      try (StreamsRuntime streams =
              StreamsRuntime.start(
                  access,
                  dir.resolve("state"),
                  Map.of(StreamsSettings.APPLICATION_ID.key(), "vigil-cosign-it"),
                  new SimpleMeterRegistry());
          IngestApp ingest =
              IngestApp.start(
                  plan, access.settings(), new SimpleMeterRegistry(), null, Clock.systemUTC());
          Verdicts verdicts = new Verdicts(kafka.bootstrapServers())) {
        streams.awaitRunning(FeedRevocationIT.WAIT);
        String image = registry.host() + "/acme/api@" + DIGEST;
        client
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withNamespace("payments")
                    .withName("api")
                    .withUid("uid-api")
                    .endMetadata()
                    .withNewSpec()
                    .withContainers(new ContainerBuilder().withName("api").withImage(image).build())
                    .endSpec()
                    .withNewStatus()
                    .withPhase("Running")
                    .withContainerStatuses(
                        new ContainerStatusBuilder()
                            .withName("api")
                            .withImage(image)
                            .withImageID(image)
                            .withReady(true)
                            .build())
                    .endStatus()
                    .build())
            .create();

        Verdict signed = verdicts.await("api", v -> v.decision() == Decision.ALLOW);
        registry.pushSignature("acme/api", DIGEST, "/cosign/unknown-cosign-key.signature");
        Verdict other = verdicts.await("api", v -> v.decision() != Decision.ALLOW);
        registry.close();
        Verdict unreadable = verdicts.await("api", v -> v.decision() != Decision.DENY);

        assertEquals(Decision.ALLOW, signed.decision());
        assertEquals(Decision.DENY, other.decision());
        assertEquals(Verdict.Trigger.ATTESTATION_CHANGE, other.trigger());
        assertEquals(
            Decision.UNKNOWN,
            unreadable.decision(),
            "a registry that cannot be read is never ALLOW");
      }
    }
  }
}
