package dev.vigil.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.awt.image.BufferedImage;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report over the scenario's records on a real broker: the Kafka source seeks, reads and stops
 * correctly, every format carries the numbers, and the HTML renders in headless Chromium.
 */
class KafkaReportIT {

  @TempDir static Path dir;
  static KafkaCluster kafka;

  @BeforeAll
  static void fillTopics() throws Exception {
    kafka = KafkaClusters.forTests(dir.resolve("kafka"));
    TestTopics.create(kafka.bootstrapServers());
    Properties p = TestTopics.producer(kafka.bootstrapServers());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      for (Scenario.Rec r : Scenario.records()) {
        producer.send(
            new ProducerRecord<>(
                r.topic().name(),
                null,
                r.timestamp().toEpochMilli(),
                r.key(),
                Json.write(r.value())));
      }
      // A record no reader can make sense of, and a tombstone: skipped, the first one counted.
      producer.send(
          new ProducerRecord<>(
              Topics.FOLLOWUPS.name(), "garbage", "{not json".getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<>(Topics.FOLLOWUPS.name(), "gone", null));
      producer.flush();
    }
  }

  @AfterAll
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
  }

  static Report readReport(ReportSettings settings) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    ReportBuilder builder = new ReportBuilder(settings, ReportBuilderTest.LATER);
    List<long[]> updates = new java.util.ArrayList<>();
    new KafkaReportSource(p, Duration.ofSeconds(30))
        .readInto(builder, (read, total) -> updates.add(new long[] {read, total}));
    long[] last = updates.get(updates.size() - 1);
    assertEquals(last[1], last[0], "progress ends complete");
    return builder.build();
  }

  @Test
  void reportReadFromKafkaHasTheScenarioNumbersInEveryFormat() throws Exception {
    Report r = readReport(ReportSettings.of(Scenario.FROM, Scenario.TO));

    ReportBuilderTest.assertScenarioNumbers(r);
    assertEquals(1, r.input().unreadable());
    assertEquals(1, r.input().duplicateAdmissionEvents());
    RenderersTest.assertScenarioJson(RenderersTest.render(r, ReportFormat.JSON));
    RenderersTest.assertScenarioCsv(RenderersTest.render(r, ReportFormat.CSV));
    assertTrue(RenderersTest.render(r, ReportFormat.MARKDOWN).contains("| Admissions seen | 34 |"));
  }

  @Test
  void seekingByTimeSkipsAdmissionsBeforeThePeriodButStillSeesWhatWasOpen() throws Exception {
    // A period that begins after most of the week: admissions before it are not even read, but the
    // follow-ups and violations opened before it are, so what was open is still right.
    Report r =
        readReport(ReportSettings.of(java.time.Instant.parse("2026-11-06T00:00:00Z"), Scenario.TO));

    assertTrue(r.input().admissionEventsRead() < 10, "read " + r.input().admissionEventsRead());
    assertEquals(2, r.summary().dryRunDenials());
    assertEquals(List.of("fu-f", "fu-e", "fu-i"), ReportBuilderTest.ids(r.stillOpen()));
    assertEquals(2, r.violatingAtEnd().size());
  }

  @Test
  void aMissingTopicMakesTheTopicsUnreadable(@TempDir Path other) {
    try (KafkaCluster empty = KafkaClusters.forTests(other)) {
      Properties p = new Properties();
      p.put("bootstrap.servers", empty.bootstrapServers());
      var e =
          assertThrows(
              TopicsUnreadableException.class,
              () ->
                  new KafkaReportSource(p, Duration.ofSeconds(20))
                      .readInto(
                          new ReportBuilder(ReportSettings.of(Scenario.FROM, Scenario.TO)),
                          Progress.NONE));
      assertTrue(e.getMessage().contains("vigil.followups"), e.getMessage());
    }
  }

  @Test
  void htmlRendersInHeadlessChromiumWithItsTables() throws Exception {
    String executable = Chromium.executable();
    Report r = readReport(ReportSettings.of(Scenario.FROM, Scenario.TO));
    Path html = dir.resolve("report.html");
    StringWriter w = new StringWriter();
    ReportFormat.HTML.render(r, w);
    Files.writeString(html, w.toString());
    Path png = dir.resolve("report.png");

    Chromium.screenshot(html, png, dir);
    String dom = Chromium.dumpDom(html, dir);

    assertTrue(Files.exists(png), "no screenshot from " + executable);
    assertTrue(Files.size(png) > 20_000, "screenshot is only " + Files.size(png) + " bytes");
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(1280, image.getWidth());
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 7) {
      for (int x = 0; x < image.getWidth(); x += 7) {
        colours.add(image.getRGB(x, y));
      }
    }
    assertTrue(colours.size() > 20, "the screenshot looks blank: " + colours.size() + " colours");
    for (String id :
        List.of(
            "summary",
            "namespaces",
            "outages",
            "followups",
            "still-open",
            "past-deadline",
            "violating")) {
      assertTrue(
          dom.contains("<table id=\"" + id + "\">"), "no table " + id + " in the rendered DOM");
    }
    assertEquals(8, rowsOf(dom, "followups"));
    assertEquals(3, rowsOf(dom, "still-open"));
    assertTrue(dom.contains("<svg id=\"followup-chart\""));
    assertTrue(!dom.contains("<script>alert"), "the hostile note stayed text");
    Files.copy(
        png,
        Path.of("target", "report-screenshot.png"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static int rowsOf(String dom, String tableId) {
    Matcher m =
        Pattern.compile("<table id=\"" + tableId + "\">.*?<tbody>(.*?)</tbody>", Pattern.DOTALL)
            .matcher(dom);
    assertTrue(m.find(), "table " + tableId);
    return m.group(1).split("<tr>", -1).length - 1;
  }
}
