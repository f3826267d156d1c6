package dev.vigil.ingest.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.ingest.kafka.DeadLetters;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.PublishException;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the records held in a JSON file, or in every {@code *.json} file under a directory,
 * and again whenever a file's content changes. A file that cannot be read goes to the dead-letter
 * topic with the reason; the other files are still published.
 */
public final class JsonFileFeed {

  private static final Logger LOG = LoggerFactory.getLogger(JsonFileFeed.class);

  /** Turns one file's bytes into records; throws {@link IllegalArgumentException} with the reason. */
  @FunctionalInterface
  public interface Parser {
    List<Outgoing<?>> parse(byte[] content, Clock clock);
  }

  /** What one scan did. */
  public record Summary(int files, int changedFiles, int records, int unreadableFiles) {}

  private final String component;
  private final Path root;
  private final Parser parser;
  private final RecordPublisher publisher;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final Map<Path, String> published = new HashMap<>();

  public JsonFileFeed(
      String component, Path root, Parser parser, RecordPublisher publisher, IngestMetrics metrics, Clock clock) {
    this.component = Objects.requireNonNull(component, "component");
    this.root = Objects.requireNonNull(root, "root");
    this.parser = Objects.requireNonNull(parser, "parser");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Attestations from Grafeas occurrence JSON ({@link Attestations}). */
  public static JsonFileFeed attestations(Path root, RecordPublisher publisher, IngestMetrics metrics, Clock clock) {
    return new JsonFileFeed("ingest.attestations", root, Attestations::parse, publisher, metrics, clock);
  }

  /** Image metadata ({@link ImageMetadataFiles}). */
  public static JsonFileFeed imageMetadata(Path root, RecordPublisher publisher, IngestMetrics metrics, Clock clock) {
    return new JsonFileFeed("ingest.image-metadata", root, ImageMetadataFiles::parse, publisher, metrics, clock);
  }

  /**
   * Publishes the files that are new or changed since the last scan.
   *
   * @throws PublishException when Kafka did not take a file's records; that file is tried again on
   *     the next scan
   */
  public synchronized Summary scan() throws IOException, PublishException {
    List<Path> files = files();
    int changed = 0;
    int records = 0;
    int unreadable = 0;
    for (Path f : files) {
      byte[] content = Files.readAllBytes(f);
      String sha = fingerprint(content);
      if (sha.equals(published.get(f))) {
        continue;
      }
      changed++;
      List<Outgoing<?>> out;
      try {
        out = parser.parse(content, clock);
      } catch (IllegalArgumentException e) {
        unreadable++;
        LOG.debug("{}: {} not published: {}", component, f, e.getMessage()); // the dead letter logs one line
        out = List.of(DeadLetters.of(component, "file:" + f, content, "UnreadableFile", e.getMessage(), clock.instant()));
        metrics.deadLettered(component, 1);
      }
      publisher.publishAll(out);
      published.put(f, sha);
      records += out.size();
    }
    return new Summary(files.size(), changed, records, unreadable);
  }

  /** Scans now and then every {@code interval}. */
  public ScheduledFuture<?> watch(ScheduledExecutorService scheduler, Duration interval) {
    return scheduler.scheduleWithFixedDelay(() -> {
      try {
        scan();
      } catch (IOException | PublishException | RuntimeException e) {
        LOG.warn("{}: scan of {} failed, will retry: {}", component, root, e.toString());
      }
    }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private List<Path> files() throws IOException {
    if (Files.isRegularFile(root)) {
      return List.of(root);
    }
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root, 8)) {
      s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(".json"))
          .filter(p -> !p.getFileName().toString().startsWith(".")).sorted().forEach(out::add);
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
      throw new IllegalArgumentException("not JSON: " + e.getMessage().lines().findFirst().orElse(""));
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
