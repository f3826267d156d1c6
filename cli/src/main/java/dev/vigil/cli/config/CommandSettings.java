package dev.vigil.cli.config;

import dev.vigil.ingest.app.IngestSettings;
import dev.vigil.policyreports.PolicyReportSettings;
import dev.vigil.schemas.settings.KafkaSettings;
import dev.vigil.schemas.settings.Setting;
import dev.vigil.streams.StreamsSettings;
import java.util.Arrays;
import java.util.List;

/**
 * Which declared settings each long-running command reads. The declarations live with the module
 * that reads them ({@link KafkaSettings}, {@link IngestSettings}, {@link StreamsSettings}) or with
 * the process ({@link ProcessSettings}); a command takes a module's list whole, so a key added to a
 * module reaches every command that runs it, with its flag, file key and variable.
 */
public final class CommandSettings {

  private CommandSettings() {}

  /** Settings of {@code vigil run}: all of them, in the order of the README's table. */
  public static List<Setting<?>> run() {
    return concat(
        KafkaSettings.SETTINGS,
        ProcessSettings.EMBEDDED_KAFKA,
        List.of(ProcessSettings.DATA_DIR),
        IngestSettings.SETTINGS,
        StreamsSettings.SETTINGS,
        PolicyReportSettings.SETTINGS,
        ProcessSettings.OPERATIONS);
  }

  /** Settings of {@code vigil ingest}. */
  public static List<Setting<?>> ingest() {
    return concat(
        KafkaSettings.SETTINGS,
        IngestSettings.SETTINGS,
        PolicyReportSettings.SETTINGS,
        ProcessSettings.OPERATIONS);
  }

  /** Settings of {@code vigil streams} (its state lives under the data directory). */
  public static List<Setting<?>> streams() {
    return concat(
        KafkaSettings.SETTINGS,
        List.of(ProcessSettings.DATA_DIR),
        StreamsSettings.SETTINGS,
        ProcessSettings.OPERATIONS);
  }

  @SafeVarargs
  private static List<Setting<?>> concat(List<Setting<?>>... lists) {
    return Arrays.stream(lists).flatMap(List::stream).toList();
  }
}
