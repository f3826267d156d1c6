package dev.vigil.report;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import org.owasp.encoder.Encode;

/**
 * Writes a report as one self-contained HTML file: inline CSS, an inline SVG chart, no scripts and
 * no external assets (a Content-Security-Policy forbids loading any). Values come from clusters and
 * may be hostile: every value is escaped for HTML text and attributes.
 */
final class HtmlRenderer {

  /**
   * Screen: the tables fit the page's width (cells wrap, long ids and digests break anywhere), so
   * no section scrolls sideways. Print: A4 or Letter, whichever the printer uses, with margins; the
   * tables shrink their type and wrap inside the page, headers repeat, rows do not split.
   */
  private static final String CSS =
      String.join(
          "\n",
          "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2433;margin:0;background:#f6f7f9}",
          "main{max-width:1400px;margin:0 auto;padding:24px 32px}",
          "h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 8px}",
          ".scope{color:#4a5468;margin:0}.desc{color:#4a5468;margin:0 0 8px}",
          "section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:4px 16px 16px;margin-top:16px;overflow-x:auto}",
          "table{border-collapse:collapse;width:100%;font-size:13px}",
          "th,td{border-bottom:1px solid #e6e9ef;padding:4px 8px;text-align:left;vertical-align:top;"
              + "white-space:normal;overflow-wrap:anywhere}",
          "td.wrap{min-width:10em}",
          "th{background:#eef1f6;font-weight:600}td.num,th.num{text-align:right;white-space:nowrap}",
          "tr:nth-child(even) td{background:#fafbfc}.empty{color:#4a5468;font-style:italic}",
          "#summary{width:auto;min-width:420px}",
          "svg{max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#4a5468}",
          "@page{margin:12mm 10mm}",
          "@media print{",
          "body{background:#fff;font-size:9pt}main{max-width:none;padding:0}",
          "h1{font-size:15pt}h2{font-size:11pt;margin:10pt 0 4pt;break-after:avoid}",
          "section{border:0;border-radius:0;padding:0;margin-top:8pt;overflow:visible}",
          "table{width:100%;font-size:6.5pt;line-height:1.3}",
          "th,td{padding:1.5pt 2pt;white-space:normal;overflow-wrap:anywhere;min-width:0}",
          "td.wrap,td.num,th.num{min-width:0;white-space:normal}",
          "thead{display:table-header-group}tr{break-inside:avoid}",
          "#summary{width:100%;min-width:0}",
          "}");

  private final Report report;
  private final Writer out;

  HtmlRenderer(Report report, Writer out) {
    this.report = report;
    this.out = out;
  }

  void render() throws IOException {
    out.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.write(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    out.write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.write(
        "<title>Vigil compliance report "
            + escape(Text.time(report.settings().from()))
            + " to "
            + escape(Text.time(report.settings().to()))
            + "</title>\n");
    out.write("<style>\n" + CSS + "\n</style>\n</head>\n<body>\n<main>\n");
    out.write("<h1>Vigil compliance report</h1>\n");
    for (String line : Tables.scope(report)) {
      out.write("<p class=\"scope\">" + escape(line) + "</p>\n");
    }
    List<Tables.Table> tables = Tables.all(report);
    table(tables.get(0));
    out.write("<section id=\"section-chart\">\n<h2>Follow-ups over time</h2>\n");
    out.write(new FollowUpChart(report).svg());
    out.write("\n</section>\n");
    for (Tables.Table t : tables.subList(1, tables.size())) {
      table(t);
    }
    out.write("</main>\n</body>\n</html>\n");
  }

  private void table(Tables.Table t) throws IOException {
    out.write(
        "<section id=\"section-" + escape(t.id()) + "\">\n<h2>" + escape(t.title()) + "</h2>\n");
    if (t.description() != null) {
      out.write("<p class=\"desc\">" + escape(t.description()) + "</p>\n");
    }
    if (t.rows().isEmpty()) {
      out.write(
          "<p class=\"empty\" id=\""
              + escape(t.id())
              + "-empty\">"
              + escape(t.empty())
              + "</p>\n</section>\n");
      return;
    }
    StringBuilder b = new StringBuilder();
    b.append("<table id=\"").append(escape(t.id())).append("\">\n<thead><tr>");
    for (int i = 0; i < t.headers().size(); i++) {
      b.append(t.numeric().contains(i) ? "<th class=\"num\">" : "<th>")
          .append(escape(t.headers().get(i)))
          .append("</th>");
    }
    b.append("</tr></thead>\n<tbody>\n");
    out.write(b.toString());
    for (List<String> row : t.rows()) {
      b.setLength(0);
      b.append("<tr>");
      for (int i = 0; i < row.size(); i++) {
        b.append(
                t.numeric().contains(i)
                    ? "<td class=\"num\">"
                    : t.wraps(i) ? "<td class=\"wrap\">" : "<td>")
            .append(escape(row.get(i)))
            .append("</td>");
      }
      b.append("</tr>\n");
      out.write(b.toString());
    }
    out.write("</tbody>\n</table>\n</section>\n");
  }

  /**
   * Escapes text for HTML element content and quoted attribute values (OWASP Java Encoder: {@code &
   * < > " '} as entities, characters not allowed in HTML as a space).
   */
  static String escape(String s) {
    return s == null ? "" : Encode.forHtml(s);
  }
}
