package dev.vigil.ingest.gke;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.ingest.kafka.DeadLetters;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.PublishException;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.ingest.translate.GkeAuditLogTranslator;
import dev.vigil.ingest.translate.OwnerLookup;
import dev.vigil.ingest.translate.TranslationException;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads GKE Cloud Audit Log entries from a file or stdin and publishes the pod admissions among
 * them: a JSON array as {@code gcloud logging read --format=json} writes it, or JSON lines (one
 * entry per line). Entries that cannot be read go to the dead-letter topic; reading goes on.
 */
public final class CloudAuditLogReader {

  static final String COMPONENT = "ingest.gke-audit-log";
  static final String SOURCE = "gke-audit";

  private final RecordPublisher publisher;
  private final String defaultClusterId;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final int batchSize;

  /**
   * @param defaultClusterId the cluster of entries whose resource labels do not name one, or {@code
   *     null} to dead-letter them
   * @param batchSize records published (and waited for) together
   */
  public CloudAuditLogReader(
      RecordPublisher publisher,
      String defaultClusterId,
      IngestMetrics metrics,
      Clock clock,
      int batchSize) {
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.defaultClusterId = defaultClusterId;
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1");
    }
    this.batchSize = batchSize;
  }

  /** What one read did. */
  public record Summary(int entries, int published, int skipped, int deadLettered) {}

  /**
   * Reads every entry of {@code in} and publishes its pod admissions.
   *
   * @param source names the input in dead letters ({@code file:audit.json}, {@code stdin})
   * @throws PublishException when Kafka did not take a batch: what came before it was published
   */
  public Summary read(InputStream in, String source) throws IOException, PublishException {
    Counts c = new Counts();
    List<Outgoing<?>> pending = new ArrayList<>();
    PushbackInputStream pin = new PushbackInputStream(in, 1);
    int first = firstNonBlank(pin);
    if (first == '[') {
      try (JsonParser p = Json.mapper().createParser(pin)) {
        if (p.nextToken() != JsonToken.START_ARRAY) {
          throw new IOException("expected a JSON array");
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
          JsonNode entry = Json.mapper().readTree(p);
          take(entry, null, source, c, pending);
          flushIfFull(pending, c);
        }
      } catch (JsonProcessingException e) {
        pending.add(
            DeadLetters.of(
                COMPONENT,
                source,
                new byte[0],
                "MalformedJson",
                "reading stopped: " + e.getOriginalMessage(),
                clock.instant()));
        c.deadLettered++;
      }
    } else if (first >= 0) {
      BufferedReader lines = new BufferedReader(new InputStreamReader(pin, StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode entry;
        try {
          entry = Json.mapper().readTree(line);
        } catch (JsonProcessingException e) {
          c.entries++;
          pending.add(
              DeadLetters.of(
                  COMPONENT,
                  source,
                  line,
                  "MalformedJson",
                  e.getOriginalMessage(),
                  clock.instant()));
          c.deadLettered++;
          flushIfFull(pending, c);
          continue;
        }
        take(entry, line, source, c, pending);
        flushIfFull(pending, c);
      }
    }
    flush(pending, c);
    metrics.eventsReceived(SOURCE, c.entries);
    metrics.deadLettered(SOURCE, c.deadLettered);
    return new Summary(
        c.entries, c.published, c.entries - c.publishedEntries - c.deadLettered, c.deadLettered);
  }

  private void take(
      JsonNode entry, String raw, String source, Counts c, List<Outgoing<?>> pending) {
    c.entries++;
    try {
      AdmissionEvent e =
          GkeAuditLogTranslator.translate(entry, defaultClusterId, OwnerLookup.NONE).orElse(null);
      if (e != null) {
        pending.add(
            new Outgoing<>(
                Topics.ADMISSION_EVENTS, e.key(), e, e.eventId(), e.requestReceivedAt()));
        c.publishedEntries++;
      }
    } catch (TranslationException ex) {
      pending.add(
          DeadLetters.of(
              COMPONENT,
              source,
              raw != null ? raw : entry.toString(),
              "TranslationException",
              ex.getMessage(),
              clock.instant()));
      c.deadLettered++;
    }
  }

  private void flushIfFull(List<Outgoing<?>> pending, Counts c) throws PublishException {
    if (pending.size() >= batchSize) {
      flush(pending, c);
    }
  }

  private void flush(List<Outgoing<?>> pending, Counts c) throws PublishException {
    publisher.publishAll(pending);
    c.published += (int) pending.stream().filter(o -> o.topic() == Topics.ADMISSION_EVENTS).count();
    pending.clear();
  }

  private static int firstNonBlank(PushbackInputStream in) throws IOException {
    int b;
    do {
      b = in.read();
    } while (b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == 0xEF || b == 0xBB
        || b == 0xBF);
    if (b >= 0) {
      in.unread(b);
    }
    return b;
  }

  private static final class Counts {
    int entries;
    int published;
    int publishedEntries;
    int deadLettered;
  }
}
