package dev.vigil.cli;

import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.FollowUpId;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vigil ack}: a person acknowledges (or resolves, or reopens) a follow-up. Writes one {@link
 * FollowUpAck} to {@code vigil.followup-acks}, keyed by the follow-up key (the id up to the {@code
 * #}), with an idempotent producer and {@code acks=all}.
 */
@Command(
    name = "ack",
    mixinStandardHelpOptions = true,
    description = {
      "Acknowledge a fail-open, breakglass or dry-run follow-up (or resolve or reopen it).",
      "FOLLOWUP_ID is <cluster>/<namespace>/<Kind>/<name>/<KIND>#<cycle> as `vigil replay`, the report and"
          + " the follow-ups topic show it. Prints the acknowledgement written as one JSON line.",
      "--until makes the acknowledgement expire: at that time streams puts the follow-up back in the state it was"
          + " acknowledged from, with the reason in its cause. Acknowledging an acknowledged follow-up again with"
          + " another --until or --ticket renews it.",
      "Before writing, reads the latest record of the follow-up on vigil.followups and refuses an id that"
          + " is not there, a cycle that is not the latest, or an action its state does not take (what"
          + " streams would ignore).",
      "Exit status: 0 written, 1 Kafka could not be read or did not take it, 2 unusable arguments"
          + " (malformed id, missing --by), 3 refused (unknown follow-up, other cycle, already in that state)."
    })
final class AckCommand implements Callable<Integer> {

  @Parameters(
      index = "0",
      paramLabel = "FOLLOWUP_ID",
      description =
          "The follow-up, e.g." + " us-central1-a.prod/payments/DEPLOYMENT/api/BREAKGLASS#1.")
  String followUpId;

  @Option(
      names = "--by",
      required = true,
      paramLabel = "NAME",
      description = "Who acknowledges it (recorded).")
  String by;

  @Option(
      names = "--note",
      paramLabel = "TEXT",
      description = "Why it is fine, or what was done (recorded).")
  String note;

  @Option(
      names = "--until",
      paramLabel = "TIME",
      description =
          "The acknowledgement expires then: an ISO-8601"
              + " time (2026-12-01T09:00:00Z) or a duration from now (8h, 7d, P7D). Acknowledge only.")
  String until;

  @Option(
      names = "--ticket",
      paramLabel = "REF",
      description =
          "A ticket reference (e.g. SEC-42), recorded in the" + " follow-up and in reports.")
  String ticket;

  /** Longest ticket reference taken. */
  static final int MAX_TICKET_CHARS = 200;

  @ArgGroup(exclusive = true)
  Action action;

  /** --resolve or --reopen; acknowledge when neither. */
  static final class Action {
    @Option(names = "--resolve", description = "Close it as RESOLVED instead of ACKNOWLEDGED.")
    boolean resolve;

    @Option(names = "--reopen", description = "Reopen an acknowledged or resolved follow-up.")
    boolean reopen;
  }

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--timeout",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description =
          "How long to wait for Kafka to show the follow-up and to acknowledge the write (default 30).")
  int timeoutSeconds;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  Clock clock = Clock.systemUTC();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String problem = check();
    FollowUpId id = null;
    if (problem == null) {
      try {
        id = FollowUpId.parse(followUpId);
      } catch (FollowUpId.InvalidFollowUpIdException e) {
        problem = "FOLLOWUP_ID: " + e.getMessage();
      }
    }
    if (problem != null) {
      err.println("vigil ack: " + problem);
      err.flush();
      return 2;
    }
    FollowUpAck.Action what =
        action == null
            ? FollowUpAck.Action.ACKNOWLEDGE
            : action.resolve
                ? FollowUpAck.Action.RESOLVE
                : action.reopen ? FollowUpAck.Action.REOPEN : FollowUpAck.Action.ACKNOWLEDGE;
    Instant at = clock.instant();
    Instant expires = null;
    if (until != null) {
      try {
        expires = until(until, at);
      } catch (IllegalArgumentException e) {
        problem = "--until: " + e.getMessage();
      }
      if (problem == null && what != FollowUpAck.Action.ACKNOWLEDGE) {
        problem = "--until: applies to an acknowledgement, not to --resolve or --reopen";
      }
    }
    if (problem != null) {
      err.println("vigil ack: " + problem);
      err.flush();
      return 2;
    }
    FollowUpAck ack =
        new FollowUpAck(
            id.toString(),
            what,
            by.strip(),
            note == null || note.isBlank() ? null : note,
            at,
            expires,
            ticket == null ? null : ticket.strip());
    String key = id.key();
    Properties props;
    try {
      props = kafka.clientProperties();
    } catch (IllegalArgumentException e) {
      err.println("vigil ack: " + e.getMessage());
      return 2;
    }
    Optional<FollowUp> latest;
    try {
      latest = new FollowUpLookup(props, Duration.ofSeconds(timeoutSeconds)).latest(id);
    } catch (FollowUpLookup.LookupException | RuntimeException e) {
      err.println("vigil ack: cannot check the follow-up, nothing written: " + e.getMessage());
      return 1;
    }
    String refusal = refusal(id, ack, latest);
    if (refusal != null) {
      err.println("vigil ack: " + refusal + "; nothing written");
      return 3;
    }
    props = kafka.producerProperties(timeoutSeconds, "vigil-ack");
    RecordMetadata written;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      ProducerRecord<String, byte[]> record =
          new ProducerRecord<>(
              Topics.FOLLOWUP_ACKS.name(),
              null,
              at.toEpochMilli(),
              key,
              Json.write(ack),
              CloudEvents.headers(
                  Topics.FOLLOWUP_ACKS, UUID.randomUUID().toString(), "/vigil/cli/ack", at));
      written = producer.send(record).get(timeoutSeconds + 5L, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      err.println("vigil ack: Kafka did not take the acknowledgement: " + cause.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("vigil ack: interrupted");
      return 1;
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("topic", written.topic());
    line.put("partition", written.partition());
    line.put("offset", written.offset());
    line.put("key", key);
    line.put("followupId", ack.followUpId());
    line.put("action", ack.action());
    line.put("by", ack.by());
    line.put("note", ack.note());
    line.put("at", ack.at().toString());
    if (ack.acknowledgedUntil() != null) {
      line.put("acknowledgedUntil", ack.acknowledgedUntil().toString());
    }
    if (ack.ticket() != null) {
      line.put("ticket", ack.ticket());
    }
    out.println(new String(Json.write(line), StandardCharsets.UTF_8));
    out.flush();
    return 0;
  }

  /**
   * Why streams would ignore {@code what} for {@code id}, given the latest follow-up record of its
   * key, or {@code null} when it would act on it (the rules of the follow-up lifecycle's onAck).
   */
  static String refusal(FollowUpId id, FollowUpAck ack, Optional<FollowUp> latest) {
    FollowUpAck.Action what = ack.action();
    if (latest.isEmpty()) {
      return "no follow-up "
          + id.key()
          + " on "
          + Topics.FOLLOWUPS.name()
          + " (check the id against `vigil report` or the topic)";
    }
    FollowUp f = latest.get();
    if (!f.followUpId().equals(id.toString())) {
      return id
          + " is not the current follow-up of its workload: the latest is "
          + f.followUpId()
          + " ("
          + f.state()
          + ")";
    }
    FollowUp.State state = f.state();
    boolean closed = state == FollowUp.State.RESOLVED || state == FollowUp.State.ACKNOWLEDGED;
    return switch (what) {
      case ACKNOWLEDGE ->
          closed && !renews(f, ack)
              ? id
                  + " is already closed ("
                  + state
                  + ", "
                  + f.cause()
                  + ")"
                  + (state == FollowUp.State.ACKNOWLEDGED
                      ? " (another --until or --ticket renews it)"
                      : "")
              : null;
      case RESOLVE ->
          state == FollowUp.State.RESOLVED
              ? id + " is already closed (" + state + ", " + f.cause() + ")"
              : null;
      case REOPEN -> closed ? null : id + " is not closed (" + state + "): nothing to reopen";
    };
  }

  /**
   * Whether {@code ack} renews the acknowledgement of {@code f}: it is ACKNOWLEDGED, the old or the
   * new one expires, and the expiry, ticket or person differs (as the follow-up lifecycle decides).
   */
  static boolean renews(FollowUp f, FollowUpAck ack) {
    return f.state() == FollowUp.State.ACKNOWLEDGED
        && (f.acknowledgedUntil() != null || ack.acknowledgedUntil() != null)
        && !(java.util.Objects.equals(f.acknowledgedUntil(), ack.acknowledgedUntil())
            && java.util.Objects.equals(f.ticket(), ack.ticket())
            && java.util.Objects.equals(f.acknowledgedBy(), ack.by()));
  }

  /**
   * {@code --until}: an ISO-8601 time after {@code now}, or a positive duration from it (8h, 7d,
   * P7D).
   */
  static Instant until(String text, Instant now) {
    String t = text.strip();
    Instant when;
    try {
      if (t.matches("[0-9]+d")) {
        when = now.plus(Duration.ofDays(Long.parseLong(t.substring(0, t.length() - 1))));
      } else if (Character.isDigit(t.isEmpty() ? 'x' : t.charAt(0)) && t.contains("T")) {
        when = java.time.OffsetDateTime.parse(t).toInstant();
      } else {
        when = now.plus(dev.vigil.schemas.settings.Parsers.duration(t));
      }
    } catch (java.time.format.DateTimeParseException
        | ArithmeticException
        | NumberFormatException e) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is neither a time (2026-12-01T09:00:00Z) nor a duration"
              + " (8h, 7d, P7D)");
    }
    if (!when.isAfter(now)) {
      throw new IllegalArgumentException("'" + text + "' is not in the future");
    }
    return when;
  }

  /** Why the arguments are unusable, or {@code null}. */
  private String check() {
    if (by == null || by.isBlank()) {
      return "--by: must name who acknowledges";
    }
    if (ticket != null && (ticket.isBlank() || ticket.length() > MAX_TICKET_CHARS)) {
      return "--ticket: must be a reference of 1 to " + MAX_TICKET_CHARS + " characters";
    }
    if (timeoutSeconds <= 0) {
      return "--timeout: must be positive";
    }
    return null;
  }
}
