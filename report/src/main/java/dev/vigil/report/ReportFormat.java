package dev.vigil.report;

import java.io.IOException;
import java.io.Writer;
import java.util.Locale;

/** The forms a report can be written in. */
public enum ReportFormat {
  MARKDOWN("md") {
    @Override
    public void render(Report report, Writer out) throws IOException {
      new MarkdownRenderer(report, out).render();
    }
  },
  HTML("html") {
    @Override
    public void render(Report report, Writer out) throws IOException {
      new HtmlRenderer(report, out).render();
    }
  },
  CSV("csv") {
    @Override
    public void render(Report report, Writer out) throws IOException {
      CsvRenderer.render(report, out);
    }
  },
  JSON("json") {
    @Override
    public void render(Report report, Writer out) throws IOException {
      JsonRenderer.render(report, out);
    }
  };

  private final String extension;

  ReportFormat(String extension) {
    this.extension = extension;
  }

  /** The usual file extension, without the dot. */
  public String extension() {
    return extension;
  }

  /** Writes {@code report} to {@code out}; does not close it. */
  public abstract void render(Report report, Writer out) throws IOException;

  /** The format named {@code name} (any case; {@code md} for Markdown). */
  public static ReportFormat parse(String name) {
    String n = name.trim().toUpperCase(Locale.ROOT);
    if (n.equals("MD")) {
      return MARKDOWN;
    }
    try {
      return valueOf(n);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown format '" + name + "': use markdown, html, csv or json", e);
    }
  }
}
