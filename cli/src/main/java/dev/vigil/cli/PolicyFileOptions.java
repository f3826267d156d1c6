package dev.vigil.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The policy and fact files that {@code vigil evaluate} and {@code vigil replay} both read,
 * declared once (a picocli mixin), so that the two commands take them the same way.
 */
final class PolicyFileOptions {

  @Option(
      names = "--policy",
      required = true,
      paramLabel = "FILE",
      description =
          "Binary Authorization policy, YAML or JSON (gcloud container binauthz policy export).")
  Path policy;

  @Option(
      names = "--platform-policy",
      paramLabel = "FILE",
      description = "Continuous-validation platform policy (gkePolicy.checkSets), YAML or JSON.")
  Path platformPolicy;

  @Option(
      names = "--attestors",
      paramLabel = "FILE",
      description =
          "Attestors (gcloud container binauthz attestors describe): one, a list, or --- separated."
              + " Repeatable.")
  List<Path> attestors = new ArrayList<>();

  @Option(
      names = "--attestations",
      paramLabel = "FILE",
      description =
          "Grafeas ATTESTATION occurrences (gcloud container binauthz attestations list --format=json):"
              + " one or a list. Repeatable.")
  List<Path> attestations = new ArrayList<>();

  @Option(
      names = "--image-metadata",
      paramLabel = "FILE",
      description =
          "Image metadata records (upload time, vulnerabilities) in Vigil's image-metadata format:"
              + " one or a list. Repeatable.")
  List<Path> imageMetadata = new ArrayList<>();
}
