package dev.vigil.cli;

import dev.vigil.cli.config.SettingOptions;
import dev.vigil.schemas.settings.Setting;
import dev.vigil.schemas.settings.SettingException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code vigil} command. */
@Command(
    name = "vigil",
    mixinStandardHelpOptions = true,
    versionProvider = Vigil.Version.class,
    description =
        "Audits how container images get into Kubernetes clusters and keeps validating them while they run.",
    subcommands = {
      ServiceCommand.Run.class,
      ServiceCommand.Ingest.class,
      ServiceCommand.Streams.class,
      EvaluateCommand.class,
      ReportCommand.class,
      TopicsCommand.class,
      ReplayCommand.class,
      AckCommand.class,
      RevokeCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Vigil implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code: 0 success, 1 failure, 2 bad usage. */
  public static int execute(String... args) {
    return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs the command line writing to {@code out} and {@code err}. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return commandLine()
        .setOut(out)
        .setErr(err)
        .setExecutionExceptionHandler(
            (e, cmd, parsed) -> {
              if (e instanceof SettingException) {
                cmd.getErr().println("vigil " + cmd.getCommandName() + ": " + e.getMessage());
                return 2;
              }
              cmd.getErr().println("vigil " + cmd.getCommandName() + ": " + e.getMessage());
              return 1;
            })
        .execute(args);
  }

  /**
   * The command line with every subcommand and its options (those of settings derived from their
   * declarations).
   */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Vigil());
    // demo, broker, bench: only in the developer build (DevTools, ADR 0080).
    DevTools.addCommands(cl);
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getCommand() instanceof HasSettings h) {
        SettingOptions.addTo(sub.getCommandSpec(), h.settings());
      }
    }
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A command whose options come from {@link Setting} declarations. */
  interface HasSettings {
    List<Setting<?>> settings();
  }

  /** The version and commit stamped at build ({@link BuildInfo}). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {BuildInfo.current().toString()};
    }
  }
}
