package dev.vigil.ingest.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.RecordingPublisher;
import dev.vigil.ingest.TestResources;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.ImageMetadata;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.validator.GrafeasOccurrences;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeedsTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC);
  RecordingPublisher publisher = new RecordingPublisher();
  AtomicInteger rejected = new AtomicInteger();
  AtomicInteger revoked = new AtomicInteger();
  IngestMetrics metrics =
      new IngestMetrics() {
        @Override
        public void policyRejected(String kind) {
          rejected.incrementAndGet();
        }

        @Override
        public void revoked(String topic, int count) {
          revoked.addAndGet(count);
        }
      };

  PolicyFilePublisher policyPublisher(Path file, PolicyDocument last) {
    return new PolicyFilePublisher(
        file,
        PolicyDocument.Kind.BINAUTHZ_POLICY,
        "*",
        "projects/acme/policy",
        PolicyValidator.standard(),
        publisher,
        metrics,
        CLOCK,
        last);
  }

  @Test
  void eachNewValidRevisionIsPublishedWithTheNextVersion(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.write(file, TestResources.bytes("/binauthz-codelab/allow_all_policy.yaml"));
    PolicyFilePublisher p = policyPublisher(file, null);

    var first = p.check();
    var again = p.check();
    Files.write(file, TestResources.bytes("/binauthz-codelab/deny_all_policy.yaml"));
    var second = p.check();

    PolicyDocument v1 = assertInstanceOf(PolicyFilePublisher.Published.class, first).document();
    assertEquals(1, v1.version());
    assertEquals("BINAUTHZ_POLICY/*/projects/acme/policy", v1.key());
    assertEquals(PolicyDocument.Format.YAML, v1.format());
    assertInstanceOf(PolicyFilePublisher.Unchanged.class, again);
    assertEquals(
        2, assertInstanceOf(PolicyFilePublisher.Published.class, second).document().version());
    assertEquals(
        List.of(1L, 2L),
        publisher.values(Topics.POLICIES).stream().map(PolicyDocument::version).toList());
  }

  @Test
  void anInvalidRevisionIsRejectedCountedAndTheLastGoodOneStays(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.write(file, TestResources.bytes("/binauthz-codelab/allow_all_policy.yaml"));
    PolicyFilePublisher p = policyPublisher(file, null);
    p.check();

    Files.writeString(
        file,
        "defaultAdmissionRule:\n  evaluationMode: SOMETIMES_ALLOW\n"
            + "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n");
    var bad = p.check();
    var badAgain = p.check();
    Files.writeString(file, "defaultAdmissionRule: [not, a, rule");
    var unreadable = p.check();

    var rejection = assertInstanceOf(PolicyFilePublisher.Rejected.class, bad);
    assertTrue(
        rejection.reason().getMessage().contains("evaluationMode"),
        rejection.reason().getMessage());
    assertInstanceOf(PolicyFilePublisher.Unchanged.class, badAgain);
    assertInstanceOf(PolicyFilePublisher.Rejected.class, unreadable);
    assertEquals(2, rejected.get());
    assertEquals(1, p.version());
    assertEquals(1, publisher.values(Topics.POLICIES).size());
  }

  @Test
  void aRestartedPublisherContinuesFromTheTopicAndDoesNotRepublishTheSameContent(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.write(file, TestResources.bytes("/binauthz-codelab/allow_all_policy.yaml"));
    policyPublisher(file, null).check();
    PolicyDocument onTopic = publisher.values(Topics.POLICIES).get(0);

    PolicyFilePublisher restarted = policyPublisher(file, onTopic);
    var same = restarted.check();
    Files.write(file, TestResources.bytes("/binauthz-codelab/deny_all_policy.yaml"));
    var changed = restarted.check();

    assertInstanceOf(PolicyFilePublisher.Unchanged.class, same);
    assertEquals(
        2, assertInstanceOf(PolicyFilePublisher.Published.class, changed).document().version());
  }

  @Test
  void grafeasOccurrencesBecomeAttestationsKeyedByDigestAndOccurrence(@TempDir Path dir)
      throws Exception {
    Files.write(dir.resolve("a.json"), TestResources.bytes("/feeds/attestations.json"));
    Files.writeString(
        dir.resolve("broken.json"),
        "[{\"name\": \"projects/acme/occurrences/x\", \"noteName\": \"n\", "
            + "\"resourceUri\": \"https://gcr.io/acme/app:latest\", \"attestation\": {}}]");
    JsonFileFeed feed = JsonFileFeed.attestations(dir, publisher, IngestMetrics.NOOP, CLOCK);

    JsonFileFeed.Summary first = feed.scan();
    JsonFileFeed.Summary second = feed.scan();

    assertEquals(new JsonFileFeed.Summary(2, 2, 3, 1, 0), first);
    assertEquals(new JsonFileFeed.Summary(2, 0, 0, 0, 0), second);
    List<Attestation> got = publisher.values(Topics.ATTESTATIONS);
    assertEquals(2, got.size());
    assertEquals("sha256:" + "ab".repeat(32), got.get(0).imageDigest());
    assertEquals(
        "sha256:"
            + "ab".repeat(32)
            + "/projects/acme/occurrences/8f1c0000-0000-4000-8000-000000000001",
        got.get(0).key());
    assertEquals("0123456789ABCDEF", got.get(1).pgpSignedAttestation().pgpKeyId());
    DeadLetter letter = publisher.values(Topics.DEAD_LETTER).get(0);
    assertTrue(letter.error().contains("resourceUri: must end in @sha256"), letter.error());
  }

  @Test
  void everyOccurrenceShapeIsReadByTheFeedAsVigilEvaluateReadsIt(@TempDir Path dir)
      throws Exception {
    byte[] content = TestResources.bytes("/feeds/attestations-every-shape.json");
    Files.write(dir.resolve("shapes.json"), content);

    JsonFileFeed.attestations(dir, publisher, IngestMetrics.NOOP, CLOCK).scan();
    // what vigil evaluate reads from an --attestations file
    GrafeasOccurrences.Occurrences evaluate =
        GrafeasOccurrences.read(
            "shapes.json",
            new String(content, java.nio.charset.StandardCharsets.UTF_8),
            PolicyDocument.Format.JSON);

    assertEquals(List.of(), evaluate.skipped());
    assertEquals(List.of(), publisher.values(Topics.DEAD_LETTER));
    Map<String, Attestation> feed = new TreeMap<>();
    publisher.values(Topics.ATTESTATIONS).forEach(a -> feed.put(a.key(), a));
    Map<String, Attestation> validator = new TreeMap<>();
    evaluate.attestations().forEach(a -> validator.put(a.key(), a));
    assertEquals(validator, feed);
    assertEquals(
        List.of(
            "projects/acme/occurrences/v1",
            "projects/acme/occurrences/v1beta1-generic",
            "projects/acme/occurrences/v1beta1-pgp"),
        feed.values().stream().map(Attestation::occurrence).sorted().toList());
    Attestation generic =
        feed.get("sha256:" + "cd".repeat(32) + "/projects/acme/occurrences/v1beta1-generic");
    assertEquals("eyJjcml0aWNhbCI6e319", generic.serializedPayload());
    assertEquals(
        List.of(
            new Attestation.Signature(
                "//cloudkms.googleapis.com/v1/projects/acme/keys/k", "MEQCIA==")),
        generic.signatures());
  }

  @Test
  void imageMetadataFilesArePublishedByDigestAndBadOnesDeadLettered(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("meta.json");
    Files.write(file, TestResources.bytes("/feeds/image-metadata.json"));
    JsonFileFeed feed = JsonFileFeed.imageMetadata(file, publisher, IngestMetrics.NOOP, CLOCK);

    feed.scan();
    Files.writeString(file, "{\"imageDigest\": \"latest\"}");
    JsonFileFeed.Summary bad = feed.scan();

    List<ImageMetadata> got = publisher.values(Topics.IMAGE_METADATA);
    assertEquals(2, got.size());
    assertEquals(ImageMetadata.Severity.HIGH, got.get(0).vulnerabilities().get(0).severity());
    assertEquals(1, bad.unreadableFiles());
    assertTrue(
        publisher.values(Topics.DEAD_LETTER).get(0).error().contains("imageDigest must be sha256"));
    assertEquals("sha256:" + "ab".repeat(32), publisher.records.get(0).key());
  }

  static final String DIGEST = "sha256:" + "ab".repeat(32);
  static final String FIRST =
      DIGEST + "/projects/acme/occurrences/8f1c0000-0000-4000-8000-000000000001";
  static final String SECOND =
      DIGEST + "/projects/acme/occurrences/8f1c0000-0000-4000-8000-000000000002";

  /** The attestations resource with only its first occurrence. */
  static String firstOccurrenceOnly() throws Exception {
    var all =
        (com.fasterxml.jackson.databind.node.ArrayNode)
            dev.vigil.schemas.Json.mapper()
                .readTree(TestResources.bytes("/feeds/attestations.json"));
    all.remove(1);
    return all.toString();
  }

  @Test
  void anOccurrenceRemovedFromAFileIsRevokedWithATombstoneNamingTheFile(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("ci.json");
    Files.write(file, TestResources.bytes("/feeds/attestations.json"));
    JsonFileFeed feed = JsonFileFeed.attestations(dir, publisher, metrics, CLOCK);
    feed.scan();

    Files.writeString(file, firstOccurrenceOnly());
    JsonFileFeed.Summary removed = feed.scan();

    assertEquals(Map.of(SECOND, "file:" + file.toAbsolutePath()), publisher.tombstones());
    assertEquals(1, removed.revoked());
    assertEquals(1, revoked.get());
    assertEquals(
        "file:" + file.toAbsolutePath(),
        publisher.records.get(0).origin(),
        "values name their file too");
  }

  @Test
  void aDeletedFileIsRevokedWhenMissingAtTwoScansButAKeyAnotherFileHoldsStays(@TempDir Path dir)
      throws Exception {
    Files.write(dir.resolve("a.json"), TestResources.bytes("/feeds/attestations.json"));
    Files.writeString(dir.resolve("b.json"), firstOccurrenceOnly());
    JsonFileFeed feed = JsonFileFeed.attestations(dir, publisher, metrics, CLOCK);
    feed.scan();

    Files.delete(dir.resolve("a.json"));
    JsonFileFeed.Summary once = feed.scan();
    JsonFileFeed.Summary twice = feed.scan();
    JsonFileFeed.Summary after = feed.scan();

    assertEquals(0, once.revoked(), "a file missing at one scan may be in the middle of a save");
    assertEquals(1, twice.revoked());
    assertEquals(
        Map.of(SECOND, "file:" + dir.resolve("a.json").toAbsolutePath()), publisher.tombstones());
    assertEquals(0, after.revoked());
  }

  @Test
  void aKeyDroppedByTheFileThatPublishedItLastIsRepublishedFromTheFileStillHoldingIt(
      @TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.json"), firstOccurrenceOnly());
    Files.writeString(dir.resolve("b.json"), firstOccurrenceOnly());
    JsonFileFeed feed = JsonFileFeed.attestations(dir, publisher, metrics, CLOCK);
    feed.scan();
    String last = publisher.records.get(publisher.records.size() - 1).origin();
    Path lastFile = Path.of(last.substring("file:".length()));
    Path other =
        lastFile.getFileName().toString().equals("a.json")
            ? dir.resolve("b.json")
            : dir.resolve("a.json");
    publisher.records.clear();

    Files.writeString(lastFile, "[]");
    feed.scan();

    assertEquals(Map.of(), publisher.tombstones());
    assertEquals(1, publisher.records.size());
    assertEquals(FIRST, publisher.records.get(0).key());
    assertEquals("file:" + other.toAbsolutePath(), publisher.records.get(0).origin());
  }

  @Test
  void aFileThatBecomesUnreadableRevokesNothing(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ci.json");
    Files.write(file, TestResources.bytes("/feeds/attestations.json"));
    JsonFileFeed feed = JsonFileFeed.attestations(dir, publisher, metrics, CLOCK);
    feed.scan();

    Files.writeString(file, "[{\"name\": \"half-writ");
    JsonFileFeed.Summary broken = feed.scan();
    Files.writeString(file, firstOccurrenceOnly());
    JsonFileFeed.Summary fixed = feed.scan();

    assertEquals(1, broken.unreadableFiles());
    assertEquals(0, broken.revoked());
    assertEquals(1, publisher.values(Topics.DEAD_LETTER).size());
    assertEquals(
        1,
        fixed.revoked(),
        "the earlier records were still known when the file became readable again");
    assertEquals(Map.of(SECOND, "file:" + file.toAbsolutePath()), publisher.tombstones());
  }

  @Test
  void aRestartedFeedRevokesWhatItsDeletedFilesContributedAndLeavesOtherOriginsAlone(
      @TempDir Path dir) throws Exception {
    Path feedDir = Files.createDirectory(dir.resolve("attestations"));
    Files.writeString(feedDir.resolve("kept.json"), firstOccurrenceOnly());
    String gone = "file:" + feedDir.resolve("gone.json").toAbsolutePath();
    Map<String, String> onTopic =
        Map.of(
            FIRST,
            "file:" + feedDir.resolve("kept.json").toAbsolutePath(),
            SECOND,
            gone,
            DIGEST + "/projects/acme/occurrences/elsewhere",
            "file:" + dir.resolve("attestations-old/x.json"),
            DIGEST + "/projects/acme/occurrences/grafeas",
            "grafeas:projects/acme");
    JsonFileFeed feed =
        JsonFileFeed.attestations(feedDir, publisher, metrics, CLOCK).restore(onTopic);

    feed.scan();
    feed.scan();

    assertEquals(Map.of(SECOND, gone), publisher.tombstones());
  }

  @Test
  void aDeletedAttestorFileIsWithdrawnButADeletedPolicyFileLeavesTheLastGoodPolicy(
      @TempDir Path dir) throws Exception {
    Path attestors = dir.resolve("attestors.yaml");
    Files.writeString(attestors, attestorYaml());
    Path policy = dir.resolve("policy.yaml");
    Files.write(policy, TestResources.bytes("/binauthz-codelab/allow_all_policy.yaml"));
    PolicyFilePublisher a =
        new PolicyFilePublisher(
            attestors,
            PolicyDocument.Kind.ATTESTOR,
            "*",
            "attestors.yaml",
            PolicyValidator.standard(),
            publisher,
            metrics,
            CLOCK,
            null);
    PolicyFilePublisher p = policyPublisher(policy, null);
    a.check();
    p.check();

    Files.delete(attestors);
    Files.delete(policy);
    var aOnce = a.check();
    var aTwice = a.check();
    var pOnce = p.check();
    var pTwice = p.check();
    Files.writeString(attestors, attestorYaml());
    var back = a.check();

    assertInstanceOf(PolicyFilePublisher.Failed.class, aOnce);
    assertInstanceOf(PolicyFilePublisher.Withdrawn.class, aTwice);
    assertInstanceOf(PolicyFilePublisher.Failed.class, pOnce);
    assertInstanceOf(PolicyFilePublisher.Failed.class, pTwice);
    assertEquals(
        Map.of("ATTESTOR/*/attestors.yaml", "file:" + attestors.toAbsolutePath()),
        publisher.tombstones());
    assertEquals(
        1,
        assertInstanceOf(PolicyFilePublisher.Published.class, back).document().version(),
        "a withdrawn document starts again, as a restarted publisher reading the tombstone would");
    assertEquals(1, revoked.get());
  }

  static String attestorYaml() throws Exception {
    var g = java.security.KeyPairGenerator.getInstance("EC");
    g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
    String pem =
        java.util.Base64.getMimeEncoder(64, "\n".getBytes())
            .encodeToString(g.generateKeyPair().getPublic().getEncoded())
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
}
