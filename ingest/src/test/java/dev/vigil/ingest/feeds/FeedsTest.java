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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeedsTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC);
  RecordingPublisher publisher = new RecordingPublisher();
  AtomicInteger rejected = new AtomicInteger();
  IngestMetrics metrics = new IngestMetrics() {
    @Override
    public void policyRejected(String kind) {
      rejected.incrementAndGet();
    }
  };

  PolicyFilePublisher policyPublisher(Path file, PolicyDocument last) {
    return new PolicyFilePublisher(file, PolicyDocument.Kind.BINAUTHZ_POLICY, "*", "projects/acme/policy",
        PolicyValidator.standard(), publisher, metrics, CLOCK, last);
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
    assertEquals(2, assertInstanceOf(PolicyFilePublisher.Published.class, second).document().version());
    assertEquals(List.of(1L, 2L), publisher.values(Topics.POLICIES).stream().map(PolicyDocument::version).toList());
  }

  @Test
  void anInvalidRevisionIsRejectedCountedAndTheLastGoodOneStays(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.write(file, TestResources.bytes("/binauthz-codelab/allow_all_policy.yaml"));
    PolicyFilePublisher p = policyPublisher(file, null);
    p.check();

    Files.writeString(file, "defaultAdmissionRule:\n  evaluationMode: SOMETIMES_ALLOW\n"
        + "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n");
    var bad = p.check();
    var badAgain = p.check();
    Files.writeString(file, "defaultAdmissionRule: [not, a, rule");
    var unreadable = p.check();

    var rejection = assertInstanceOf(PolicyFilePublisher.Rejected.class, bad);
    assertTrue(rejection.reason().getMessage().contains("evaluationMode"), rejection.reason().getMessage());
    assertInstanceOf(PolicyFilePublisher.Unchanged.class, badAgain);
    assertInstanceOf(PolicyFilePublisher.Rejected.class, unreadable);
    assertEquals(2, rejected.get());
    assertEquals(1, p.version());
    assertEquals(1, publisher.values(Topics.POLICIES).size());
  }

  @Test
  void aRestartedPublisherContinuesFromTheTopicAndDoesNotRepublishTheSameContent(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.write(file, TestResources.bytes("/binauthz-codelab/allow_all_policy.yaml"));
    policyPublisher(file, null).check();
    PolicyDocument onTopic = publisher.values(Topics.POLICIES).get(0);

    PolicyFilePublisher restarted = policyPublisher(file, onTopic);
    var same = restarted.check();
    Files.write(file, TestResources.bytes("/binauthz-codelab/deny_all_policy.yaml"));
    var changed = restarted.check();

    assertInstanceOf(PolicyFilePublisher.Unchanged.class, same);
    assertEquals(2, assertInstanceOf(PolicyFilePublisher.Published.class, changed).document().version());
  }

  @Test
  void grafeasOccurrencesBecomeAttestationsKeyedByDigestAndOccurrence(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("a.json"), TestResources.bytes("/feeds/attestations.json"));
    Files.writeString(dir.resolve("broken.json"), "[{\"name\": \"projects/acme/occurrences/x\", \"noteName\": \"n\", "
        + "\"resourceUri\": \"https://gcr.io/acme/app:latest\", \"attestation\": {}}]");
    JsonFileFeed feed = JsonFileFeed.attestations(dir, publisher, IngestMetrics.NOOP, CLOCK);

    JsonFileFeed.Summary first = feed.scan();
    JsonFileFeed.Summary second = feed.scan();

    assertEquals(new JsonFileFeed.Summary(2, 2, 3, 1), first);
    assertEquals(new JsonFileFeed.Summary(2, 0, 0, 0), second);
    List<Attestation> got = publisher.values(Topics.ATTESTATIONS);
    assertEquals(2, got.size());
    assertEquals("sha256:" + "ab".repeat(32), got.get(0).imageDigest());
    assertEquals("sha256:" + "ab".repeat(32) + "/projects/acme/occurrences/8f1c0000-0000-4000-8000-000000000001",
        got.get(0).key());
    assertEquals("0123456789ABCDEF", got.get(1).pgpSignedAttestation().pgpKeyId());
    DeadLetter letter = publisher.values(Topics.DEAD_LETTER).get(0);
    assertTrue(letter.error().contains("does not end in @sha256"), letter.error());
  }

  @Test
  void imageMetadataFilesArePublishedByDigestAndBadOnesDeadLettered(@TempDir Path dir) throws Exception {
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
    assertTrue(publisher.values(Topics.DEAD_LETTER).get(0).error().contains("imageDigest must be sha256"));
    assertEquals("sha256:" + "ab".repeat(32), publisher.records.get(0).key());
  }
}
