package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the follow-up task remembers about one follow-up: the record last published, which cycle it
 * is (a bypass after it closed opens the next), every pod it covers with its latest decision, and a
 * change not yet published ({@code pendingCause}, for pod-count updates).
 *
 * @param lastAdmittedAt when a pod last joined (admitted by the bypass); null in states written
 *     before it was kept
 * @param held true while a change waits until no pod has been admitted for a flush interval, so
 *     that the pods of one burst give the same records whatever the partition interleaving
 * @param acknowledgedFrom while acknowledged until a time: the state it was acknowledged from,
 *     which it goes back to when the acknowledgement expires; null otherwise (and in states written
 *     before it was kept)
 */
public record FollowUpState(
    FollowUp current,
    int cycle,
    Map<String, PodEntry> pods,
    List<String> policyVersions,
    String pendingCause,
    java.time.Instant lastAdmittedAt,
    boolean held,
    FollowUp.State acknowledgedFrom) {

  /** One pod of the follow-up: still running or not, and its latest decision (null: none yet). */
  public record PodEntry(boolean live, Decision decision) {}

  public FollowUpState {
    Objects.requireNonNull(current, "current");
    pods = new TreeMap<>(Objects.requireNonNullElse(pods, Map.of()));
    policyVersions = List.copyOf(Objects.requireNonNullElse(policyVersions, List.of()));
  }

  /** A state with nothing held and no admission time. */
  public FollowUpState(
      FollowUp current,
      int cycle,
      Map<String, PodEntry> pods,
      List<String> policyVersions,
      String pendingCause) {
    this(current, cycle, pods, policyVersions, pendingCause, null, false, null);
  }

  /** A state without a time-limited acknowledgement. */
  public FollowUpState(
      FollowUp current,
      int cycle,
      Map<String, PodEntry> pods,
      List<String> policyVersions,
      String pendingCause,
      java.time.Instant lastAdmittedAt,
      boolean held) {
    this(current, cycle, pods, policyVersions, pendingCause, lastAdmittedAt, held, null);
  }

  /** This state, with a change held or not. */
  FollowUpState holding(boolean h) {
    return new FollowUpState(
        current, cycle, pods, policyVersions, pendingCause, lastAdmittedAt, h, acknowledgedFrom);
  }

  /** True while acknowledged with an expiry. */
  boolean ackExpires() {
    return current.state() == FollowUp.State.ACKNOWLEDGED && current.acknowledgedUntil() != null;
  }

  /** This state, with a pod admitted at {@code at}. */
  FollowUpState admittedAt(java.time.Instant at) {
    return new FollowUpState(
        current, cycle, pods, policyVersions, pendingCause, at, held, acknowledgedFrom);
  }
}
