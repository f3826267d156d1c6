package dev.vigil.report;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import org.owasp.encoder.Encode;

/**
 * Writes a report as GitHub-flavoured Markdown. Values come from clusters and may be hostile: every
 * cell is escaped so it can neither break the table nor become a link, image or HTML.
 */
final class MarkdownRenderer {

  /** Characters Markdown would read as syntax inside a table cell. */
  private static final String MARKDOWN = "\\|`*_[]~";

  private final Report report;
  private final Writer out;

  MarkdownRenderer(Report report, Writer out) {
    this.report = report;
    this.out = out;
  }

  void render() throws IOException {
    out.write("# Vigil compliance report\n\n");
    for (String line : Tables.scope(report)) {
      out.write(escape(line) + "  \n");
    }
    for (Tables.Table t : Tables.all(report)) {
      out.write("\n## " + escape(t.title()) + "\n\n");
      if (t.description() != null) {
        out.write(escape(t.description()) + "\n\n");
      }
      if (t.rows().isEmpty()) {
        out.write("_" + escape(t.empty()) + "_\n");
        continue;
      }
      row(t.headers());
      StringBuilder rule = new StringBuilder("|");
      for (int i = 0; i < t.headers().size(); i++) {
        rule.append(t.numeric().contains(i) ? "---:|" : "---|");
      }
      out.write(rule + "\n");
      for (List<String> r : t.rows()) {
        row(r);
      }
    }
  }

  private void row(List<String> cells) throws IOException {
    StringBuilder b = new StringBuilder("|");
    for (String c : cells) {
      b.append(' ').append(escape(c)).append(" |");
    }
    out.write(b + "\n");
  }

  /**
   * Escapes Markdown and HTML syntax, and folds line breaks, so the text shows as written: Markdown
   * punctuation gets a backslash, then the OWASP encoder escapes what HTML would read as markup.
   */
  static String escape(String s) {
    if (s == null || s.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (MARKDOWN.indexOf(c) >= 0) {
        b.append('\\').append(c);
      } else {
        b.append(Character.isISOControl(c) ? ' ' : c);
      }
    }
    return Encode.forHtmlContent(b.toString());
  }
}
