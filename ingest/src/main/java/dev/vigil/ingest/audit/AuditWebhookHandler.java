package dev.vigil.ingest.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.ingest.http.HttpResponse;
import dev.vigil.ingest.kafka.DeadLetters;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.PublishException;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.ingest.translate.AuditEventTranslator;
import dev.vigil.ingest.translate.OwnerLookup;
import dev.vigil.ingest.translate.TranslationException;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one {@code EventList} from a kube-apiserver's audit webhook backend: keeps the pod
 * admissions (deciding as the events stream past, {@link AuditEventStream}), drops redeliveries,
 * publishes admission events (and dead letters for events that cannot be read) and answers 200 only
 * once Kafka acknowledged all of them.
 */
public final class AuditWebhookHandler {

  private static final Logger LOG = LoggerFactory.getLogger(AuditWebhookHandler.class);
  static final String COMPONENT = "ingest.audit-webhook";
  static final String SOURCE = "k8s-audit";

  private final RecordPublisher publisher;
  private final Deduplicator dedup;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final ObjectMapper mapper;

  public AuditWebhookHandler(
      RecordPublisher publisher,
      Deduplicator dedup,
      IngestMetrics metrics,
      Clock clock,
      long maxBodyBytes) {
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.dedup = Objects.requireNonNull(dedup, "dedup");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.mapper = Json.create(maxBodyBytes);
  }

  /** Handles the body of one POST for cluster {@code clusterId}. */
  public HttpResponse handle(String clusterId, byte[] body) {
    Instant now = clock.instant();
    AuditEventStream.Events events;
    try {
      events = AuditEventStream.read(mapper, body);
    } catch (JsonProcessingException e) {
      return malformed(clusterId, body, "malformed JSON: " + e.getOriginalMessage(), now);
    } catch (IOException | TranslationException e) {
      return malformed(clusterId, body, e.getMessage(), now);
    }
    metrics.eventsReceived(SOURCE, events.received());

    List<Outgoing<?>> out = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    Set<String> inBatch = new HashSet<>();
    int duplicates = 0;
    int deadLetters = 0;
    for (AuditEventStream.Kept event : events.kept()) {
      AdmissionEvent admission;
      try {
        admission =
            AuditEventTranslator.translate(clusterId, event.tree(), OwnerLookup.NONE).orElse(null);
      } catch (TranslationException e) {
        // The event as the API server sent it (the tree holds only what the translator reads).
        out.add(
            DeadLetters.of(
                COMPONENT,
                SOURCE + "/" + clusterId,
                Arrays.copyOfRange(body, event.from(), event.to()),
                "TranslationException",
                e.getMessage(),
                now));
        deadLetters++;
        continue;
      }
      if (admission == null) {
        continue;
      }
      String id = clusterId + "|" + admission.auditId() + "|" + admission.stage();
      if (!inBatch.add(id) || dedup.seen(id)) {
        duplicates++;
        continue;
      }
      ids.add(id);
      out.add(
          new Outgoing<>(
              Topics.ADMISSION_EVENTS,
              admission.key(),
              admission,
              admission.eventId(),
              admission.requestReceivedAt()));
    }
    try {
      publisher.publishAll(out);
    } catch (PublishException e) {
      LOG.warn(
          "cluster {}: batch of {} events not acknowledged by Kafka ({}); answering 503",
          clusterId,
          events.received(),
          e.reason());
      return HttpResponse.text(503, "Kafka unavailable: " + e.getMessage())
          .withHeader("Retry-After", "1");
    }
    dedup.remember(ids);
    metrics.duplicatesDropped(SOURCE, duplicates);
    metrics.deadLettered(SOURCE, deadLetters);
    return HttpResponse.json(
        200,
        String.format(
            "{\"received\":%d,\"published\":%d,\"duplicates\":%d,\"deadLettered\":%d}",
            events.received(), ids.size(), duplicates, deadLetters));
  }

  private HttpResponse malformed(String clusterId, byte[] body, String reason, Instant now) {
    try {
      publisher.publishAll(
          List.of(
              DeadLetters.of(
                  COMPONENT, SOURCE + "/" + clusterId, body, "MalformedEventList", reason, now)));
      metrics.deadLettered(SOURCE, 1);
    } catch (PublishException e) {
      LOG.warn(
          "cluster {}: dead letter for a malformed body not published: {}",
          clusterId,
          e.getMessage());
    }
    return HttpResponse.text(400, "not an audit EventList: " + reason);
  }
}
