package dev.vigil.ingest.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.ingest.kafka.DeadLetters;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.PublishException;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists a project's ATTESTATION occurrences from the Container Analysis (Grafeas v1) REST API
 * ({@code GET v1/projects/P/occurrences?filter=kind="ATTESTATION"}, every page) and keeps {@code
 * vigil.attestations} equal to the listing: new and changed occurrences are published, and an
 * occurrence missing from a complete listing is revoked with a tombstone.
 *
 * <p>Only a complete listing revokes. A 429, a 5xx or a network error is retried with exponential
 * backoff; when the retries run out, or another error status comes back, the poll publishes nothing
 * and the next poll starts again. An occurrence that cannot be read is dead-lettered, and that
 * listing publishes what it could read but revokes nothing.
 */
public final class GrafeasPoller {

  private static final Logger LOG = LoggerFactory.getLogger(GrafeasPoller.class);
  private static final String COMPONENT = "ingest.grafeas";
  private static final Pattern PROJECT =
      Pattern.compile("[a-z][a-z0-9-]{4,28}[a-z0-9]|[a-z0-9.:-]{1,100}");
  private static final Set<Integer> RETRIED = Set.of(408, 429, 500, 502, 503, 504);
  static final int PAGE_SIZE = 500;

  /**
   * Where the API's access tokens come from ({@link GoogleTokens}); {@code null} means anonymous.
   */
  @FunctionalInterface
  public interface Tokens {
    String accessToken() throws IOException;
  }

  /**
   * Retries of one request: how many attempts, and the first wait (doubled each time, at most 30
   * s).
   */
  public record Retry(int attempts, Duration firstBackoff) {
    public static final Retry STANDARD = new Retry(5, Duration.ofSeconds(1));

    public Retry {
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts must be at least 1");
      }
    }
  }

  /** What one poll did. */
  public record Summary(
      boolean complete, int pages, int occurrences, int published, int revoked, int unreadable) {}

  private final URI endpoint;
  private final String project;
  private final String origin;
  private final Tokens tokens;
  private final HttpClient http;
  private final Retry retry;
  private final RecordPublisher publisher;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final Contributions contributions = new Contributions(Topics.ATTESTATIONS);

  /**
   * occurrence key → the JSON last published for it, so an unchanged occurrence is not published
   * again.
   */
  private Map<String, String> publishedJson = new HashMap<>();

  /**
   * @param endpoint the API root, {@code https://containeranalysis.googleapis.com} for Google
   * @param project the project holding the occurrences
   */
  public GrafeasPoller(
      URI endpoint,
      String project,
      Tokens tokens,
      HttpClient http,
      Retry retry,
      RecordPublisher publisher,
      IngestMetrics metrics,
      Clock clock) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.project = Objects.requireNonNull(project, "project");
    if (!PROJECT.matcher(project).matches()) {
      throw new IllegalArgumentException("not a Google Cloud project id: " + project);
    }
    this.origin = "grafeas:projects/" + project;
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.http = Objects.requireNonNull(http, "http");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The origin header of this poller's records: {@code grafeas:projects/P}. */
  public String origin() {
    return origin;
  }

  /**
   * Takes over the keys this project contributed before a restart ({@link TopicIndex#liveKeys}).
   */
  public synchronized GrafeasPoller restore(Map<String, String> liveKeys) {
    Map<String, String> mine = new HashMap<>();
    liveKeys.forEach(
        (key, o) -> {
          if (origin.equals(o)) {
            mine.put(key, o);
          }
        });
    contributions.restore(mine);
    return this;
  }

  /**
   * Lists every page and publishes the changes.
   *
   * @throws ListingException when the listing could not be completed (nothing was published)
   * @throws PublishException when Kafka did not take the records (planned again at the next poll)
   */
  public synchronized Summary poll() throws ListingException, PublishException {
    List<JsonNode> occurrences = new ArrayList<>();
    int pages = 0;
    String pageToken = null;
    do {
      JsonNode page = fetch(pageToken);
      pages++;
      page.path("occurrences").forEach(occurrences::add);
      pageToken = page.path("nextPageToken").asText("");
    } while (!pageToken.isEmpty());

    List<Outgoing<?>> records = new ArrayList<>();
    List<Outgoing<?>> deadLetters = new ArrayList<>();
    Map<String, String> json = new HashMap<>();
    for (JsonNode o : occurrences) {
      if (!"ATTESTATION".equals(o.path("kind").asText("ATTESTATION"))) {
        continue; // the filter should have left only attestations
      }
      try {
        Attestation a = Attestations.attestation(o);
        records.add(
            new Outgoing<>(
                Topics.ATTESTATIONS,
                a.key(),
                a,
                a.occurrence(),
                a.createTime() != null ? a.createTime() : clock.instant()));
        json.put(a.key(), o.toString());
      } catch (IllegalArgumentException e) {
        LOG.warn("{}: occurrence of {} not published: {}", COMPONENT, project, e.getMessage());
        deadLetters.add(
            DeadLetters.of(
                COMPONENT,
                origin,
                Json.write(o),
                "UnreadableOccurrence",
                e.getMessage(),
                clock.instant()));
      }
    }
    Contributions.Plan plan =
        deadLetters.isEmpty()
            ? contributions.plan(Map.of(origin, records), clock.instant())
            : contributions.planAdditions(origin, records, clock.instant());
    // Publish only what changed: the plan holds every occurrence of the listing.
    List<Outgoing<?>> out = new ArrayList<>();
    int published = 0;
    for (Outgoing<?> r : plan.records()) {
      if (r.value() == null || !Objects.equals(publishedJson.get(r.key()), json.get(r.key()))) {
        out.add(r);
        published += r.value() == null ? 0 : 1;
      }
    }
    out.addAll(deadLetters);
    publisher.publishAll(out);
    plan.commit();
    Map<String, String> next = new HashMap<>(publishedJson);
    next.putAll(json);
    next.keySet().retainAll(contributions.keys(origin));
    publishedJson = next;
    if (!deadLetters.isEmpty()) {
      metrics.deadLettered(COMPONENT, deadLetters.size());
    }
    if (plan.revoked() > 0) {
      metrics.revoked(Topics.ATTESTATIONS.name(), plan.revoked());
      LOG.info("{}: revoked {} occurrences no longer in {}", COMPONENT, plan.revoked(), project);
    }
    return new Summary(
        true, pages, occurrences.size(), published, plan.revoked(), deadLetters.size());
  }

  /** Polls now and then every {@code interval}. */
  public ScheduledFuture<?> watch(ScheduledExecutorService scheduler, Duration interval) {
    return scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            poll();
          } catch (ListingException | PublishException | RuntimeException e) {
            LOG.warn(
                "{}: poll of {} failed, nothing revoked, will retry: {}",
                COMPONENT,
                project,
                e.getMessage());
          }
        },
        0,
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private JsonNode fetch(String pageToken) throws ListingException {
    String query =
        "filter="
            + enc("kind=\"ATTESTATION\"")
            + "&pageSize="
            + PAGE_SIZE
            + (pageToken == null ? "" : "&pageToken=" + enc(pageToken));
    URI uri = endpoint.resolve("/v1/projects/" + project + "/occurrences?" + query);
    Duration backoff = retry.firstBackoff();
    String last = null;
    for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
      if (attempt > 1) {
        sleep(backoff);
        backoff =
            backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0
                ? Duration.ofSeconds(30)
                : backoff.multipliedBy(2);
      }
      HttpResponse<InputStream> response;
      try {
        HttpRequest.Builder request =
            HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json")
                .GET();
        String token = tokens.accessToken();
        if (token != null) {
          request.header("Authorization", "Bearer " + token);
        }
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        last = e.toString();
        retrying(attempt, last);
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw fail("interrupted", "interrupted");
      }
      int status = response.statusCode();
      byte[] body;
      try (InputStream in = response.body()) {
        body = in.readNBytes((int) Json.MAX_DOCUMENT_BYTES + 1);
      } catch (IOException e) {
        last = "reading the response: " + e;
        continue;
      }
      if (status == 200) {
        if (body.length > Json.MAX_DOCUMENT_BYTES) {
          throw fail("too_large", "a page is larger than " + Json.MAX_DOCUMENT_BYTES + " bytes");
        }
        try {
          JsonNode page = Json.mapper().readTree(body);
          if (page == null || !page.isObject()) {
            throw fail("unreadable", "a page is not a JSON object");
          }
          return page;
        } catch (IOException e) {
          throw fail(
              "unreadable", "a page is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
      }
      last = "HTTP " + status + ": " + message(body);
      if (!RETRIED.contains(status)) {
        throw fail("http_" + status, last);
      }
      retrying(attempt, last);
    }
    throw fail("unavailable", "gave up after " + retry.attempts() + " attempts: " + last);
  }

  /** Says that listing failed at {@code attempt} for {@code why}, and will be tried again. */
  private void retrying(int attempt, String why) {
    LOG.warn(
        "{}: listing {} (attempt {} of {}): {}",
        COMPONENT,
        project,
        attempt,
        retry.attempts(),
        why);
  }

  private ListingException fail(String reason, String message) {
    metrics.feedFailed(COMPONENT, reason);
    return new ListingException("listing the occurrences of " + project + ": " + message);
  }

  /** The {@code error.message} of a Google API error, or the start of the body. */
  private static String message(byte[] body) {
    try {
      JsonNode n = Json.mapper().readTree(body);
      if (n != null && n.path("error").hasNonNull("message")) {
        return n.path("error").path("message").asText();
      }
    } catch (IOException e) {
      // not JSON: show the start of it
    }
    String s = new String(body, StandardCharsets.UTF_8);
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }

  private static void sleep(Duration d) throws ListingException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ListingException("interrupted");
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** The listing could not be completed; nothing was published or revoked. */
  public static final class ListingException extends Exception {
    public ListingException(String message) {
      super(message);
    }
  }
}
