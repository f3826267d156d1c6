package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.cli.run.KafkaAccess;
import dev.vigil.cli.run.StreamsRuntime;
import dev.vigil.ingest.app.IngestApp;
import dev.vigil.ingest.app.IngestPlan;
import dev.vigil.ingest.app.IngestSettings;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.streams.StreamsSettings;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revocation end to end: the real ingest feeds and pod watcher (fabric8's CRUD mock API server),
 * the real streams topology, an embedded broker. A running pod's attestation goes away and the pod
 * is judged again, without any pod event.
 */
@EnableKubernetesMockClient(crud = true)
class FeedRevocationIT {

  // Strong reference: java.util.logging forgets levels of loggers nobody holds.
  static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");
  static final Duration WAIT = Duration.ofSeconds(120);
  static final String CLUSTER = "us-central1-a.test";
  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final String WORKER = "us-docker.pkg.dev/acme/app/worker";
  static final String API_DIGEST = "sha256:" + "a1".repeat(32);
  static final String WORKER_DIGEST = "sha256:" + "b2".repeat(32);

  KubernetesClient client;

  /** What a test does once ingest, streams and the verdict reader run. */
  @FunctionalInterface
  interface Scenario {
    void play(String bootstrapServers, Verdicts verdicts) throws Exception;
  }

  /**
   * Runs the policy requiring {@code ci}'s attestations, ingest with {@code plan}'s fact sources,
   * and streams.
   */
  void running(
      Path dir, Ci ci, Path attestations, IngestSettings.Grafeas grafeas, Scenario scenario)
      throws Exception {
    MOCK_LOG.setLevel(Level.WARNING);
    Path policy = Files.writeString(dir.resolve("policy.yaml"), ci.policyYaml());
    Path attestors = Files.writeString(dir.resolve("attestors.yaml"), ci.attestorYaml());
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      KafkaAccess access = KafkaAccess.of(kafka.bootstrapServers());
      access.createTopicsNow();
      IngestPlan plan =
          new IngestPlan(
              List.of(new IngestPlan.Watch(CLUSTER, client)),
              List.of(),
              null,
              new IngestSettings.Feeds(
                  policy,
                  null,
                  attestors,
                  "*",
                  attestations,
                  null,
                  Duration.ofMillis(500),
                  grafeas,
                  null));
      try (StreamsRuntime streams =
              StreamsRuntime.start(
                  access,
                  dir.resolve("state"),
                  Map.of(StreamsSettings.APPLICATION_ID.key(), "vigil-revocation-it"),
                  new SimpleMeterRegistry());
          IngestApp ingest =
              IngestApp.start(
                  plan, access.settings(), new SimpleMeterRegistry(), null, Clock.systemUTC());
          Verdicts verdicts = new Verdicts(kafka.bootstrapServers())) {
        streams.awaitRunning(WAIT);
        runPod("api", API + "@" + API_DIGEST);
        runPod("worker", WORKER + "@" + WORKER_DIGEST);
        assertEquals(
            Decision.ALLOW, verdicts.await("api", v -> v.decision() == Decision.ALLOW).decision());
        assertEquals(
            Decision.ALLOW,
            verdicts.await("worker", v -> v.decision() == Decision.ALLOW).decision());
        scenario.play(kafka.bootstrapServers(), verdicts);
      }
    }
  }

  @Test
  void aDeletedOccurrenceFileAndVigilRevokeEachTurnARunningPodFromAllowToDeny(@TempDir Path dir)
      throws Exception {
    Ci ci = new Ci();
    Path feed = Files.createDirectory(dir.resolve("attestations"));
    Path apiFile =
        Files.writeString(feed.resolve("api.json"), "[" + ci.occurrence(API, API_DIGEST) + "]");
    Files.writeString(
        feed.resolve("worker.json"), "[" + ci.occurrence(WORKER, WORKER_DIGEST) + "]");

    running(
        dir,
        ci,
        feed,
        null,
        (bootstrapServers, verdicts) -> {
          long removed = System.nanoTime();
          Files.delete(apiFile);
          Verdict api = verdicts.await("api", v -> v.decision() != Decision.ALLOW);
          long tookMs = (System.nanoTime() - removed) / 1_000_000;

          assertEquals(Decision.DENY, api.decision());
          assertEquals(Verdict.Trigger.ATTESTATION_CHANGE, api.trigger());
          System.out.printf(
              "occurrence file deleted -> DENY verdict in %d ms (feed interval 500 ms)%n", tookMs);

          VigilRun revoke =
              vigil(
                  "revoke",
                  "--digest",
                  WORKER_DIGEST,
                  "--by",
                  "alice@acme.example",
                  "--bootstrap-servers",
                  bootstrapServers);
          assertEquals(0, revoke.code(), revoke.err());
          JsonNode line = revoke.jsonLines().get(0);
          assertEquals(
              WORKER_DIGEST + "/projects/acme/occurrences/" + WORKER_DIGEST.substring(7, 23),
              line.path("revoked").asText());
          assertTrue(line.path("warning").asText().contains("worker.json"), line.toString());
          Verdict worker = verdicts.await("worker", v -> v.decision() != Decision.ALLOW);
          assertEquals(Decision.DENY, worker.decision());
          assertEquals(Verdict.Trigger.ATTESTATION_CHANGE, worker.trigger());

          VigilRun again =
              vigil("revoke", "--digest", WORKER_DIGEST, "--bootstrap-servers", bootstrapServers);
          assertEquals(3, again.code(), "nothing left to revoke: " + again.out());
        });
  }

  @Test
  void anOccurrenceDeletedFromGrafeasTurnsTheRunningPodFromAllowToDeny(@TempDir Path dir)
      throws Exception {
    Ci ci = new Ci();
    String api = ci.occurrence(API, API_DIGEST);
    String worker = ci.occurrence(WORKER, WORKER_DIGEST);
    // Two pages; page 2 first answers 503 once (retried), and later loses the worker's occurrence.
    AtomicReference<String> page2 = new AtomicReference<>("{\"occurrences\":[" + worker + "]}");
    AtomicInteger unavailable = new AtomicInteger(1);
    HttpServer grafeas =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    grafeas.createContext(
        "/v1/projects/acme/occurrences",
        ex -> {
          boolean second = ex.getRequestURI().getRawQuery().contains("pageToken=p2");
          int status = second && unavailable.getAndDecrement() > 0 ? 503 : 200;
          byte[] body =
              (status == 503
                      ? "{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\"}}"
                      : second
                          ? page2.get()
                          : "{\"occurrences\":[" + api + "],\"nextPageToken\":\"p2\"}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(status, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    grafeas.start();
    try {
      IngestSettings.Grafeas source =
          new IngestSettings.Grafeas(
              "acme",
              URI.create("http://127.0.0.1:" + grafeas.getAddress().getPort()),
              false,
              Duration.ofMillis(500));
      running(
          dir,
          ci,
          null,
          source,
          (bootstrapServers, verdicts) -> {
            page2.set("{}");
            Verdict v = verdicts.await("worker", x -> x.decision() != Decision.ALLOW);

            assertEquals(Decision.DENY, v.decision());
            assertEquals(Verdict.Trigger.ATTESTATION_CHANGE, v.trigger());
            assertEquals(
                Decision.ALLOW,
                verdicts.await("api", x -> true).decision(),
                "the other occurrence stays");
          });
    } finally {
      grafeas.stop(0);
    }
  }

  @Test
  void unusableRevokeArgumentsExitTwoWithoutTouchingKafka() {
    String kafka = "127.0.0.1:9";
    for (String[] args :
        List.of(
            new String[] {"revoke", "--bootstrap-servers", kafka},
            new String[] {"revoke", "--digest", "sha256:abc", "--bootstrap-servers", kafka},
            new String[] {"revoke", "--attestation", API_DIGEST, "--bootstrap-servers", kafka},
            new String[] {
              "revoke",
              "--attestation",
              API_DIGEST + "/x",
              "--digest",
              API_DIGEST,
              "--bootstrap-servers",
              kafka
            })) {
      VigilRun run = vigil(args);
      assertEquals(2, run.code(), String.join(" ", args) + " -> " + run.err());
      assertTrue(run.out().isEmpty(), String.join(" ", args));
    }
  }

  private void runPod(String name, String image) {
    client
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withNamespace("payments")
                .withName(name)
                .withUid(UUID.randomUUID().toString())
                .endMetadata()
                .withNewSpec()
                .withContainers(new ContainerBuilder().withName(name).withImage(image).build())
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withContainerStatuses(
                    new ContainerStatusBuilder()
                        .withName(name)
                        .withImage(image)
                        .withImageID(image)
                        .withReady(true)
                        .build())
                .endStatus()
                .build())
        .create();
  }

  /**
   * A CI attestor with a fresh ECDSA P-256 key: its attestor document, a policy requiring it, and
   * signed Grafeas occurrences (the production jar leaves the demo's own attestor out).
   */
  static final class Ci {
    private final KeyPair key;

    Ci() throws Exception {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      key = g.generateKeyPair();
    }

    String attestorYaml() {
      String pem =
          Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(key.getPublic().getEncoded())
              .replace("\n", "\n        ");
      return """
          name: projects/acme/attestors/built-by-ci
          userOwnedGrafeasNote:
            noteReference: projects/acme/notes/built-by-ci
            publicKeys:
            - id: ci-key-1
              pkixPublicKey:
                signatureAlgorithm: ECDSA_P256_SHA256
                publicKeyPem: |
                  -----BEGIN PUBLIC KEY-----
                  %s
                  -----END PUBLIC KEY-----
          """
          .formatted(pem);
    }

    String policyYaml() {
      return """
          defaultAdmissionRule:
            evaluationMode: REQUIRE_ATTESTATION
            enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
            requireAttestationsBy:
            - projects/acme/attestors/built-by-ci
          """;
    }

    /** A signed ATTESTATION occurrence for {@code repository@digest}, named after the digest. */
    String occurrence(String repository, String digest) throws Exception {
      byte[] payload =
          ("{\"critical\":{\"identity\":{\"docker-reference\":\""
                  + repository
                  + "\"},"
                  + "\"image\":{\"docker-manifest-digest\":\""
                  + digest
                  + "\"},"
                  + "\"type\":\"Google cloud binauthz container signature\"}}")
              .getBytes(StandardCharsets.UTF_8);
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(key.getPrivate());
      s.update(payload);
      return "{\"name\":\"projects/acme/occurrences/"
          + digest.substring(7, 23)
          + "\",\"kind\":\"ATTESTATION\","
          + "\"noteName\":\"projects/acme/notes/built-by-ci\",\"resourceUri\":\"https://"
          + repository
          + "@"
          + digest
          + "\",\"attestation\":{\"serializedPayload\":\""
          + Base64.getEncoder().encodeToString(payload)
          + "\","
          + "\"signatures\":[{\"publicKeyId\":\"ci-key-1\",\"signature\":\""
          + Base64.getEncoder().encodeToString(s.sign())
          + "\"}]},\"createTime\":\""
          + Instant.now()
          + "\"}";
    }
  }

  /** The verdicts topic, read as it grows: the latest verdict of each pod. */
  static final class Verdicts implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Verdict> latest = new HashMap<>();

    Verdicts(String bootstrapServers) {
      consumer =
          new KafkaConsumer<>(
              Map.of("bootstrap.servers", bootstrapServers),
              new StringDeserializer(),
              new ByteArrayDeserializer());
      List<TopicPartition> parts =
          consumer.partitionsFor(Topics.VERDICTS.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
    }

    /** Waits for the pod's latest verdict to satisfy {@code test}. */
    Verdict await(String pod, java.util.function.Predicate<Verdict> test) throws Exception {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          Verdict v = Json.read(r.value(), Verdict.class);
          latest.put(v.podName(), v);
        }
        Verdict v = latest.get(pod);
        if (v != null && test.test(v)) {
          return v;
        }
      }
      throw new AssertionError(
          "no such verdict for " + pod + " within " + WAIT + "; latest: " + latest.get(pod));
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
