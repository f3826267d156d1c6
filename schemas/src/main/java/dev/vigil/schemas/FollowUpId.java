package dev.vigil.schemas;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The id of one follow-up: {@code cluster/namespace/Kind/name/KIND#cycle}, the follow-up's
 * {@linkplain FollowUp#key(String, WorkloadRef, FollowUp.Kind) key} and the how-many-th follow-up
 * of that key it is. {@link #parse} is the one place an id is read; {@link #toString} the one place
 * it is written.
 */
public record FollowUpId(String clusterId, WorkloadRef owner, FollowUp.Kind kind, int cycle) {

  /** What an id looks like, for messages. */
  public static final String FORMAT = "<cluster>/<namespace>/<Kind>/<name>/<KIND>#<cycle>";

  /** The cluster id may itself contain slashes, so the other segments are matched from the end. */
  private static final Pattern ID =
      Pattern.compile(
          "^(?<cluster>.+)/(?<namespace>[^/#]+)/(?<owner>[A-Z_]+)/(?<name>[^/#]+)/(?<kind>[A-Z_]+)#(?<cycle>[1-9][0-9]*)$");

  public FollowUpId {
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(kind, "kind");
    if (clusterId.isEmpty()) {
      throw new IllegalArgumentException("clusterId must not be empty");
    }
    if (cycle < 1) {
      throw new IllegalArgumentException("cycle must be at least 1, not " + cycle);
    }
  }

  /** The id of the {@code cycle}-th follow-up of {@code kind} for a workload. */
  public static FollowUpId of(String clusterId, WorkloadRef owner, FollowUp.Kind kind, int cycle) {
    return new FollowUpId(clusterId, owner, kind, cycle);
  }

  /**
   * Reads an id as {@link #toString} writes it.
   *
   * @throws InvalidFollowUpIdException naming the input and what is wrong with it
   */
  public static FollowUpId parse(String id) {
    if (id == null) {
      throw new InvalidFollowUpIdException(null, "follow-up id is required");
    }
    Matcher m = ID.matcher(id);
    if (!m.matches()) {
      throw new InvalidFollowUpIdException(id, "'" + oneLine(id) + "' is not " + FORMAT);
    }
    WorkloadRef.Kind owner;
    try {
      owner = WorkloadRef.Kind.valueOf(m.group("owner"));
    } catch (IllegalArgumentException e) {
      throw new InvalidFollowUpIdException(id, "unknown workload kind " + m.group("owner"));
    }
    FollowUp.Kind kind;
    try {
      kind = FollowUp.Kind.valueOf(m.group("kind"));
    } catch (IllegalArgumentException e) {
      throw new InvalidFollowUpIdException(
          id, "unknown follow-up kind " + m.group("kind") + " (FAIL_OPEN, BREAKGLASS or DRY_RUN)");
    }
    int cycle;
    try {
      cycle = Integer.parseInt(m.group("cycle"));
    } catch (NumberFormatException e) {
      throw new InvalidFollowUpIdException(id, "cycle " + m.group("cycle") + " is too large");
    }
    return new FollowUpId(
        m.group("cluster"),
        new WorkloadRef(owner, m.group("namespace"), m.group("name")),
        kind,
        cycle);
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ').replace('\r', ' ');
  }

  /** The Kafka key of the follow-up: the id without {@code #cycle}. */
  public String key() {
    return FollowUp.key(clusterId, owner, kind);
  }

  /** The id of the next follow-up with the same key. */
  public FollowUpId next() {
    return new FollowUpId(clusterId, owner, kind, cycle + 1);
  }

  /** {@code cluster/namespace/Kind/name/KIND#cycle}. */
  @Override
  public String toString() {
    return key() + "#" + cycle;
  }

  /** A string that is not a follow-up id. */
  public static final class InvalidFollowUpIdException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String input;

    InvalidFollowUpIdException(String input, String message) {
      super(message);
      this.input = input;
    }

    /** The string that was given. */
    public String input() {
      return input;
    }
  }
}
