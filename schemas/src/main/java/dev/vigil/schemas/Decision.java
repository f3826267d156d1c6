package dev.vigil.schemas;

/**
 * What an evaluation found. {@link #UNKNOWN} means the pod could not be judged, which is never the
 * same as allowed.
 */
public enum Decision {
  /** Every image passes the applicable rules. */
  ALLOW,
  /** An image fails a rule that is enforced. */
  DENY,
  /** An image fails a rule in dry-run mode: logged, not blocked. */
  DRYRUN_DENY,
  /** The pod could not be judged (unreadable policy, missing facts, unparsable image). */
  UNKNOWN;

  /** True when this decision is a violation that security operations must see. */
  public boolean isViolation() {
    return this != ALLOW;
  }

  /**
   * The graver of two decisions: DENY over UNKNOWN over DRYRUN_DENY over ALLOW (a definite enforced
   * failure wins; a pod that could not be judged is never taken for a dry-run or an allow).
   */
  public static Decision worst(Decision a, Decision b) {
    return a.rank() >= b.rank() ? a : b;
  }

  private int rank() {
    switch (this) {
      case DENY:
        return 3;
      case UNKNOWN:
        return 2;
      case DRYRUN_DENY:
        return 1;
      default:
        return 0;
    }
  }
}
