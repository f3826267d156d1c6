package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Topics;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator's log shows for unreadable records, under the logging configuration Vigil ships
 * ({@code cli/src/main/resources/log4j2.xml}): one line per dead letter, no payload, no trace.
 */
class DeadLetterLogTest {

  static final URI SHIPPED =
      Path.of("../cli/src/main/resources/log4j2.xml").toAbsolutePath().toUri();

  final List<String> lines = new CopyOnWriteArrayList<>();
  LoggerContext context;
  URI before;

  @BeforeEach
  void captureUnderTheShippedConfiguration() {
    context = (LoggerContext) LogManager.getContext(false);
    before = context.getConfigLocation();
    context.setConfigLocation(SHIPPED);
  }

  /** Captures everything the shipped configuration lets through, as the console would print it. */
  void capture() {
    PatternLayout layout =
        PatternLayout.newBuilder().withPattern("%-5level %c{1} - %msg%n%throwable").build();
    AbstractAppender appender =
        new AbstractAppender("capture", null, layout, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent event) {
            lines.addAll(List.of(layout.toSerializable(event).split("\n")));
          }
        };
    appender.start();
    // On the root only: events of every (additive) logger reach it once they pass their level.
    context.getConfiguration().getRootLogger().addAppender(appender, null, null);
    context.updateLoggers();
  }

  @AfterEach
  void restore() {
    context.setConfigLocation(before);
  }

  @Test
  void eachUnreadableRecordLogsOneLineWithTopicPartitionOffsetAndNoPayload(@TempDir Path dir) {
    try (TopologyHarness h = new TopologyHarness(dir)) {
      capture();
      for (int i = 0; i < 3; i++) {
        h.sendRaw(
            Topics.POD_EVENTS,
            "us-central1-a.prod/payments/p" + i,
            ("{\"token\": hunter2-secret-" + i + "}").getBytes(StandardCharsets.UTF_8));
      }
      assertEquals(
          3,
          h.counter(
              "vigil.dead.letters", "source", Topics.POD_EVENTS.name(), "reason", "unreadable"));
    }

    List<String> deadLetterLines = lines.stream().filter(l -> l.contains("dead letter:")).toList();
    assertEquals(3, deadLetterLines.size(), String.join("\n", lines));
    assertEquals(3, lines.size(), "nothing but the three lines: " + String.join("\n", lines));
    for (int i = 0; i < 3; i++) {
      String line = deadLetterLines.get(i);
      assertTrue(line.startsWith("WARN "), line);
      assertTrue(
          line.contains("component=streams topic=vigil.pod-events partition=0 offset=" + i), line);
      assertTrue(line.contains("reason=unreadable"), line);
      assertFalse(line.contains("hunter2"), "payload text in the log: " + line);
    }
  }

  @Test
  void theStackTraceIsThereAtDebug(@TempDir Path dir) {
    try (TopologyHarness h = new TopologyHarness(dir)) {
      context.getConfiguration().getLoggerConfig("dev.vigil").setLevel(Level.DEBUG);
      capture();
      h.sendRaw(
          Topics.POD_EVENTS,
          "us-central1-a.prod/payments/p",
          "{not json".getBytes(StandardCharsets.UTF_8));
      assertEquals(
          1,
          h.counter(
              "vigil.dead.letters", "source", Topics.POD_EVENTS.name(), "reason", "unreadable"));
    }

    assertTrue(
        lines.stream()
            .anyMatch(l -> l.startsWith("DEBUG") && l.contains("stack trace of the dead letter")),
        String.join("\n", lines));
    assertTrue(lines.stream().anyMatch(l -> l.trim().startsWith("at ")), String.join("\n", lines));
  }
}
