package dev.vigil.cli.replay;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@code vigil replay} was asked to replay.
 *
 * @param policyUpdate a second version of {@code policy}, applied once the first inputs are
 *     processed
 * @param attestationsUpdate occurrences that arrive late, applied with {@code policyUpdate}
 * @param keepData where to leave the broker's data ({@code vigil report --data-dir}), or {@code
 *     null}
 */
public record ReplayRequest(
    Path policy,
    Path platformPolicy,
    List<Path> attestors,
    List<Path> attestations,
    List<Path> imageMetadata,
    String cluster,
    Path pods,
    Path audit,
    Path policyUpdate,
    List<Path> attestationsUpdate,
    Path keepData) {

  public ReplayRequest {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(cluster, "cluster");
    attestors = List.copyOf(attestors == null ? List.of() : attestors);
    attestations = List.copyOf(attestations == null ? List.of() : attestations);
    imageMetadata = List.copyOf(imageMetadata == null ? List.of() : imageMetadata);
    attestationsUpdate = List.copyOf(attestationsUpdate == null ? List.of() : attestationsUpdate);
  }
}
