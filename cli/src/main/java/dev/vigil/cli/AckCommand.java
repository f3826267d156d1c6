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
 * {@code vigil ack}: a person acknowledges (or resolves, or reopens) a follow-up. Writes one
 * {@link FollowUpAck} to {@code vigil.followup-acks}, keyed by the follow-up key (the id up to the
 * {@code #}), with an idempotent producer and {@code acks=all}.
 */
@Command(
    name = "ack",
    mixinStandardHelpOptions = true,
    description = {
      "Acknowledge a fail-open, breakglass or dry-run follow-up (or resolve or reopen it).",
      "FOLLOWUP_ID is <cluster>/<namespace>/<Kind>/<name>/<KIND>#<cycle> as `vigil replay`, the report and"
          + " the follow-ups topic show it. Prints the acknowledgement written as one JSON line.",
      "Before writing, reads the latest record of the follow-up on vigil.followups and refuses an id that"
          + " is not there, a cycle that is not the latest, or an action its state does not take (what"
          + " streams would ignore).",
      "Exit status: 0 written, 1 Kafka could not be read or did not take it, 2 unusable arguments"
          + " (malformed id, missing --by), 3 refused (unknown follow-up, other cycle, already in that state)."
    })
final class AckCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "FOLLOWUP_ID", description = "The follow-up, e.g."
      + " us-central1-a.prod/payments/DEPLOYMENT/api/BREAKGLASS#1.")
  String followUpId;

  @Option(names = "--by", required = true, paramLabel = "NAME", description = "Who acknowledges it (recorded).")
  String by;

  @Option(names = "--note", paramLabel = "TEXT", description = "Why it is fine, or what was done (recorded).")
  String note;

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

  @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
      description = "How long to wait for Kafka to show the follow-up and to acknowledge the write (default 30).")
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
    FollowUpAck.Action what = action == null ? FollowUpAck.Action.ACKNOWLEDGE
        : action.resolve ? FollowUpAck.Action.RESOLVE : action.reopen ? FollowUpAck.Action.REOPEN
        : FollowUpAck.Action.ACKNOWLEDGE;
    Instant at = clock.instant();
    FollowUpAck ack = new FollowUpAck(id.toString(), what, by.strip(), note == null || note.isBlank() ? null : note, at);
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
    String refusal = refusal(id, what, latest);
    if (refusal != null) {
      err.println("vigil ack: " + refusal + "; nothing written");
      return 3;
    }
    props = kafka.producerProperties(timeoutSeconds, "vigil-ack");
    RecordMetadata written;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.FOLLOWUP_ACKS.name(), null,
          at.toEpochMilli(), key, Json.write(ack),
          CloudEvents.headers(Topics.FOLLOWUP_ACKS, UUID.randomUUID().toString(), "/vigil/cli/ack", at));
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
    out.println(new String(Json.write(line), StandardCharsets.UTF_8));
    out.flush();
    return 0;
  }

  /**
   * Why streams would ignore {@code what} for {@code id}, given the latest follow-up record of its
   * key, or {@code null} when it would act on it (the rules of the follow-up lifecycle's onAck).
   */
  static String refusal(FollowUpId id, FollowUpAck.Action what, Optional<FollowUp> latest) {
    if (latest.isEmpty()) {
      return "no follow-up " + id.key() + " on " + Topics.FOLLOWUPS.name()
          + " (check the id against `vigil report` or the topic)";
    }
    FollowUp f = latest.get();
    if (!f.followUpId().equals(id.toString())) {
      return id + " is not the current follow-up of its workload: the latest is " + f.followUpId()
          + " (" + f.state() + ")";
    }
    FollowUp.State state = f.state();
    boolean closed = state == FollowUp.State.RESOLVED || state == FollowUp.State.ACKNOWLEDGED;
    return switch (what) {
      case ACKNOWLEDGE -> closed ? id + " is already closed (" + state + ", " + f.cause() + ")" : null;
      case RESOLVE -> state == FollowUp.State.RESOLVED
          ? id + " is already closed (" + state + ", " + f.cause() + ")" : null;
      case REOPEN -> closed ? null : id + " is not closed (" + state + "): nothing to reopen";
    };
  }

  /** Why the arguments are unusable, or {@code null}. */
  private String check() {
    if (by == null || by.isBlank()) {
      return "--by: must name who acknowledges";
    }
    if (timeoutSeconds <= 0) {
      return "--timeout: must be positive";
    }
    return null;
  }
}
