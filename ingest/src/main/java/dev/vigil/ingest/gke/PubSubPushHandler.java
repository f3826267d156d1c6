package dev.vigil.ingest.gke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.ingest.http.HttpResponse;
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
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one Pub/Sub push message from a log sink ({@code {"message": {"data": <base64 LogEntry>,
 * "messageId": ...}, "subscription": ...}}) and publishes the pod admission it carries.
 *
 * <p>Answers 204 once Kafka acknowledged the record (Pub/Sub counts any 2xx as an ack), 503 when
 * Kafka did not (Pub/Sub redelivers). A message that cannot be read is written to the dead-letter
 * topic and then acknowledged, so that Pub/Sub does not redeliver a poison message forever.
 */
public final class PubSubPushHandler implements Function<byte[], HttpResponse> {

  private static final Logger LOG = LoggerFactory.getLogger(PubSubPushHandler.class);
  static final String COMPONENT = "ingest.gke-pubsub";

  private final RecordPublisher publisher;
  private final String defaultClusterId;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final ObjectMapper mapper = Json.mapper();

  public PubSubPushHandler(
      RecordPublisher publisher, String defaultClusterId, IngestMetrics metrics, Clock clock) {
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.defaultClusterId = defaultClusterId;
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Handles a push from credentials that may post for every cluster. */
  @Override
  public HttpResponse apply(byte[] body) {
    return handle(body, cluster -> true);
  }

  /**
   * Handles a push.
   *
   * @param mayPostFor whether the credentials that pushed may post for a cluster: an entry for
   *     another cluster is answered 403 and counted, and nothing is published
   */
  public HttpResponse handle(byte[] body, java.util.function.Predicate<String> mayPostFor) {
    String subscription = "unknown";
    Outgoing<?> record;
    try {
      JsonNode push = mapper.readTree(body);
      subscription =
          Objects.requireNonNullElse(push.path("subscription").asText(null), subscription);
      String data = push.path("message").path("data").asText(null);
      if (data == null) {
        throw new TranslationException("push message without message.data");
      }
      JsonNode entry = mapper.readTree(Base64.getDecoder().decode(data));
      metrics.eventsReceived(CloudAuditLogReader.SOURCE, 1);
      AdmissionEvent e =
          GkeAuditLogTranslator.translate(entry, defaultClusterId, OwnerLookup.NONE).orElse(null);
      if (e == null) {
        return new HttpResponse(
            204, "text/plain", new byte[0], java.util.Map.of()); // not a pod admission
      }
      if (!mayPostFor.test(e.clusterId())) {
        metrics.forbidden("gke-pubsub");
        return HttpResponse.forbidden();
      }
      record =
          new Outgoing<>(Topics.ADMISSION_EVENTS, e.key(), e, e.eventId(), e.requestReceivedAt());
    } catch (java.io.IOException | IllegalArgumentException | TranslationException ex) {
      String reason =
          ex instanceof com.fasterxml.jackson.core.JsonProcessingException j
              ? "malformed JSON: " + j.getOriginalMessage()
              : ex.getMessage();
      record =
          DeadLetters.of(
              COMPONENT, subscription, body, "UnreadablePushMessage", reason, clock.instant());
      metrics.deadLettered(CloudAuditLogReader.SOURCE, 1);
    }
    try {
      publisher.publishAll(List.of(record));
    } catch (PublishException ex) {
      LOG.warn("Pub/Sub message not acknowledged by Kafka ({}); answering 503", ex.reason());
      return HttpResponse.text(503, "Kafka unavailable").withHeader("Retry-After", "1");
    }
    return new HttpResponse(204, "text/plain", new byte[0], java.util.Map.of());
  }
}
