package dev.vigil.ingest.feeds;

import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.PublishException;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.validator.Documents;
import dev.vigil.validator.InvalidPolicyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a policy file to the compacted {@code vigil.policies} topic whenever its content
 * changes and the new content validates. Each accepted revision gets the next version. A revision
 * that does not validate is rejected (logged with every problem, counted) and the last good one
 * stays on the topic. Works with ConfigMap-mounted files too: it compares content, not modification
 * times.
 *
 * <p>An attestor or platform-policy file that is deleted (missing at two checks in a row) is
 * withdrawn: a tombstone for its key. A deleted Binary Authorization policy file is not: the last
 * good policy stays in force, so that losing a file never turns enforcement off.
 */
public final class PolicyFilePublisher {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyFilePublisher.class);

  private final Path file;
  private final PolicyDocument.Kind kind;
  private final String scope;
  private final String name;
  private final PolicyValidator validator;
  private final RecordPublisher publisher;
  private final IngestMetrics metrics;
  private final Clock clock;
  private long version;
  private String lastSeenSha;
  private String publishedSha;
  private boolean missingBefore;

  /** What one check did. */
  public sealed interface Outcome {}

  /** A new version was published. */
  public record Published(PolicyDocument document) implements Outcome {}

  /** The file has not changed since the last check. */
  public record Unchanged() implements Outcome {}

  /** The new content did not validate; the last good version stays. */
  public record Rejected(InvalidPolicyException reason) implements Outcome {}

  /** The file was deleted and its document withdrawn from the topic (a tombstone). */
  public record Withdrawn() implements Outcome {}

  /** The file could not be read, or Kafka did not take the new version (tried again next check). */
  public record Failed(String reason) implements Outcome {}

  /**
   * @param lastPublished the latest version of this policy already on the topic, or {@code null}
   *     when there is none: see {@link PolicyTopic#latest}
   */
  public PolicyFilePublisher(
      Path file,
      PolicyDocument.Kind kind,
      String scope,
      String name,
      PolicyValidator validator,
      RecordPublisher publisher,
      IngestMetrics metrics,
      Clock clock,
      PolicyDocument lastPublished) {
    this.file = Objects.requireNonNull(file, "file");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.scope = Objects.requireNonNull(scope, "scope");
    this.name = Objects.requireNonNull(name, "name");
    this.validator = Objects.requireNonNull(validator, "validator");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.version = lastPublished == null ? 0 : lastPublished.version();
    this.publishedSha = lastPublished == null ? null : lastPublished.sha256();
  }

  /** The Kafka key of this policy: {@code KIND/scope/name}. */
  public String key() {
    return kind + "/" + scope + "/" + name;
  }

  /** The last version published. */
  public synchronized long version() {
    return version;
  }

  /** Reads the file and publishes it if it changed and validates. */
  public synchronized Outcome check() {
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8);
      missingBefore = false;
    } catch (NoSuchFileException e) {
      return missing();
    } catch (IOException e) {
      LOG.warn("policy {}: cannot read {}: {}", key(), file, e.toString());
      return new Failed("cannot read " + file + ": " + e.getMessage());
    }
    String sha = PolicyDocument.sha256Of(content);
    if (sha.equals(lastSeenSha) || sha.equals(publishedSha)) {
      lastSeenSha = sha;
      return new Unchanged();
    }
    PolicyDocument doc = document(file, content, scope, kind, name, version + 1, clock.instant());
    try {
      validator.validate(doc);
    } catch (InvalidPolicyException e) {
      lastSeenSha = sha; // do not log the same rejection on every check
      metrics.policyRejected(kind.name());
      LOG.error(
          "policy {}: {} rejected, version {} stays: {}", key(), file, version, e.getMessage());
      return new Rejected(e);
    }
    try {
      publisher.publishAll(
          List.of(
              new Outgoing<>(
                  Topics.POLICIES,
                  doc.key(),
                  doc,
                  doc.key() + "@" + doc.version(),
                  doc.publishedAt())));
    } catch (PublishException e) {
      LOG.warn(
          "policy {}: version {} not published, will retry: {}",
          key(),
          doc.version(),
          e.getMessage());
      return new Failed(e.getMessage());
    }
    version = doc.version();
    lastSeenSha = sha;
    publishedSha = sha;
    LOG.info("policy {}: published version {} from {}", key(), version, file);
    return new Published(doc);
  }

  private Outcome missing() {
    if (kind == PolicyDocument.Kind.BINAUTHZ_POLICY) {
      LOG.warn("policy {}: {} is missing; version {} stays in force", key(), file, version);
      return new Failed(file + " is missing; the last good policy stays");
    }
    if (publishedSha == null || !missingBefore) {
      missingBefore = true;
      return new Failed(file + " is missing");
    }
    try {
      publisher.publishAll(
          List.of(
              new Outgoing<>(
                  Topics.POLICIES,
                  key(),
                  null,
                  key() + "@" + version + "/withdrawn",
                  clock.instant(),
                  "file:" + file.toAbsolutePath().normalize())));
    } catch (PublishException e) {
      LOG.warn("policy {}: withdrawal not published, will retry: {}", key(), e.getMessage());
      return new Failed(e.getMessage());
    }
    LOG.info("policy {}: {} is gone; version {} withdrawn", key(), file, version);
    metrics.revoked(Topics.POLICIES.name(), 1);
    version = 0; // as a restarted publisher would see it (PolicyTopic#latest)
    publishedSha = null;
    lastSeenSha = null;
    return new Withdrawn();
  }

  /** Checks now and then every {@code interval}, on {@code scheduler}. */
  public ScheduledFuture<?> watch(ScheduledExecutorService scheduler, Duration interval) {
    return scheduler.scheduleWithFixedDelay(
        this::check, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * {@code file}'s {@code content} as the document of {@code kind} that the publisher publishes
   * (its source {@code file:PATH}, its format as {@link #format} says).
   */
  public static PolicyDocument document(
      Path file,
      String content,
      String scope,
      PolicyDocument.Kind kind,
      String name,
      long version,
      Instant publishedAt) {
    return PolicyDocument.of(
        scope, kind, name, version, format(file, content), content, "file:" + file, publishedAt);
  }

  /**
   * {@code file}'s {@code content} read on its own, as {@code vigil evaluate} and {@code vigil
   * replay} read local policy files: the first version of a document of every scope, named by the
   * file's name.
   */
  public static PolicyDocument localDocument(
      Path file, String content, PolicyDocument.Kind kind, Instant at) {
    return document(file, content, "*", kind, file.getFileName().toString(), 1, at);
  }

  /**
   * How a policy, attestor or occurrence file is written: by its extension ({@code .json}, {@code
   * .yaml}, {@code .yml}), else by its content. Every reader of such files (the publisher, {@code
   * vigil evaluate}, {@code vigil replay}) asks here.
   */
  public static PolicyDocument.Format format(Path file, String content) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".json")) {
      return PolicyDocument.Format.JSON;
    }
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      return PolicyDocument.Format.YAML;
    }
    return Documents.sniff(content);
  }
}
