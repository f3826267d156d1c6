package dev.vigil.report;

import dev.vigil.report.Report.FollowUpEntry;
import dev.vigil.schemas.FollowUp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * An inline SVG chart of follow-ups over the period: bars of follow-ups first seen in each slice of
 * time, stacked by kind, and a line of how many were open at the end of each slice.
 */
final class FollowUpChart {

  private static final List<Duration> STEPS =
      List.of(
          Duration.ofMinutes(10),
          Duration.ofHours(1),
          Duration.ofHours(3),
          Duration.ofHours(6),
          Duration.ofHours(12),
          Duration.ofDays(1),
          Duration.ofDays(7),
          Duration.ofDays(30),
          Duration.ofDays(91),
          Duration.ofDays(365));
  private static final int MAX_BARS = 60;
  private static final FollowUp.Kind[] KINDS = FollowUp.Kind.values();
  private static final String[] COLOURS = {"#d9480f", "#5f3dc4", "#1971c2"};
  private static final String OPEN_COLOUR = "#2b8a3e";

  private static final int WIDTH = 960;
  private static final int HEIGHT = 260;
  private static final int LEFT = 48;
  private static final int RIGHT = 16;
  private static final int TOP = 28;
  private static final int BOTTOM = 40;

  private final Report report;

  FollowUpChart(Report report) {
    this.report = report;
  }

  String svg() {
    Instant from = report.settings().from();
    Instant to = report.settings().to();
    Duration period = Duration.between(from, to);
    Duration step = STEPS.get(STEPS.size() - 1);
    for (Duration d : STEPS) {
      if (period.toMillis() / d.toMillis() < MAX_BARS) {
        step = d;
        break;
      }
    }
    int bars = (int) Math.max(1, (period.toMillis() + step.toMillis() - 1) / step.toMillis());
    bars = Math.min(bars, MAX_BARS * 4);
    long[][] opened = new long[bars][KINDS.length];
    long[] openAtEnd = new long[bars];
    for (FollowUpEntry f : report.followUps()) {
      if (!f.firstSeen().isBefore(from) && f.firstSeen().isBefore(to)) {
        int i =
            (int)
                Math.min(
                    bars - 1, Duration.between(from, f.firstSeen()).toMillis() / step.toMillis());
        opened[i][f.kind().ordinal()]++;
      }
      for (int i = 0; i < bars; i++) {
        Instant end = min(from.plus(step.multipliedBy(i + 1L)), report.asOf());
        boolean started = !f.firstSeen().isAfter(end);
        boolean closed = f.closedAt() != null && !f.closedAt().isAfter(end);
        if (started && !closed && !end.isBefore(from)) {
          openAtEnd[i]++;
        }
      }
    }
    long max = 1;
    for (int i = 0; i < bars; i++) {
      long sum = 0;
      for (long n : opened[i]) {
        sum += n;
      }
      max = Math.max(max, Math.max(sum, openAtEnd[i]));
    }

    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = HEIGHT - TOP - BOTTOM;
    double barW = plotW / bars;
    StringBuilder b = new StringBuilder();
    b.append("<svg id=\"followup-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(HEIGHT)
        .append("\" role=\"img\" aria-label=\"Follow-ups first seen per ")
        .append(HtmlRenderer.escape(Text.duration(step)))
        .append(" by kind, and follow-ups open\">\n");
    b.append("<title>Follow-ups first seen per ")
        .append(HtmlRenderer.escape(Text.duration(step)))
        .append(", stacked by kind; the line shows how many were open</title>\n");
    // Axes and the y scale.
    b.append(line(LEFT, TOP, LEFT, TOP + plotH, "#98a2b3"));
    b.append(line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "#98a2b3"));
    b.append(text(LEFT - 6, TOP + 4, "end", Long.toString(max)));
    b.append(text(LEFT - 6, TOP + plotH + 4, "end", "0"));
    b.append(text(LEFT, HEIGHT - 12, "start", Text.time(from)));
    b.append(text(LEFT + plotW, HEIGHT - 12, "end", Text.time(to)));
    for (int i = 0; i < bars; i++) {
      double y = TOP + plotH;
      for (int k = 0; k < KINDS.length; k++) {
        if (opened[i][k] == 0) {
          continue;
        }
        double h = plotH * opened[i][k] / max;
        y -= h;
        b.append(
            String.format(
                Locale.ROOT,
                "<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %d %s</title></rect>\n",
                Text.kind(KINDS[k]),
                LEFT + i * barW + 1,
                y,
                Math.max(1, barW - 2),
                h,
                COLOURS[k],
                HtmlRenderer.escape(Text.time(from.plus(step.multipliedBy(i)))),
                opened[i][k],
                Text.kind(KINDS[k])));
      }
    }
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < bars; i++) {
      points.append(
          String.format(
              Locale.ROOT,
              "%.1f,%.1f ",
              LEFT + (i + 0.5) * barW,
              TOP + plotH - plotH * openAtEnd[i] / max));
    }
    b.append("<polyline class=\"open-line\" fill=\"none\" stroke=\"")
        .append(OPEN_COLOUR)
        .append("\" stroke-width=\"2\" points=\"")
        .append(points.toString().trim())
        .append("\"/>\n");
    // Legend.
    int x = LEFT;
    for (int k = 0; k < KINDS.length; k++) {
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"8\" width=\"10\" height=\"10\" fill=\"%s\"/>",
              x,
              COLOURS[k]));
      b.append(text(x + 14, 17, "start", Text.kind(KINDS[k]) + " first seen"));
      x += 150;
    }
    b.append(line(x, 13, x + 14, 13, OPEN_COLOUR));
    b.append(text(x + 18, 17, "start", "open"));
    b.append("</svg>");
    return b.toString();
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static String line(double x1, double y1, double x2, double y2, String colour) {
    return String.format(
        Locale.ROOT,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"/>\n",
        x1,
        y1,
        x2,
        y2,
        colour);
  }

  private static String text(double x, double y, String anchor, String s) {
    return String.format(
        Locale.ROOT,
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>\n",
        x,
        y,
        anchor,
        HtmlRenderer.escape(s));
  }
}
