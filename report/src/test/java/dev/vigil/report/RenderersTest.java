package dev.vigil.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.WorkloadRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each format shows the scenario's numbers and rows, and none lets a hostile value through. */
class RenderersTest {

  static String render(Report r, ReportFormat format) {
    StringWriter out = new StringWriter();
    try {
      format.render(r, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  static JsonSchema reportSchema() {
    try (InputStream in = RenderersTest.class.getResourceAsStream("/schemas/report.schema.json")) {
      JsonNode node = Json.mapper().readTree(in);
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
          .getSchema(node, SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Checks a JSON report against the schema and the scenario's numbers. */
  static void assertScenarioJson(String json) throws IOException {
    JsonNode doc = Json.mapper().readTree(json);
    Set<ValidationMessage> errors = reportSchema().validate(doc);
    assertTrue(errors.isEmpty(), "report.schema.json rejects the report: " + errors);
    assertEquals(Report.VERSION, doc.path("version").asInt());
    JsonNode s = doc.path("summary");
    assertEquals(34, s.path("admissions").asLong());
    assertEquals(3, s.path("denials").asLong());
    assertEquals(2, s.path("dryRunDenials").asLong());
    assertEquals(6, s.path("failOpenAdmissions").asLong());
    assertEquals(2, s.path("failOpenOutages").asLong());
    assertEquals(1, s.path("breakglassUses").asLong());
    assertEquals(4, s.path("violationsOpened").asLong());
    assertEquals(2, s.path("violationsResolved").asLong());
    assertEquals(8, s.path("followUps").asLong());
    assertEquals(3, s.path("followUpsStillOpen").asLong());
    assertEquals(1, s.path("followUpsPastDeadline").asLong());
    assertEquals(5136, s.path("timeToClose").path("meanSeconds").asLong());
    assertEquals(18000, s.path("timeToClose").path("p95Seconds").asLong());
    assertEquals(List.of("fu-f", "fu-e", "fu-i"), texts(doc.path("stillOpen")));
    assertEquals(8, doc.path("followUps").size());
    assertEquals(2, doc.path("violatingAtEnd").size());
    assertEquals(259200, doc.path("settings").path("deadlineSeconds").asLong());
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows. */
  static List<List<String>> parseCsv(String csv) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < csv.length(); i++) {
      char c = csv.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.add(field.toString());
        field.setLength(0);
      } else if (c == '\r' && i + 1 < csv.length() && csv.charAt(i + 1) == '\n') {
        row.add(field.toString());
        field.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
        i++;
      } else {
        field.append(c);
      }
    }
    assertTrue(row.isEmpty() && field.length() == 0, "the last record ends with CRLF");
    return rows;
  }

  /** Checks a CSV report: one row per follow-up, with the scenario's values. */
  static void assertScenarioCsv(String csv) {
    List<List<String>> rows = parseCsv(csv);
    assertEquals(CsvRenderer.HEADER, rows.get(0));
    assertEquals(9, rows.size(), "a header and one row per follow-up");
    for (List<String> row : rows) {
      assertEquals(CsvRenderer.HEADER.size(), row.size(), row.toString());
    }
    List<String> d = rows.stream().filter(r -> r.get(0).equals("fu-d")).findFirst().orElseThrow();
    int note = CsvRenderer.HEADER.indexOf("note");
    assertEquals(
        "'" + Scenario.HOSTILE_NOTE, d.get(note), "formula neutralised, text otherwise intact");
    assertEquals("carol@acme.example", d.get(CsvRenderer.HEADER.indexOf("acknowledged_by")));
    assertEquals("3600", d.get(CsvRenderer.HEADER.indexOf("time_to_close_seconds")));
    assertEquals("BREAKGLASS", d.get(CsvRenderer.HEADER.indexOf("kind")));
    List<String> f = rows.stream().filter(r -> r.get(0).equals("fu-f")).findFirst().orElseThrow();
    assertEquals("true", f.get(CsvRenderer.HEADER.indexOf("open_at_end")));
    assertEquals("1209600", f.get(CsvRenderer.HEADER.indexOf("age_seconds")));
    assertEquals("true", f.get(CsvRenderer.HEADER.indexOf("past_deadline")));
  }

  @Test
  void jsonFollowsTheSchemaAndCarriesTheNumbers() throws IOException {
    assertScenarioJson(render(ReportBuilderTest.scenarioReport(), ReportFormat.JSON));
  }

  @Test
  void schemaRejectsAReportWithoutAVersionOrWithAnUndeclaredField() throws IOException {
    var doc =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            Json.mapper().readTree(render(ReportBuilderTest.scenarioReport(), ReportFormat.JSON));
    var extra = doc.deepCopy();
    extra.put("surprise", 1);
    doc.remove("version");

    assertFalse(reportSchema().validate(doc).isEmpty());
    assertFalse(reportSchema().validate(extra).isEmpty());
  }

  @Test
  void csvHasOneRowPerFollowUpAndNeutralisesFormulas() {
    assertScenarioCsv(render(ReportBuilderTest.scenarioReport(), ReportFormat.CSV));
  }

  /**
   * A follow-up whose every free-text field is hostile: quotes, commas, line breaks, markup,
   * formulas.
   */
  static Report hostileReport() {
    Instant seen = Scenario.FROM.plusSeconds(3600);
    FollowUp f =
        new FollowUp(
            "c,\"1\"/ns/DEPLOYMENT/<b>x</b>/BREAKGLASS#1",
            "c,\"1\"",
            new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "ns", "<script>alert(1)</script>"),
            FollowUp.Kind.BREAKGLASS,
            FollowUp.State.ACKNOWLEDGED,
            "line one\r\nline \"two\", three",
            null,
            1,
            List.of("p"),
            List.of("evil.example/a,b:\"1\""),
            List.of("=cmd|' /C calc'!A0", "-1+1"),
            null,
            seen,
            seen,
            seen,
            "@mallory",
            "<img src=x onerror=alert(2)>\n| a | b |",
            null);
    ReportBuilder builder =
        new ReportBuilder(ReportSettings.of(Scenario.FROM, Scenario.TO), ReportBuilderTest.LATER);
    builder.followUp(f);
    return builder.build();
  }

  @Test
  void hostileValuesStayInTheirCellsInEveryFormat() throws IOException {
    Report r = hostileReport();

    // CSV, read back by Jackson's CSV parser: one header and one row, every value intact in its
    // column.
    CsvMapper csv = CsvMapper.builder().enable(CsvParser.Feature.WRAP_AS_ARRAY).build();
    List<String[]> rows;
    try (MappingIterator<String[]> it =
        csv.readerFor(String[].class).readValues(render(r, ReportFormat.CSV))) {
      rows = it.readAll();
    }
    assertEquals(2, rows.size());
    assertEquals(CsvRenderer.HEADER, List.of(rows.get(0)));
    List<String> row = List.of(rows.get(1));
    assertEquals(CsvRenderer.HEADER.size(), row.size(), row.toString());
    assertEquals("c,\"1\"", row.get(CsvRenderer.HEADER.indexOf("cluster")));
    assertEquals("<script>alert(1)</script>", row.get(CsvRenderer.HEADER.indexOf("workload")));
    assertEquals("line one\r\nline \"two\", three", row.get(CsvRenderer.HEADER.indexOf("cause")));
    assertEquals("evil.example/a,b:\"1\"", row.get(CsvRenderer.HEADER.indexOf("images")));
    assertEquals(
        "'=cmd|' /C calc'!A0 -1+1",
        row.get(CsvRenderer.HEADER.indexOf("users")),
        "formula neutralised");
    assertEquals(
        "'@mallory", row.get(CsvRenderer.HEADER.indexOf("acknowledged_by")), "formula neutralised");
    assertEquals(
        "<img src=x onerror=alert(2)>\n| a | b |", row.get(CsvRenderer.HEADER.indexOf("note")));

    // HTML: no markup from the data, the text escaped.
    String html = render(r, ReportFormat.HTML);
    assertFalse(html.contains("<script"), html);
    assertFalse(html.contains("<img"), html);
    assertFalse(html.contains("<b>x"), html);
    assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), html);

    // Markdown: the follow-up stays one table row, its markup inert.
    String md = render(r, ReportFormat.MARKDOWN);
    assertFalse(md.contains("<script") || md.contains("<img"), md);
    String mdRow = md.lines().filter(l -> l.contains("BREAKGLASS#1")).findFirst().orElseThrow();
    assertTrue(mdRow.contains("\\| a \\| b \\|"), mdRow);

    // JSON: the same values, unescaped, for machines.
    JsonNode json = Json.mapper().readTree(render(r, ReportFormat.JSON));
    assertTrue(json.toString().contains("<script>alert(1)</script>"), json.toString());
  }

  @Test
  void markdownShowsEverySectionAndEscapesHostileText() {
    String md = render(ReportBuilderTest.scenarioReport(), ReportFormat.MARKDOWN);

    for (String heading :
        List.of(
            "## Summary",
            "## Per cluster and namespace",
            "## Fail-open outages",
            "## Follow-ups",
            "## Still open at the end of the period",
            "## Past the deadline of 3d",
            "## Workloads violating at the end of the period")) {
      assertTrue(md.contains(heading + "\n"), heading);
    }
    assertTrue(md.contains("| Admissions seen | 34 |"), md);
    assertTrue(md.contains("| Fail-open outages | 2 |"));
    assertTrue(md.contains("| Mean time to close | 1h 25m |"));
    assertTrue(md.contains("| 95th-percentile time to close | 5h |"));
    // The hostile note stays on one table row, its pipe escaped, its markup inert.
    String row = md.lines().filter(l -> l.startsWith("| fu-d |")).findFirst().orElseThrow();
    assertTrue(row.contains("&lt;script&gt;"), row);
    assertTrue(row.contains("see, \"INC-9\" end"), row);
    assertTrue(row.contains("\\| see"), row);
    assertFalse(md.contains("<script>"));
    long columns =
        md.lines()
            .filter(l -> l.startsWith("| Id | Kind | Severity | Cluster | Workload | Images"))
            .findFirst()
            .orElseThrow()
            .chars()
            .filter(ch -> ch == '|')
            .count();
    assertEquals(columns, row.chars().filter(ch -> ch == '|').count() - countEscapedPipes(row));
    // Still open, oldest first.
    List<String> open =
        md.lines()
            .dropWhile(l -> !l.startsWith("## Still open"))
            .skip(6)
            .takeWhile(l -> l.startsWith("| fu-"))
            .map(l -> l.split(" ")[1])
            .toList();
    assertEquals(List.of("fu-f", "fu-e", "fu-i"), open);
  }

  @Test
  void htmlIsSelfContainedAndEscapesHostileText() {
    String html = render(ReportBuilderTest.scenarioReport(), ReportFormat.HTML);

    assertTrue(html.startsWith("<!DOCTYPE html>"));
    for (String id :
        List.of(
            "summary",
            "namespaces",
            "outages",
            "followups",
            "still-open",
            "past-deadline",
            "violating")) {
      assertTrue(html.contains("<table id=\"" + id + "\">"), id);
    }
    assertTrue(html.contains("<svg id=\"followup-chart\""));
    assertFalse(html.contains("<script"), "no script, and the hostile one is escaped");
    assertTrue(html.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"));
    assertFalse(html.contains("src="), "no external assets");
    assertFalse(html.contains("href="), "no links");
    assertFalse(html.contains("url("), "no external assets in CSS");
  }

  @Test
  void htmlEscapeCoversTextAndAttributes() {
    assertEquals(
        "&lt;a href=&#34;x&#34; title=&#39;y&#39;&gt;&amp;",
        HtmlRenderer.escape("<a href=\"x\" title='y'>&"));
    assertEquals("a b", HtmlRenderer.escape("a\u0000b"));
  }

  @Test
  void markdownEscapeFoldsLinesAndDisarmsSyntax() {
    assertEquals(
        "a\\|b c \\[x\\](y) &lt;b&gt; \\*", MarkdownRenderer.escape("a|b\nc [x](y) <b> *"));
  }

  @Test
  void anEmptyPeriodRendersInEveryFormat() throws IOException {
    ReportBuilder empty =
        new ReportBuilder(ReportSettings.of(Scenario.FROM, Scenario.TO), ReportBuilderTest.LATER);
    Report r = empty.build();

    for (ReportFormat f : ReportFormat.values()) {
      assertFalse(render(r, f).isEmpty(), f.name());
    }
    assertTrue(
        reportSchema().validate(Json.mapper().readTree(render(r, ReportFormat.JSON))).isEmpty());
    assertTrue(render(r, ReportFormat.MARKDOWN).contains("_No follow-up in the period._"));
  }

  private static long countEscapedPipes(String s) {
    return s.split("\\\\\\|", -1).length - 1;
  }
}
