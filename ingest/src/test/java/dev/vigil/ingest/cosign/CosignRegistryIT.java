package dev.vigil.ingest.cosign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.RecordingPublisher;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.WorkloadRef;
import dev.vigil.validator.Evaluation;
import dev.vigil.validator.Evaluator;
import dev.vigil.validator.Facts;
import dev.vigil.validator.PodContext;
import dev.vigil.validator.PolicySet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cosign signatures read from a real registry: Debian's {@code docker-registry} (the CNCF
 * distribution registry), started by the test, with signature manifests pushed by the test through
 * Jib's registry client. The signatures are cosign's own (src/test/resources/cosign/README.md).
 */
class CosignRegistryIT {

  static final String DIGEST = LocalRegistry.SIGNED_DIGEST;
  static final String IMAGE = "192.168.64.2:5000/cosign-signed-single-sample";

  @TempDir static Path dir;
  static LocalRegistry registry;
  static String host;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = LocalRegistry.start(dir);
    host = registry.host();
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (registry != null) {
      registry.close();
    }
  }

  static void pushSignature(String repository, String signatureResource) throws Exception {
    registry.pushSignature(repository, DIGEST, "/cosign/" + signatureResource);
  }

  /**
   * The pod running {@link #IMAGE} at {@link #DIGEST}, judged under a platform policy requiring
   * cosign.pub.
   */
  static Evaluation judge(List<Attestation> signatures) throws Exception {
    String platform = LocalRegistry.platformPolicyRequiringCosignPub();
    PolicySet set =
        PolicySet.parse(
            doc(
                PolicyDocument.Kind.BINAUTHZ_POLICY,
                "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n"),
            doc(PolicyDocument.Kind.PLATFORM_POLICY, platform),
            List.of());
    PodContext pod =
        new PodContext(
            "us-central1-a.test",
            "default",
            "pod",
            "default",
            List.of(
                new ContainerImage(
                    "c0", ContainerImage.Kind.CONTAINER, IMAGE + "@" + DIGEST, null)),
            Map.of(),
            Map.of());
    return Evaluator.create()
        .evaluate(pod, set, Facts.of(Map.of(DIGEST, signatures), Map.of()), Instant.now());
  }

  static PolicyDocument doc(PolicyDocument.Kind kind, String yaml) throws Exception {
    return new PolicyDocument(
        "*",
        kind,
        kind.name().toLowerCase(),
        1,
        PolicyDocument.Format.YAML,
        yaml,
        LocalRegistry.digestOf(yaml.getBytes(StandardCharsets.UTF_8)).getHash(),
        "test",
        Instant.now());
  }

  final CosignSignatures cosign =
      new CosignSignatures(registry -> Optional.empty(), registry -> true);

  @Test
  void aSignaturePushedToTheRegistryMakesThePodAllowedUnderSigstoreSignatureCheck()
      throws Exception {
    pushSignature("signed/app", "valid.signature");

    var found =
        assertInstanceOf(CosignSignatures.Found.class, cosign.fetch(host + "/signed/app", DIGEST));
    Evaluation e = judge(found.signatures());

    assertEquals(1, found.signatures().size(), found.skipped().toString());
    Attestation a = found.signatures().get(0);
    assertEquals(DIGEST, a.imageDigest());
    assertEquals(DIGEST + "/" + a.occurrence(), a.key());
    assertTrue(
        a.occurrence().startsWith("cosign:" + host + "/signed/app:sha256-634a8f35"),
        a.occurrence());
    assertEquals(Decision.ALLOW, e.decision(), e.images().get(0).checkResults().toString());
  }

  @Test
  void aSignatureByAnotherKeyIsReadButTheCheckDenies() throws Exception {
    pushSignature("tampered/app", "unknown-cosign-key.signature");

    var found =
        assertInstanceOf(
            CosignSignatures.Found.class, cosign.fetch(host + "/tampered/app", DIGEST));
    Evaluation e = judge(found.signatures());

    assertEquals(1, found.signatures().size());
    assertEquals(Decision.DENY, e.decision(), e.images().get(0).checkResults().toString());
  }

  @Test
  void anImageWithoutASignatureManifestIsUnsignedAndTheCheckDenies() throws Exception {
    pushSignature("other/app", "valid.signature");

    CosignSignatures.Result r = cosign.fetch(host + "/unsigned/app", DIGEST);
    CosignSignatures.Result otherDigest =
        cosign.fetch(host + "/other/app", "sha256:" + "0".repeat(64));

    assertInstanceOf(CosignSignatures.Unsigned.class, r);
    assertInstanceOf(CosignSignatures.Unsigned.class, otherDigest);
    assertEquals(Decision.DENY, judge(List.of()).decision());
  }

  @Test
  void aRegistryThatCannotBeReachedIsUnreachableNotUnsigned() throws Exception {
    int closed = LocalRegistry.freePort();

    CosignSignatures.Result r = cosign.fetch("127.0.0.1:" + closed + "/signed/app", DIGEST);

    var u = assertInstanceOf(CosignSignatures.Unreachable.class, r);
    assertTrue(u.reason().startsWith("127.0.0.1:" + closed), u.reason());
  }

  /** A pod running {@code image}, as the pod watcher publishes it. */
  static Outgoing<PodEvent> podRunning(String image) {
    PodEvent e =
        new PodEvent(
            java.util.UUID.randomUUID().toString(),
            "us-central1-a.test",
            PodEvent.Type.ADDED,
            "default",
            "app-1",
            "uid-1",
            "default",
            "Running",
            new WorkloadRef(WorkloadRef.Kind.POD, "default", "app-1"),
            List.of(new ContainerImage("app", ContainerImage.Kind.CONTAINER, image, null)),
            Map.of(),
            Map.of(),
            "1",
            Instant.now());
    return new Outgoing<>(Topics.POD_EVENTS, e.key(), e, e.eventId(), e.observedAt());
  }

  @Test
  void theFeedPublishesTheSignaturesOfRunningImagesReadsThemAgainAfterTheTtlAndRevokesARemovedOne()
      throws Exception {
    pushSignature("feed/app", "valid.signature");
    RecordingPublisher published = new RecordingPublisher();
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-30T12:00:00Z"));
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    CosignFeed feed =
        new CosignFeed(cosign, published, IngestMetrics.NOOP, clock, Duration.ofMinutes(10), 100);

    feed.tap(published).publishAll(List.of(podRunning(host + "/feed/app@" + DIGEST)));
    CosignFeed.Summary first = feed.refresh();
    CosignFeed.Summary withinTtl = feed.refresh();
    now.set(now.get().plus(Duration.ofMinutes(11)));
    CosignFeed.Summary unchanged = feed.refresh();
    registry.pushUnsigned("feed/app", DIGEST);
    now.set(now.get().plus(Duration.ofMinutes(11)));
    CosignFeed.Summary removed = feed.refresh();

    assertEquals(new CosignFeed.Summary(1, 1, 0, 0), first);
    assertEquals(new CosignFeed.Summary(0, 0, 0, 0), withinTtl);
    assertEquals(
        new CosignFeed.Summary(1, 0, 0, 0),
        unchanged,
        "an unchanged signature is not published again");
    assertEquals(new CosignFeed.Summary(1, 0, 1, 0), removed);
    List<Attestation> signatures =
        published.values(Topics.ATTESTATIONS).stream().filter(a -> a != null).toList();
    assertEquals(Decision.ALLOW, judge(signatures).decision());
    String key = signatures.get(0).key();
    assertEquals(Map.of(key, "cosign:" + host + "/feed/app@" + DIGEST), published.tombstones());
  }

  @Test
  void anExpiredAnswerFromAnUnreachableRegistryBecomesUnknownNeverAllow() throws Exception {
    // A second registry, stopped after the first read.
    LocalRegistry second = LocalRegistry.start(Files.createDirectories(dir.resolve("second")));
    second.pushSignature("moving/app", DIGEST, "/cosign/valid.signature");
    RecordingPublisher published = new RecordingPublisher();
    AtomicInteger failures = new AtomicInteger();
    IngestMetrics metrics =
        new IngestMetrics() {
          @Override
          public void feedFailed(String feed, String reason) {
            failures.incrementAndGet();
          }
        };
    CosignFeed feed =
        new CosignFeed(cosign, published, metrics, Clock.systemUTC(), Duration.ZERO, 100);
    feed.seen(podRunning(second.host() + "/moving/app@" + DIGEST).value());

    feed.refresh();
    List<Attestation> read = published.values(Topics.ATTESTATIONS);
    published.records.clear();
    second.close();
    CosignFeed.Summary s = feed.refresh();
    CosignFeed.Summary again = feed.refresh();

    assertEquals(
        new CosignFeed.Summary(1, 1, 1, 1),
        s,
        "the signature withdrawn, the unreadable fact published");
    assertEquals(new CosignFeed.Summary(1, 0, 0, 1), again, "asked again, nothing new to publish");
    assertEquals(Decision.ALLOW, judge(read).decision());
    List<Attestation> now =
        published.values(Topics.ATTESTATIONS).stream().filter(a -> a != null).toList();
    Evaluation e = judge(now);
    assertEquals(Decision.UNKNOWN, e.decision(), e.images().get(0).checkResults().toString());
    assertEquals(
        Map.of(read.get(0).key(), "cosign:" + second.host() + "/moving/app@" + DIGEST),
        published.tombstones());
    assertEquals(2, failures.get());
  }

  @Test
  void googleRegistriesGetTheAccessTokenAsOauth2accesstokenAndOthersNothing() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    var google =
        CosignSignatures.google(
            () -> {
              asked.incrementAndGet();
              return "ya29.token";
            });
    var broken =
        CosignSignatures.google(
            () -> {
              throw new IOException("no metadata server");
            });

    var ar = google.apply("us-docker.pkg.dev").orElseThrow();

    assertEquals("oauth2accesstoken", ar.getUsername());
    assertEquals("ya29.token", ar.getPassword());
    assertTrue(google.apply("eu.gcr.io").isPresent());
    assertEquals(Optional.empty(), google.apply(host));
    assertEquals(Optional.empty(), google.apply("ghcr.io"));
    assertEquals(2, asked.get(), "no token is asked for registries that are not Google's");
    assertEquals(
        Optional.empty(), broken.apply("us-docker.pkg.dev"), "anonymous when no token can be had");
  }
}
