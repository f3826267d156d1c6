package dev.vigil.cli;

import dev.vigil.ingest.feeds.TopicIndex;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.schemas.CloudEvents;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vigil revoke}: a person revokes an attestation, or every attestation of an image digest,
 * by writing tombstones to the compacted {@code vigil.attestations} topic; streams re-judges the
 * pods running that digest.
 */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    description = {
      "Revoke an attestation (--attestation KEY, the topic key imageDigest/occurrence) or every attestation"
          + " of an image (--digest sha256:...): writes a tombstone per key to vigil.attestations, and the pods"
          + " running that image are judged again. Prints one JSON line per tombstone.",
      "A revoked attestation that is still in a watched file or Grafeas project comes back when that source"
          + " changes or ingest restarts: remove it there too (the output names the source).",
      "Exit status: 0 written, 1 Kafka did not take it, 2 unusable arguments, 3 no such attestation on the topic."
    })
final class RevokeCommand implements Callable<Integer> {

  static final Pattern DIGEST = Pattern.compile("^sha256:[0-9a-f]{64}$");

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  /** One attestation, or all of a digest. */
  static final class Target {
    @Option(
        names = "--attestation",
        paramLabel = "KEY",
        description = "The attestation's key, sha256:<64 hex>/<occurrence name>.")
    String attestation;

    @Option(
        names = "--digest",
        paramLabel = "DIGEST",
        description = "Every attestation of this image digest.")
    String digest;
  }

  @Option(
      names = "--by",
      paramLabel = "NAME",
      description = "Who revokes (recorded in the tombstones' origin header).")
  String by;

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--timeout",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description =
          "How long to wait for Kafka to read the topic and to acknowledge the tombstones (default 30).")
  int timeoutSeconds;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  Clock clock = Clock.systemUTC();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String problem = check();
    if (problem != null) {
      err.println("vigil revoke: " + problem);
      return 2;
    }
    Properties props;
    try {
      props = kafka.producerProperties(timeoutSeconds, "vigil-revoke");
    } catch (IllegalArgumentException e) {
      err.println("vigil revoke: " + e.getMessage());
      return 2;
    }
    Map<String, String> chosen = new TreeMap<>();
    try {
      Map<String, Object> consumer = new HashMap<>();
      kafka.clientProperties().forEach((k, v) -> consumer.put(k.toString(), v));
      Map<String, String> live =
          TopicIndex.liveKeys(
              kafka.bootstrapServers,
              consumer,
              Topics.ATTESTATIONS.name(),
              Duration.ofSeconds(timeoutSeconds));
      live.forEach(
          (key, origin) -> {
            if (target.attestation != null
                ? key.equals(target.attestation)
                : key.startsWith(target.digest + "/")) {
              chosen.put(key, origin);
            }
          });
    } catch (RuntimeException e) {
      err.println(
          "vigil revoke: cannot read " + Topics.ATTESTATIONS.name() + ": " + e.getMessage());
      return 1;
    }
    if (chosen.isEmpty()) {
      err.println(
          "vigil revoke: "
              + Topics.ATTESTATIONS.name()
              + " holds no attestation "
              + (target.attestation != null ? target.attestation : "of " + target.digest)
              + "; nothing written");
      return 3;
    }
    Instant at = clock.instant();
    String origin = "revoke:" + (by == null || by.isBlank() ? "" : by.strip());
    List<Map<String, Object>> lines = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      Map<String, Future<RecordMetadata>> sent = new LinkedHashMap<>();
      for (String key : chosen.keySet()) {
        Headers h =
            CloudEvents.headers(
                Topics.ATTESTATIONS, UUID.randomUUID().toString(), "/vigil/cli/revoke", at);
        h.add(Outgoing.ORIGIN_HEADER, origin.getBytes(StandardCharsets.UTF_8));
        sent.put(
            key,
            producer.send(
                new ProducerRecord<>(
                    Topics.ATTESTATIONS.name(), null, at.toEpochMilli(), key, null, h)));
      }
      for (Map.Entry<String, Future<RecordMetadata>> s : sent.entrySet()) {
        RecordMetadata m = s.getValue().get(timeoutSeconds + 5L, TimeUnit.SECONDS);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("topic", m.topic());
        line.put("partition", m.partition());
        line.put("offset", m.offset());
        line.put("revoked", s.getKey());
        String from = chosen.get(s.getKey());
        line.put("source", from);
        if (from != null
            && (from.startsWith("file:")
                || from.startsWith("grafeas:")
                || from.startsWith("cosign:"))) {
          line.put(
              "warning",
              "still in "
                  + from
                  + ": remove it there, or it is published again when that source"
                  + " changes or ingest restarts");
        }
        lines.add(line);
      }
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      err.println("vigil revoke: Kafka did not take the tombstones: " + cause.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("vigil revoke: interrupted");
      return 1;
    }
    lines.forEach(l -> out.println(new String(Json.write(l), StandardCharsets.UTF_8)));
    out.flush();
    return 0;
  }

  /** Why the arguments are unusable, or {@code null}. */
  private String check() {
    if (target.attestation != null) {
      int slash = target.attestation.indexOf('/');
      if (slash < 0
          || !DIGEST.matcher(target.attestation.substring(0, slash)).matches()
          || slash == target.attestation.length() - 1) {
        return "--attestation: '"
            + target.attestation.replace('\n', ' ')
            + "' is not sha256:<64 lower-case hex>/<occurrence name>";
      }
    } else if (!DIGEST.matcher(target.digest).matches()) {
      return "--digest: '"
          + target.digest.replace('\n', ' ')
          + "' is not sha256:<64 lower-case hex>";
    }
    if (timeoutSeconds <= 0) {
      return "--timeout: must be positive";
    }
    return null;
  }
}
