package dev.vigil.ingest.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.ingest.kafka.DeadLetters;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.PublishException;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the records held in a JSON file, or in every {@code *.json} file under a directory, and
 * again whenever a file's content changes. A file that cannot be read goes to the dead-letter topic
 * with the reason; the other files are still published, and the unreadable file's earlier records
 * stay.
 *
 * <p>The feed revokes: it knows which keys each file contributed ({@link Contributions}), and
 * writes a tombstone for a key that no file holds any more: an entry removed from a file, or a file
 * deleted (a file counts as deleted once it is missing at two scans in a row, so an editor that
 * saves by renaming does not revoke for a moment). Every record carries the file it came from in
 * the {@value Outgoing#ORIGIN_HEADER} header; {@link #restore} rebuilds the index from the topic at
 * start, so files deleted while ingest was down are revoked too.
 */
public final class JsonFileFeed {

  private static final Logger LOG = LoggerFactory.getLogger(JsonFileFeed.class);
  private static final String FILE = "file:";

  /**
   * Turns one file's bytes into records; throws {@link IllegalArgumentException} with the reason.
   */
  @FunctionalInterface
  public interface Parser {
    List<Outgoing<?>> parse(byte[] content, Clock clock);
  }

  /**
   * What one scan did: records counts values and dead letters published, revoked the tombstones.
   */
  public record Summary(
      int files, int changedFiles, int records, int unreadableFiles, int revoked) {}

  private final String component;
  private final Path root;
  private final Topic<?> topic;
  private final Parser parser;
  private final RecordPublisher publisher;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final Contributions contributions;

  /** file → sha-256 of the content last published (or dead-lettered). */
  private final Map<Path, String> published = new HashMap<>();

  /** origins known to contribute whose file was missing at the last scan. */
  private final Set<String> missing = new HashSet<>();

  public JsonFileFeed(
      String component,
      Path root,
      Topic<?> topic,
      Parser parser,
      RecordPublisher publisher,
      IngestMetrics metrics,
      Clock clock) {
    this.component = Objects.requireNonNull(component, "component");
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    this.topic = Objects.requireNonNull(topic, "topic");
    this.parser = Objects.requireNonNull(parser, "parser");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.contributions = new Contributions(topic);
  }

  /** Attestations from Grafeas occurrence JSON ({@link Attestations}). */
  public static JsonFileFeed attestations(
      Path root, RecordPublisher publisher, IngestMetrics metrics, Clock clock) {
    return new JsonFileFeed(
        "ingest.attestations",
        root,
        Topics.ATTESTATIONS,
        Attestations::parse,
        publisher,
        metrics,
        clock);
  }

  /** Image metadata ({@link ImageMetadataFiles}). */
  public static JsonFileFeed imageMetadata(
      Path root, RecordPublisher publisher, IngestMetrics metrics, Clock clock) {
    return new JsonFileFeed(
        "ingest.image-metadata",
        root,
        Topics.IMAGE_METADATA,
        ImageMetadataFiles::parse,
        publisher,
        metrics,
        clock);
  }

  /** The topic this feed keeps. */
  public Topic<?> topic() {
    return topic;
  }

  /**
   * Takes over the keys this feed contributed before a restart: {@code liveKeys} is what {@link
   * TopicIndex#liveKeys} read from the topic; keys whose origin is a file under this feed's root
   * are its own. Call before the first scan.
   */
  public synchronized JsonFileFeed restore(Map<String, String> liveKeys) {
    Map<String, String> mine = new HashMap<>();
    liveKeys.forEach(
        (key, origin) -> {
          if (origin != null && origin.startsWith(FILE) && owns(origin.substring(FILE.length()))) {
            mine.put(key, origin);
          }
        });
    contributions.restore(mine);
    return this;
  }

  private boolean owns(String file) {
    try {
      Path p = Path.of(file);
      return p.equals(root) || p.startsWith(root);
    } catch (java.nio.file.InvalidPathException e) {
      return false; // written on another machine: not this feed's
    }
  }

  /**
   * Publishes the files that are new or changed since the last scan, and tombstones for the keys no
   * file holds any more.
   *
   * @throws PublishException when Kafka did not take the records; the scan is planned again next
   *     time
   */
  public synchronized Summary scan() throws IOException, PublishException {
    List<Path> files = files();
    Map<String, List<? extends Outgoing<?>>> updates = new HashMap<>();
    List<Outgoing<?>> deadLetters = new ArrayList<>();
    Map<Path, String> shas = new HashMap<>();
    int unreadable = 0;
    for (Path f : files) {
      byte[] content;
      try {
        content = Files.readAllBytes(f);
      } catch (IOException e) {
        LOG.warn("{}: cannot read {} (its records stay): {}", component, f, e.toString());
        continue;
      }
      String sha = fingerprint(content);
      if (sha.equals(published.get(f))) {
        continue;
      }
      shas.put(f, sha);
      try {
        updates.put(FILE + f, parser.parse(content, clock));
      } catch (IllegalArgumentException e) {
        unreadable++;
        LOG.debug(
            "{}: {} not published, its earlier records stay: {}",
            component,
            f,
            e.getMessage()); // the dead letter logs one line
        deadLetters.add(
            DeadLetters.of(
                component, FILE + f, content, "UnreadableFile", e.getMessage(), clock.instant()));
      }
    }
    Set<String> present = new HashSet<>();
    files.forEach(f -> present.add(FILE + f));
    Set<String> missingNow = new HashSet<>();
    for (String origin : contributions.origins()) {
      if (!present.contains(origin)) {
        if (missing.contains(origin)) {
          updates.put(origin, List.of());
          LOG.info(
              "{}: {} is gone; withdrawing its {} records",
              component,
              origin.substring(FILE.length()),
              contributions.keys(origin).size());
        } else {
          missingNow.add(origin);
        }
      }
    }
    Contributions.Plan plan = contributions.plan(updates, clock.instant());
    List<Outgoing<?>> out = new ArrayList<>(plan.records());
    out.addAll(deadLetters);
    publisher.publishAll(out);
    plan.commit();
    published.keySet().retainAll(files);
    published.putAll(shas);
    missing.clear();
    missing.addAll(missingNow);
    if (!deadLetters.isEmpty()) {
      metrics.deadLettered(component, deadLetters.size());
    }
    if (plan.revoked() > 0) {
      metrics.revoked(topic.name(), plan.revoked());
      LOG.info("{}: revoked {} records no file holds any more", component, plan.revoked());
    }
    return new Summary(
        files.size(),
        shas.size(),
        plan.published() + deadLetters.size(),
        unreadable,
        plan.revoked());
  }

  /** Scans now and then every {@code interval}. */
  public ScheduledFuture<?> watch(ScheduledExecutorService scheduler, Duration interval) {
    return scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            scan();
          } catch (IOException | PublishException | RuntimeException e) {
            LOG.warn("{}: scan of {} failed, will retry: {}", component, root, e.toString());
          }
        },
        0,
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * The files now there; none when the root is missing (its records are withdrawn after two scans).
   */
  private List<Path> files() throws IOException {
    if (Files.isRegularFile(root)) {
      return List.of(root);
    }
    if (!Files.isDirectory(root)) {
      LOG.warn("{}: {} does not exist", component, root);
      return List.of();
    }
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root, 8)) {
      s.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().endsWith(".json"))
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .map(p -> p.toAbsolutePath().normalize())
          .sorted()
          .forEach(out::add);
    }
    return out;
  }

  /**
   * The entries of a JSON feed file: the elements of a top-level array, of the array under {@code
   * listField} (when given and present), or the one top-level object.
   *
   * @throws IllegalArgumentException "not JSON: ...", or {@code expected} for any other shape
   */
  static List<JsonNode> items(byte[] content, String listField, String expected) {
    JsonNode root;
    try {
      root = Json.mapper().readTree(content);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    List<JsonNode> items = new ArrayList<>();
    if (root != null && root.isArray()) {
      root.forEach(items::add);
    } else if (root != null && listField != null && root.has(listField)) {
      root.get(listField).forEach(items::add);
    } else if (root != null && root.isObject()) {
      items.add(root);
    } else {
      throw new IllegalArgumentException(expected);
    }
    return items;
  }

  /** SHA-256 of a file's bytes: a file is published again when it changes. */
  private static String fingerprint(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
