package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the follow-up task remembers about one follow-up: the record last published, which cycle
 * it is (a bypass after it closed opens the next), every pod it covers with its latest decision,
 * and a change not yet published ({@code pendingCause}, for pod-count updates).
 */
public record FollowUpState(
    FollowUp current,
    int cycle,
    Map<String, PodEntry> pods,
    List<String> policyVersions,
    String pendingCause) {

  /** One pod of the follow-up: still running or not, and its latest decision (null: none yet). */
  public record PodEntry(boolean live, Decision decision) {}

  public FollowUpState {
    Objects.requireNonNull(current, "current");
    pods = new TreeMap<>(Objects.requireNonNullElse(pods, Map.of()));
    policyVersions = List.copyOf(Objects.requireNonNullElse(policyVersions, List.of()));
  }
}
