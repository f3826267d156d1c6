package dev.vigil.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultsTest {

  @Test
  void quotedFiguresArePrintedAsQuotedAndCarryTheirSourceNotThisRunsLoad() {
    Results r = new Results();
    r.add("passthrough", Map.of("recordsPerSecond", 1000.0));
    r.addQuoted("validator", "docs/benchmarks.md", Map.of("opsPerSecond", 436_920L));
    StringWriter out = new StringWriter();

    r.print(new PrintWriter(out));

    List<String> lines = out.toString().lines().toList();
    String quoted = lines.stream().filter(l -> l.startsWith("validator")).findFirst().orElseThrow();
    assertTrue(quoted.contains("QUOTED FROM DOCS, not measured by this run"), quoted);
    assertTrue(quoted.endsWith("docs/benchmarks.md"), quoted);
    Map<String, Object> figures = r.measurements().get(1).figures();
    assertEquals("docs/benchmarks.md", figures.get(Results.QUOTED));
    assertFalse(figures.containsKey("loadAverage"));
    assertFalse(figures.containsKey("at"));
    assertTrue(r.measurements().get(0).figures().containsKey("loadAverage"));
  }
}
