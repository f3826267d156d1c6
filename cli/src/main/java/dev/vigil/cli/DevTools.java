package dev.vigil.cli;

import dev.vigil.cli.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The development tools: the embedded Kafka broker (with Scala), fabric8's mock API server, {@code
 * vigil demo}, {@code vigil bench} and {@code vigil broker}. The developer build ({@code ./vigil})
 * has them; the production jar and image leave them out (ADR 0080), and whatever needs them says so
 * in one line instead of failing on a missing class.
 */
public final class DevTools {

  /** Sub-commands that exist only in the developer build, by name. */
  static final Map<String, String> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("demo", "dev.vigil.cli.DemoCommand");
    COMMANDS.put("broker", "dev.vigil.cli.BrokerCommand");
    COMMANDS.put("bench", "dev.vigil.cli.BenchCommand");
  }

  private DevTools() {}

  /** True when the embedded broker can start here (the developer build). */
  public static boolean embeddedKafkaPresent() {
    return present("dev.vigil.kafka.EmbeddedKafka") && present("kafka.server.KafkaRaftServer");
  }

  /**
   * Fails (exit 2) naming {@code what} when the embedded broker is not in this build.
   *
   * @param what what asked for it, e.g. {@code "--embedded"}
   */
  public static void requireEmbeddedKafka(String what) {
    if (!embeddedKafkaPresent()) {
      throw new ConfigException(
          what
              + " needs the embedded Kafka broker, a development tool this build leaves out "
              + "(the production jar and image): give --bootstrap-servers, or run ./vigil from a source checkout");
    }
  }

  /**
   * Adds the development commands to {@code vigil}: the real ones when present, else a one-line
   * refusal.
   */
  static void addCommands(CommandLine vigil) {
    COMMANDS.forEach(
        (name, className) -> {
          Class<?> type = load(className);
          vigil.addSubcommand(name, type != null ? type : new Unavailable(name));
        });
  }

  private static boolean present(String className) {
    return load(className) != null;
  }

  private static Class<?> load(String className) {
    try {
      return Class.forName(className, false, DevTools.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }

  /** Stands for a development command in the production build. */
  @Command(description = "A development tool; not in this build (production jar and image).")
  static final class Unavailable implements Callable<Integer> {
    private final String name;

    @CommandLine.Unmatched List<String> ignored;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    Unavailable(String name) {
      this.name = name;
    }

    @Override
    public Integer call() {
      spec.commandLine()
          .getErr()
          .println(
              "vigil "
                  + name
                  + ": a development tool this build leaves out "
                  + "(the production jar and image carry no embedded broker, mock API server or bench); "
                  + "run ./vigil "
                  + name
                  + " from a source checkout");
      return 2;
    }
  }
}
