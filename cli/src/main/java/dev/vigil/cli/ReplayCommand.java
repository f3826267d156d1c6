package dev.vigil.cli;

import dev.vigil.cli.replay.Replay;
import dev.vigil.cli.replay.ReplayInputException;
import dev.vigil.cli.replay.ReplayInputs;
import dev.vigil.cli.replay.ReplayOutput;
import dev.vigil.cli.replay.ReplayRequest;
import dev.vigil.schemas.DeadLetter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vigil replay}: the deterministic harness of issue 5. Feeds Kubernetes-format inputs
 * through ingest's parsing and the streams topology on an embedded broker in a temporary directory,
 * and prints every follow-up change and violation transition as JSON lines.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Replay pods, audit events, policies and attestations through the real ingest parsing and streams topology"
          + " on an embedded broker, and print every follow-up change and violation transition, one JSON object"
          + " per line, each with a `topic` field: follow-ups (topic vigil.followups) first, then violations"
          + " (vigil.violations), each ordered by key and then as they were written. Times and record ids are left"
          + " out; a run of records of one follow-up in one state is printed once, as its last record.",
      "Order of feeding: policies, attestations and image metadata; then --pods and --audit in file order; once"
          + " idle, --policy-update (version 2 of --policy) and --attestations-update; idle again.",
      "Exit status: 0 replayed, 1 the pipeline failed or did not become idle, 2 unusable input (one line on"
          + " stderr naming the file and field)."
    })
final class ReplayCommand implements Callable<Integer> {

  @Mixin PolicyFileOptions files;

  @Option(
      names = "--cluster",
      paramLabel = "ID",
      defaultValue = "replay",
      description =
          "The cluster id the pods and audit events belong to (LOCATION.NAME for clusterAdmissionRules);"
              + " default ${DEFAULT-VALUE}.")
  String cluster;

  @Option(
      names = "--pods",
      paramLabel = "FILE",
      description =
          "Pod watch events as `kubectl get pods --watch --output-watch-events -o json` writes them"
              + " (one per line, or pretty-printed one after another), or a PodList / Pod.")
  Path pods;

  @Option(
      names = "--audit",
      paramLabel = "FILE",
      description =
          "audit.k8s.io/v1 Events, one per line as the API server's log backend writes them"
              + " (an EventList is accepted too). Events other than pod admissions are skipped.")
  Path audit;

  @Option(
      names = "--policy-update",
      paramLabel = "FILE",
      description = "A second version of --policy, applied after the first inputs are processed.")
  Path policyUpdate;

  @Option(
      names = "--attestations-update",
      paramLabel = "FILE",
      description =
          "Occurrences that arrive late, applied with --policy-update (after the first inputs). Repeatable.")
  List<Path> attestationsUpdate = new ArrayList<>();

  @Option(
      names = "--keep-data",
      paramLabel = "DIR",
      description =
          "Leave the broker's data in DIR (new or empty) instead of a temporary directory, for"
              + " `vigil report --data-dir DIR` or `vigil broker`.")
  Path keepData;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ReplayRequest request;
    ReplayInputs inputs;
    try {
      if (cluster == null || cluster.isBlank() || cluster.contains("/")) {
        throw new ReplayInputException(
            Path.of("--cluster"), null, "must be a non-empty id without '/'");
      }
      if (keepData != null && Files.exists(keepData) && !isEmptyDirectory(keepData)) {
        throw new ReplayInputException(
            keepData, null, "--keep-data needs a new or empty directory");
      }
      request =
          new ReplayRequest(
              files.policy,
              files.platformPolicy,
              files.attestors,
              files.attestations,
              files.imageMetadata,
              cluster,
              pods,
              audit,
              policyUpdate,
              attestationsUpdate,
              keepData);
      inputs = ReplayInputs.read(request, Instant.now());
    } catch (ReplayInputException e) {
      err.println("vigil replay: " + e.getMessage());
      err.flush();
      return 2;
    }
    Replay.Result result;
    try {
      result = Replay.run(request, inputs, Replay.Timing.DEFAULTS, err);
    } catch (ReplayInputException e) {
      err.println("vigil replay: " + e.getMessage());
      err.flush();
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("vigil replay: interrupted");
      return 1;
    } catch (Exception e) {
      err.println(
          "vigil replay: "
              + (e.getMessage() == null ? e.toString() : e.getMessage()).replace('\n', ' '));
      err.flush();
      return 1;
    }
    for (DeadLetter d : result.deadLetters()) {
      err.println(
          "vigil replay: warning: dead letter from "
              + d.component()
              + " ("
              + d.source()
              + ", key "
              + d.key()
              + "): "
              + d.errorType());
    }
    for (String line : ReplayOutput.lines(result)) {
      out.println(line);
    }
    out.flush();
    err.flush();
    return 0;
  }

  private static boolean isEmptyDirectory(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }
}
