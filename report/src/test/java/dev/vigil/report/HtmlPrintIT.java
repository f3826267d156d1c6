package dev.vigil.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report an auditor prints: headless Chromium prints it to PDF on A4 and on Letter, and
 * poppler's {@code pdftoppm} and {@code pdftotext} (Debian's {@code poppler-utils}, installed by
 * {@code .ci/run}) show that nothing lies beyond the right margin and no column is cut; on a 2,400
 * px screen no section scrolls sideways.
 */
class HtmlPrintIT {

  /** Page images at this resolution; the report's right margin (10 mm) is about 24 px. */
  private static final int DPI = 60;

  /** The part of the right margin that must stay blank, in pixels at {@link #DPI}. */
  private static final int BLANK_RIGHT_PX = 20;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  @Test
  void printsOnA4AndLetterWithNothingBeyondTheRightMarginAndEveryColumnWhole() throws Exception {
    Report report = ReportBuilderTest.scenarioReport();
    String html = render(report);
    for (String paper : List.of("A4", "letter")) {
      Path file = dir.resolve("report-" + paper + ".html");
      // The report does not choose the paper (the printer does); the test chooses each in turn.
      Files.writeString(
          file, html.replace("</head>", "<style>@page{size:" + paper + "}</style></head>"));
      Path pdf = dir.resolve("report-" + paper + ".pdf");

      Chromium.printToPdf(file, pdf, dir);

      List<Path> pages = pageImages(pdf, paper);
      assertTrue(pages.size() >= 2, paper + ": " + pages.size() + " pages");
      for (Path page : pages) {
        BufferedImage image = ImageIO.read(page.toFile());
        int inked = inkedColumnsAtRight(image, BLANK_RIGHT_PX);
        assertEquals(
            0,
            inked,
            paper
                + " "
                + page.getFileName()
                + ": content in the right margin ("
                + inked
                + " of the last "
                + BLANK_RIGHT_PX
                + " pixel columns are not blank)");
      }
      String text = squeeze(run("pdftotext", "-raw", pdf.toString(), "-"));
      for (String header :
          List.of("Id", "Kind", "Images", "Acknowledgedby", "Note", "Closed", "Timetoclose")) {
        assertTrue(
            text.contains(header), paper + ": column header " + header + " missing from the PDF");
      }
      for (Report.FollowUpEntry f : report.followUps()) {
        assertTrue(
            text.contains(squeeze(f.followUpId())),
            paper + ": follow-up id " + f.followUpId() + " is cut or missing in the PDF");
      }
    }
  }

  @Test
  void noSectionScrollsSidewaysOnAWideScreen() throws Exception {
    String html =
        render(ReportBuilderTest.scenarioReport())
            // The test's copy may run a script (the report itself allows none): mark sections wider
            // than their box.
            .replaceFirst("<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "")
            .replace(
                "</body>",
                "<script>for(const s of document.querySelectorAll('section')){"
                    + "if(s.scrollWidth>s.clientWidth+1){s.setAttribute('data-overflows',s.scrollWidth+'>'+s.clientWidth)}}"
                    + "document.body.setAttribute('data-checked','yes')</script></body>");
    Path file = dir.resolve("report-wide.html");
    Files.writeString(file, html);

    String dom = Chromium.dumpDom(file, 2400, dir);

    assertTrue(dom.contains("data-checked=\"yes\""), "the check did not run");
    int overflow = dom.indexOf("data-overflows=\"");
    assertTrue(
        overflow < 0,
        "a section scrolls sideways at 2,400 px: "
            + (overflow < 0
                ? ""
                : dom.substring(
                    Math.max(0, overflow - 80), Math.min(dom.length(), overflow + 60))));
  }

  private static String render(Report r) throws IOException {
    StringWriter w = new StringWriter();
    ReportFormat.HTML.render(r, w);
    return w.toString();
  }

  /** How many of the last {@code width} pixel columns of the page hold anything but white. */
  private static int inkedColumnsAtRight(BufferedImage image, int width) {
    int inked = 0;
    for (int x = image.getWidth() - width; x < image.getWidth(); x++) {
      for (int y = 0; y < image.getHeight(); y++) {
        int rgb = image.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (Math.min(r, Math.min(g, b)) < 235) {
          inked++;
          break;
        }
      }
    }
    return inked;
  }

  private List<Path> pageImages(Path pdf, String paper) throws Exception {
    Path prefix = dir.resolve("page-" + paper);
    run("pdftoppm", "-r", String.valueOf(DPI), "-png", pdf.toString(), prefix.toString());
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("page-" + paper + "-"))
          .sorted()
          .toList();
    }
  }

  private static String squeeze(String s) {
    return s.replaceAll("\\s+", "");
  }

  private String run(String... command) throws Exception {
    Path out = Files.createTempFile(dir, "poppler", ".out");
    Process p;
    try {
      p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
    } catch (IOException e) {
      return fail(
          command[0]
              + " is needed to check the printed report: apt-get install -y poppler-utils"
              + " (.ci/run does it)");
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(command[0] + " did not finish within 60 s");
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + text);
    return text;
  }
}
