package dev.vigil.cli.run;

import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.UnreadableMessageException;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A live, readable feed on the console: one line per violation transition and follow-up change
 * (committed records only), and a summary line at a fixed interval.
 */
public final class ConsoleFeed implements AutoCloseable {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final String RESET = "\u001b[0m";

  private final KafkaConsumer<String, byte[]> consumer;
  private final PrintWriter out;
  private final boolean colour;
  private final MeterRegistry registry;
  private final Duration summaryEvery;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong lines = new AtomicLong();
  private final Thread thread;

  private ConsoleFeed(
      KafkaAccess kafka,
      PrintWriter out,
      boolean colour,
      MeterRegistry registry,
      Duration summaryEvery) {
    Map<String, Object> p = new HashMap<>(kafka.clientProperties());
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    this.out = out;
    this.colour = colour;
    this.registry = registry;
    this.summaryEvery = summaryEvery;
    this.thread = new Thread(this::loop, "vigil-console-feed");
    this.thread.setDaemon(true);
  }

  /** Starts following the violations and follow-ups topics from their current end. */
  public static ConsoleFeed start(
      KafkaAccess kafka,
      PrintWriter out,
      boolean colour,
      MeterRegistry registry,
      Duration summaryEvery) {
    ConsoleFeed feed = new ConsoleFeed(kafka, out, colour, registry, summaryEvery);
    feed.thread.start();
    return feed;
  }

  /** How many event lines were printed. */
  public long lines() {
    return lines.get();
  }

  private void loop() {
    try {
      List<TopicPartition> parts = new java.util.ArrayList<>();
      for (String topic : List.of(Topics.VIOLATIONS.name(), Topics.FOLLOWUPS.name())) {
        consumer
            .partitionsFor(topic)
            .forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
      }
      consumer.assign(parts);
      consumer.seekToEnd(parts);
      parts.forEach(consumer::position);
      long nextSummary = System.nanoTime() + summaryEvery.toNanos();
      while (running.get()) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          print(r);
        }
        if (System.nanoTime() >= nextSummary) {
          summary();
          nextSummary = System.nanoTime() + summaryEvery.toNanos();
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      out.println("console feed stopped: " + e.getMessage());
      out.flush();
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void print(ConsumerRecord<String, byte[]> r) {
    if (r.value() == null) {
      return;
    }
    String line;
    try {
      if (r.topic().equals(Topics.VIOLATIONS.name())) {
        line = violation(Json.read(r.value(), ViolationTransition.class));
      } else {
        line = followUp(Json.read(r.value(), FollowUp.class));
      }
    } catch (UnreadableMessageException e) {
      line = "unreadable record on " + r.topic() + ": " + e.getMessage();
    }
    out.println(line);
    out.flush();
    lines.incrementAndGet();
  }

  String violation(ViolationTransition v) {
    String colourCode =
        switch (v.transition()) {
          case OPENED -> "\u001b[31m";
          case CHANGED -> "\u001b[33m";
          case RESOLVED -> "\u001b[32m";
        };
    return paint(colourCode, violationText(v));
  }

  /**
   * A finding on one line: time, transition, pod, workload, then for a policy violation its
   * severity and summary (without the pod it starts with; a record without a summary, schema v1,
   * shows its decision and reasons), for a hygiene finding its rules and severity.
   */
  static String violationText(ViolationTransition v) {
    boolean hygiene = v.category() == ViolationCategory.HYGIENE;
    String head =
        TIME.format(v.at())
            + (hygiene ? " HYGIENE   " : " VIOLATION ")
            + pad(v.transition().name(), 9)
            + v.clusterId()
            + "/"
            + v.namespace()
            + "/"
            + v.podName()
            + " ("
            + v.owner().kind()
            + " "
            + v.owner().name()
            + ") ";
    if (hygiene) {
      String reasons = v.reasons().isEmpty() ? "" : ": " + String.join("; ", v.reasons());
      return head
          + String.join(",", v.rules())
          + " ("
          + v.severity().wire()
          + ")"
          + truncate(reasons, 240);
    }
    String pod = v.namespace() + "/" + v.podName() + ": ";
    String what =
        v.summary() == null
            ? String.join("; ", v.reasons())
            : v.summary().startsWith(pod) ? v.summary().substring(pod.length()) : v.summary();
    return head
        + (v.severity() == null ? "" : v.severity().wire() + " ")
        + (v.summary() == null ? v.current() + (what.isEmpty() ? "" : ": ") : "")
        + truncate(what, 240);
  }

  String followUp(FollowUp f) {
    String colourCode =
        switch (f.state()) {
          case ESCALATED -> "\u001b[31m";
          case OPEN -> "\u001b[33m";
          default -> "\u001b[32m";
        };
    return paint(
        colourCode,
        TIME.format(f.changedAt())
            + " FOLLOW-UP "
            + pad(f.kind().name(), 11)
            + pad(f.state().name(), 13)
            + f.clusterId()
            + "/"
            + f.owner().namespace()
            + " "
            + f.owner().kind()
            + "/"
            + f.owner().name()
            + " ("
            + f.podCount()
            + (f.podCount() == 1 ? " pod" : " pods")
            + ")"
            + (f.bypassSuspected()
                ? " SUSPECTED BYPASS (" + f.priorDenials() + " prior denials)"
                : "")
            + " id="
            + f.followUpId()
            + ": "
            + truncate(f.cause(), 200));
  }

  private void summary() {
    out.println(
        paint(
            "\u001b[36m",
            TIME.format(java.time.Instant.now())
                + " SUMMARY   pods evaluated "
                + (long) sum("vigil.evaluations")
                + ", open violations "
                + (long) gauges("vigil.violations.open")
                + ", open follow-ups "
                + (long) gauges("vigil.followups.open")
                + ", dead letters "
                + (long) sum("vigil.dead.letters")));
    out.flush();
  }

  private double sum(String counter) {
    return registry.find(counter).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  private double gauges(String gauge) {
    return registry.find(gauge).gauges().stream()
        .mapToDouble(Gauge::value)
        .filter(d -> !Double.isNaN(d))
        .sum();
  }

  private String paint(String code, String s) {
    return colour ? code + s + RESET : s;
  }

  private static String pad(String s, int n) {
    return s.length() >= n ? s + " " : s + " ".repeat(n - s.length());
  }

  private static String truncate(String s, int n) {
    return s == null ? "" : s.length() <= n ? s : s.substring(0, n) + "…";
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      thread.join(3000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
