package dev.vigil.cli;

import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.report.KafkaReportSource;
import dev.vigil.report.Progress;
import dev.vigil.report.Report;
import dev.vigil.report.ReportBuilder;
import dev.vigil.report.ReportFormat;
import dev.vigil.report.ReportSettings;
import dev.vigil.report.TopicsUnreadableException;
import dev.vigil.schemas.Severity;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vigil report}: a compliance report over a period, read from the follow-up, violation and
 * admission-event topics. Exit 0 when written, 2 for unusable arguments, 3 when the topics cannot
 * be read.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Write a compliance report over a period: admissions, denials, fail-open outages, breakglass "
          + "uses, violations and every follow-up with who closed it and how long it took.",
      "Exit status: 0 written, 2 unusable arguments, 3 topics unreadable (Kafka unreachable, topic missing)."
    })
final class ReportCommand implements Callable<Integer> {

  static final int WRITTEN = 0;
  static final int UNUSABLE_ARGUMENTS = 2;
  static final int TOPICS_UNREADABLE = 3;

  @Option(
      names = "--from",
      required = true,
      converter = InstantConverter.class,
      paramLabel = "ISO-8601",
      description =
          "Start of the period, included: 2026-11-01T00:00:00Z, an offset time, or a date (midnight UTC). "
              + "The period is one of event time: records count by when what caused them happened, so a back-fill "
              + "is reported in the period it covers.")
  Instant from;

  @Option(
      names = "--to",
      required = true,
      converter = InstantConverter.class,
      paramLabel = "ISO-8601",
      description = "End of the period, excluded.")
  Instant to;

  @Option(
      names = "--cluster",
      split = ",",
      paramLabel = "ID",
      description = "Only this cluster (repeatable, or comma-separated). Default: all.")
  List<String> clusters = List.of();

  @Option(
      names = "--namespace",
      split = ",",
      paramLabel = "NS",
      description = "Only this namespace (repeatable, or comma-separated). Default: all.")
  List<String> namespaces = List.of();

  @Option(
      names = "--format",
      defaultValue = "markdown",
      converter = FormatConverter.class,
      paramLabel = "FORMAT",
      description =
          "markdown, html, csv (one row per follow-up) or json (default ${DEFAULT-VALUE}).")
  ReportFormat format;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write the report to FILE (replaced atomically) instead of standard output.")
  Path output;

  @Option(
      names = "--deadline",
      defaultValue = "72h",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "Follow-ups open longer than this, or closed after it, are past their deadline (default ${DEFAULT-VALUE}).")
  Duration deadline;

  @Option(
      names = "--outage-gap",
      defaultValue = "10m",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "Fail-open admissions closer than this form one outage (default ${DEFAULT-VALUE}).")
  Duration outageGap;

  @Option(
      names = "--lookback",
      defaultValue = "365d",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "How far before --from to read follow-ups and violations, to know what was already open "
              + "(default ${DEFAULT-VALUE}, the retention of those topics).")
  Duration lookback;

  @Option(
      names = "--severity",
      paramLabel = "LEVEL",
      description =
          "Only violations of at least this severity: critical, high, medium or low (violations without "
              + "a severity, from v1 records, are kept: they read as unknown). Default: all.")
  String severity;

  @Option(
      names = "--timeout",
      defaultValue = "30s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "How long Kafka may take to answer, or a read may stall, before giving up with exit 3 (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--bootstrap-servers",
      defaultValue = "${env:VIGIL_BOOTSTRAP_SERVERS}",
      paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers, host:port[,host:port] (env VIGIL_BOOTSTRAP_SERVERS).")
  String bootstrapServers;

  @Option(
      names = "--command-config",
      paramLabel = "FILE",
      description =
          "A properties file of Kafka client settings (security.protocol, ssl.*, sasl.*).")
  Path commandConfig;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Instead of a running Kafka, start the embedded broker on this data directory "
              + "(of a stopped `vigil broker` or `vigil run`) and read it.")
  Path dataDir;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    ReportSettings settings;
    try {
      settings =
          new ReportSettings(
              from,
              to,
              new LinkedHashSet<>(clusters),
              new LinkedHashSet<>(namespaces),
              deadline,
              outageGap,
              lookback,
              severity == null ? null : Severity.parse(severity));
      checkArguments();
    } catch (IllegalArgumentException e) {
      err.println("vigil report: " + e.getMessage());
      return UNUSABLE_ARGUMENTS;
    }

    Report report;
    try {
      report = read(settings, err);
    } catch (TopicsUnreadableException e) {
      err.println("vigil report: cannot read the topics: " + e.getMessage());
      return TOPICS_UNREADABLE;
    } catch (IllegalArgumentException e) {
      err.println("vigil report: " + e.getMessage());
      return UNUSABLE_ARGUMENTS;
    }

    try {
      write(report);
    } catch (IOException e) {
      err.println("vigil report: cannot write " + output + ": " + e.getMessage());
      return 1;
    }
    if (System.console() != null && output != null) {
      err.printf(
          "vigil report: %s written to %s (%d follow-ups, %d still open)%n",
          format.name().toLowerCase(Locale.ROOT),
          output,
          report.followUps().size(),
          report.stillOpen().size());
    }
    return WRITTEN;
  }

  private void checkArguments() {
    boolean bootstrapGiven =
        spec.commandLine().getParseResult().hasMatchedOption("--bootstrap-servers");
    if (dataDir != null && bootstrapGiven) {
      throw new IllegalArgumentException("give --bootstrap-servers or --data-dir, not both");
    }
    if (dataDir == null && (bootstrapServers == null || bootstrapServers.isBlank())) {
      throw new IllegalArgumentException(
          "no Kafka to read: give --bootstrap-servers, set VIGIL_BOOTSTRAP_SERVERS, or --data-dir");
    }
    if (dataDir != null
        && !Files.isRegularFile(dataDir.resolve("data").resolve("meta.properties"))) {
      // Starting the embedded broker on any other directory would format a new, empty cluster
      // there.
      throw new IllegalArgumentException(
          "--data-dir " + dataDir + " holds no embedded broker's data (no data/meta.properties)");
    }
    if (commandConfig != null && !Files.isReadable(commandConfig)) {
      throw new IllegalArgumentException("cannot read --command-config " + commandConfig);
    }
    if (output != null) {
      Path parent = output.toAbsolutePath().getParent();
      if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
        throw new IllegalArgumentException(
            "cannot write --output "
                + output
                + ": its directory does not exist or is not writable");
      }
      if (Files.isDirectory(output)) {
        throw new IllegalArgumentException("--output " + output + " is a directory");
      }
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("--timeout must be positive");
    }
  }

  private Report read(ReportSettings settings, PrintWriter err) throws TopicsUnreadableException {
    ReportBuilder builder = new ReportBuilder(settings).generator(BuildInfo.current().toString());
    Progress progress = System.console() != null ? new ProgressBar(err) : Progress.NONE;
    if (dataDir != null) {
      DevTools.requireEmbeddedKafka("--data-dir");
      EmbeddedKafka kafka;
      try {
        kafka = EmbeddedKafka.start(dataDir);
      } catch (RuntimeException e) {
        throw new TopicsUnreadableException(
            "cannot start the embedded broker on " + dataDir + ": " + e.getMessage(), e);
      }
      try (kafka) {
        new KafkaReportSource(clientProperties(kafka.bootstrapServers()), timeout)
            .readInto(builder, progress);
      }
    } else {
      new KafkaReportSource(clientProperties(bootstrapServers), timeout)
          .readInto(builder, progress);
    }
    return builder.build();
  }

  private Properties clientProperties(String bootstrap) {
    Properties p = new Properties();
    if (commandConfig != null) {
      try (var in = Files.newBufferedReader(commandConfig)) {
        p.load(in);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read --command-config " + commandConfig + ": " + e.getMessage(), e);
      }
    }
    p.put("bootstrap.servers", bootstrap);
    return p;
  }

  private void write(Report report) throws IOException {
    if (output == null) {
      PrintWriter out = spec.commandLine().getOut();
      format.render(report, out);
      out.flush();
      return;
    }
    Path target = output.toAbsolutePath();
    replace(target, w -> format.render(report, w));
    String hex = sha256Of(target);
    // In sha256sum's format, so `sha256sum -c FILE.sha256` checks the report.
    replace(
        target.resolveSibling(target.getFileName() + ".sha256"),
        w -> w.write(hex + "  " + target.getFileName() + "\n"));
    PrintWriter err = spec.commandLine().getErr();
    err.println(
        "vigil report: sha256 "
            + hex
            + " "
            + output
            + "; input offsets sha256 "
            + report.input().sha256());
    err.flush();
  }

  /** What writes a file's content. */
  private interface Content {
    void writeTo(Writer w) throws IOException;
  }

  /**
   * Writes {@code target} through a new file beside it, moved over it atomically. The file is
   * created (not {@code createTempFile}, which makes it 0600) so its mode follows the umask.
   */
  private static void replace(Path target, Content content) throws IOException {
    Path temp =
        target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (Writer w =
          new BufferedWriter(
              Files.newBufferedWriter(
                  temp,
                  StandardCharsets.UTF_8,
                  StandardOpenOption.CREATE_NEW,
                  StandardOpenOption.WRITE))) {
        content.writeTo(w);
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** SHA-256 (hex) of the bytes of {@code file}, as written. */
  static String sha256Of(Path file) throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  /** A progress bar on a terminal's stderr, redrawn at most four times a second. */
  static final class ProgressBar implements Progress {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private long lastDraw;
    private boolean done;

    ProgressBar(PrintWriter err) {
      this.err = err;
    }

    @Override
    public void update(long read, long total) {
      long now = System.nanoTime();
      boolean complete = total > 0 && read >= total;
      if (done || (!complete && now - lastDraw < 250_000_000L)) {
        return;
      }
      lastDraw = now;
      int filled = total == 0 ? WIDTH : (int) (WIDTH * Math.min(1.0, (double) read / total));
      err.printf(
          "\rreading [%s%s] %3d%% %,d/%,d records",
          "#".repeat(filled),
          " ".repeat(WIDTH - filled),
          total == 0 ? 100 : (int) (100 * Math.min(1.0, (double) read / total)),
          read,
          total);
      if (complete || total == 0) {
        err.println();
        done = true;
      }
      err.flush();
    }
  }

  /** ISO-8601 instants, offset date-times, or dates (midnight UTC). */
  static final class InstantConverter implements CommandLine.ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      String v = value.trim();
      try {
        return Instant.parse(v);
      } catch (DateTimeParseException e) {
        // try the other forms
      }
      try {
        return OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeParseException e) {
        // try a date
      }
      try {
        return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e) {
        throw new CommandLine.TypeConversionException(
            "'"
                + value
                + "' is not an ISO-8601 time with a zone (2026-11-01T00:00:00Z, 2026-11-01T01:00:00+01:00) or a date (2026-11-01)");
      }
    }
  }

  /** Durations as {@code 90s}, {@code 30m}, {@code 72h}, {@code 7d} or ISO-8601 ({@code PT72H}). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d|w)");

    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      Matcher m = SIMPLE.matcher(v);
      try {
        if (m.matches()) {
          long n = Long.parseLong(m.group(1));
          switch (m.group(2)) {
            case "ms":
              return Duration.ofMillis(n);
            case "s":
              return Duration.ofSeconds(n);
            case "m":
              return Duration.ofMinutes(n);
            case "h":
              return Duration.ofHours(n);
            case "d":
              return Duration.ofDays(n);
            default:
              return Duration.ofDays(7 * n);
          }
        }
        return Duration.parse(value.trim());
      } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration: use 90s, 30m, 72h, 7d or PT72H");
      }
    }
  }

  /** A report format by name. */
  static final class FormatConverter implements CommandLine.ITypeConverter<ReportFormat> {
    @Override
    public ReportFormat convert(String value) {
      try {
        return ReportFormat.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
