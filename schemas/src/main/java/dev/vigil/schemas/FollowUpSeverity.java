package dev.vigil.schemas;

/**
 * The severity of a follow-up, from what it is and what re-evaluating its pods found. The rule:
 *
 * <ul>
 *   <li>{@code high}: a fail-open or breakglass follow-up whose pods run images the policy denies
 *       (re-evaluation {@code DENY}) or that was ESCALATED (also: still OPEN past the maximum age);
 *       {@code medium} for a dry-run follow-up in that case.
 *   <li>{@code medium}: a fail-open or breakglass follow-up not judged yet or that could not be
 *       judged (re-evaluation absent or {@code UNKNOWN}); {@code low} for a dry-run one.
 *   <li>{@code low}: the images comply (re-evaluation {@code ALLOW} or {@code DRYRUN_DENY}, or
 *       VERIFIED).
 *   <li>A suspected bypass (denials, then a fail-open admission) is at least {@code high}, and
 *       {@code critical} when the images it got running are denied by the policy: the policy was
 *       circumvented. Denials before a breakglass (or too few for a suspected bypass) make it at
 *       least {@code medium}.
 * </ul>
 *
 * <p>ACKNOWLEDGED and RESOLVED keep the severity of what was found (the re-evaluation stays in the
 * record), so a SIEM can tell an acknowledged critical bypass from an acknowledged dry run.
 */
public final class FollowUpSeverity {

  private FollowUpSeverity() {}

  /** The severity of a follow-up of {@code kind} in {@code state}; see the class comment. */
  public static Severity of(
      FollowUp.Kind kind,
      FollowUp.State state,
      Decision reevaluation,
      boolean suspectedBypass,
      Integer priorDenials) {
    boolean dryRun = kind == FollowUp.Kind.DRY_RUN;
    Severity s;
    if (reevaluation == Decision.DENY || state == FollowUp.State.ESCALATED) {
      s = dryRun ? Severity.MEDIUM : Severity.HIGH;
    } else if (reevaluation == Decision.ALLOW
        || reevaluation == Decision.DRYRUN_DENY
        || state == FollowUp.State.VERIFIED) {
      s = Severity.LOW;
    } else {
      s = dryRun ? Severity.LOW : Severity.MEDIUM;
    }
    if (suspectedBypass) {
      return reevaluation == Decision.DENY ? Severity.CRITICAL : Severity.gravest(s, Severity.HIGH);
    }
    if (priorDenials != null && priorDenials > 0) {
      return Severity.gravest(s, Severity.MEDIUM);
    }
    return s;
  }

  /**
   * The severity of {@code f} by this rule (what its {@code severity} says when written by Vigil).
   */
  public static Severity of(FollowUp f) {
    return of(f.kind(), f.state(), f.reevaluation(), f.bypassSuspected(), f.priorDenials());
  }
}
