package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUp.Kind;
import dev.vigil.schemas.FollowUp.State;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.FollowUpId;
import dev.vigil.schemas.FollowUpSeverity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The life of one follow-up (one workload, one kind of bypass), as a pure function of signals and
 * acknowledgements.
 *
 * <ul>
 *   <li>OPEN when the first pod of the workload is admitted by the bypass; later pods raise the
 *       count (published by {@link #flush}, not one record per pod).
 *   <li>FAIL_OPEN: VERIFIED when every live pod complies (ALLOW, or DRYRUN_DENY: the enforcer would
 *       have admitted it too), ESCALATED when one is denied, RESOLVED when an escalated workload is
 *       made compliant. UNKNOWN leaves it where it is.
 *   <li>BREAKGLASS is a person's decision and closes only when a person acknowledges (or resolves)
 *       it: it never verifies and never resolves by itself. It is ESCALATED while its live pods run
 *       images the policy denies and drops back to OPEN when they comply again (or when every pod
 *       is gone: nothing forbidden runs); {@code reevaluation} records whether the images comply,
 *       and the pods' deletion is published as a record with the new pod list.
 *   <li>DRY_RUN: VERIFIED when the pods are allowed outright, ESCALATED when an enforced rule now
 *       denies them, RESOLVED when an escalated workload is made compliant.
 *   <li>FAIL_OPEN and DRY_RUN: RESOLVED when every pod it covers is gone. Any kind: ACKNOWLEDGED,
 *       RESOLVED or reopened by a person ({@link FollowUpAck}). A bypass after the follow-up closed
 *       starts a new one (new id).
 * </ul>
 */
final class FollowUpLifecycle {

  private FollowUpLifecycle() {}

  /** The state after a step and the follow-up records to publish. */
  record Result(FollowUpState state, List<FollowUp> emitted) {}

  /**
   * The step for one signal. OPEN is published at once; a change the judgement of the pods calls
   * for is held until no pod has been admitted for {@code settle}, and published by {@link #flush}
   * with the pods then known. So the pods of one burst, admitted on different partitions, give the
   * same records whichever partition is polled first: OPEN → ESCALATED when one is denied, never
   * OPEN → VERIFIED → ESCALATED; and no VERIFIED while an admitted pod is unjudged.
   */
  static Result onSignal(FollowUpState s, FollowUpSignal sig, Instant now, Duration settle) {
    return onSignal(s, sig, now, settle, List.of(), Duration.ZERO);
  }

  /**
   * As {@link #onSignal(FollowUpState, FollowUpSignal, Instant, Duration)}; {@code waiting} is the
   * bypass evidence that came for the workload before its follow-up opened (applied when this
   * signal opens one), {@code window} the bypass window it was counted in.
   */
  static Result onSignal(
      FollowUpState s,
      FollowUpSignal sig,
      Instant now,
      Duration settle,
      List<BypassEvidence> waiting,
      Duration window) {
    List<FollowUp> out = new ArrayList<>();
    switch (sig.type()) {
      case ADMITTED -> {
        if (s == null || isClosed(s)) {
          int cycle = s == null ? 1 : s.cycle() + 1;
          Map<String, FollowUpState.PodEntry> pods = new TreeMap<>();
          pods.put(sig.pod(), new FollowUpState.PodEntry(true, sig.decision()));
          String cause = sig.detail() == null ? "opened" : sig.detail();
          Integer prior = null;
          boolean suspected = false;
          for (BypassEvidence e : waiting) {
            if (prior == null || e.priorDenials() > prior) {
              prior = e.priorDenials();
            }
            suspected |= e.suspectedBypass();
          }
          BypassEvidence strongest = strongest(waiting);
          if (strongest != null) {
            cause += (suspected ? "; suspected bypass: " : "; ") + strongest.describe(window);
          }
          FollowUp f =
              new FollowUp(
                  FollowUpId.of(sig.clusterId(), sig.owner(), sig.kind(), cycle).toString(),
                  sig.clusterId(),
                  sig.owner(),
                  sig.kind(),
                  State.OPEN,
                  FollowUpSeverity.of(sig.kind(), State.OPEN, null, suspected, prior),
                  cause,
                  null,
                  1,
                  List.of(sig.pod()),
                  union(List.of(), sig.images(), FollowUp.MAX_IMAGES_LISTED),
                  sig.user() == null ? List.of() : List.of(sig.user()),
                  sig.detail(),
                  suspected ? true : null,
                  prior,
                  sig.at(),
                  sig.at(),
                  now,
                  null,
                  null,
                  null,
                  null,
                  sig.eventTime());
          out.add(f);
          s = new FollowUpState(f, cycle, pods, sig.policyVersions(), null, now, false);
        } else {
          s = causedAt(s, sig.eventTime());
          Map<String, FollowUpState.PodEntry> pods = new TreeMap<>(s.pods());
          FollowUpState.PodEntry before = pods.get(sig.pod());
          pods.put(
              sig.pod(),
              new FollowUpState.PodEntry(
                  true,
                  sig.decision() != null
                      ? sig.decision()
                      : before == null ? null : before.decision()));
          FollowUp c = s.current();
          FollowUp f =
              copy(
                  c,
                  c.state(),
                  c.cause(),
                  c.reevaluation(),
                  pods,
                  union(c.images(), sig.images(), FollowUp.MAX_IMAGES_LISTED),
                  union(c.users(), sig.user() == null ? List.of() : List.of(sig.user()), 20),
                  max(c.lastSeen(), sig.at()),
                  c.changedAt(),
                  c.acknowledgedBy(),
                  c.note());
          String pending = before == null ? (pods.size() + " pods admitted") : s.pendingCause();
          s =
              new FollowUpState(
                  f,
                  s.cycle(),
                  pods,
                  versions(s, sig),
                  pending,
                  now,
                  s.held(),
                  s.acknowledgedFrom());
        }
        return judge(s, out, now, settle);
      }
      case EVALUATED -> {
        if (s == null || !s.pods().containsKey(sig.pod())) {
          return new Result(s, out);
        }
        if (s.ackExpires()) {
          // acknowledged until a time: the pods are followed quietly, for when it expires
          return new Result(quietly(s, sig.pod(), null, sig.decision(), versions(s, sig)), out);
        }
        if (isClosed(s)) {
          return new Result(s, out);
        }
        s = causedAt(s, sig.eventTime());
        Map<String, FollowUpState.PodEntry> pods = new TreeMap<>(s.pods());
        pods.put(sig.pod(), new FollowUpState.PodEntry(pods.get(sig.pod()).live(), sig.decision()));
        s =
            new FollowUpState(
                s.current(),
                s.cycle(),
                pods,
                versions(s, sig),
                s.pendingCause(),
                s.lastAdmittedAt(),
                s.held());
        return judge(s, out, now, settle);
      }
      case GONE -> {
        if (s == null || !s.pods().containsKey(sig.pod()) || !s.pods().get(sig.pod()).live()) {
          return new Result(s, out);
        }
        if (s.ackExpires()) {
          return new Result(quietly(s, sig.pod(), false, null, s.policyVersions()), out);
        }
        if (isClosed(s)) {
          return new Result(s, out);
        }
        s = causedAt(s, sig.eventTime());
        Map<String, FollowUpState.PodEntry> pods = new TreeMap<>(s.pods());
        pods.put(sig.pod(), new FollowUpState.PodEntry(false, pods.get(sig.pod()).decision()));
        long live = pods.values().stream().filter(FollowUpState.PodEntry::live).count();
        if (live == 0) {
          if (s.held()) {
            // what the pods were judged to be is published before they are all gone
            s = judge(s, out, now, Duration.ZERO).state();
          }
          FollowUp c = s.current();
          // breakglass waits for a person: the pods going is recorded, and nothing forbidden runs
          FollowUp f =
              c.kind() == Kind.BREAKGLASS
                  ? moved(
                      c,
                      pods,
                      State.OPEN,
                      "every pod admitted with breakglass is gone; breakglass stays open until "
                          + "acknowledged",
                      c.reevaluation(),
                      now)
                  : moved(
                      c,
                      pods,
                      State.RESOLVED,
                      "every pod admitted this way is gone",
                      c.reevaluation(),
                      now);
          out.add(f);
          return new Result(
              new FollowUpState(
                  f, s.cycle(), pods, s.policyVersions(), null, s.lastAdmittedAt(), false),
              out);
        }
        s =
            new FollowUpState(
                s.current(),
                s.cycle(),
                pods,
                s.policyVersions(),
                "pod " + sig.pod() + " gone, " + live + " of " + pods.size() + " pods remain",
                s.lastAdmittedAt(),
                s.held());
        return judge(s, out, now, settle);
      }
      default -> throw new IllegalArgumentException("unknown signal " + sig.type());
    }
  }

  static Result onAck(FollowUpState s, FollowUpAck ack, Instant now) {
    List<FollowUp> out = new ArrayList<>();
    if (s == null || !s.current().followUpId().equals(ack.followUpId())) {
      return new Result(s, out); // unknown or superseded follow-up
    }
    FollowUp c = s.current();
    String who = ack.by() + (ack.note() == null ? "" : ": " + ack.note());
    boolean renewed =
        ack.action() == FollowUpAck.Action.ACKNOWLEDGE
            && c.state() == State.ACKNOWLEDGED
            && (c.acknowledgedUntil() != null || ack.acknowledgedUntil() != null)
            && !(Objects.equals(c.acknowledgedUntil(), ack.acknowledgedUntil())
                && Objects.equals(c.ticket(), ack.ticket())
                && Objects.equals(c.acknowledgedBy(), ack.by()));
    State target =
        switch (ack.action()) {
          case ACKNOWLEDGE ->
              c.state() == State.RESOLVED || c.state() == State.ACKNOWLEDGED && !renewed
                  ? null
                  : State.ACKNOWLEDGED;
          case RESOLVE -> c.state() == State.RESOLVED ? null : State.RESOLVED;
          case REOPEN -> isClosed(s) ? State.OPEN : null;
        };
    if (target == null) {
      return new Result(s, out);
    }
    s = causedAt(s, ack.at());
    c = s.current();
    String terms =
        (ack.acknowledgedUntil() == null ? "" : ", until " + ack.acknowledgedUntil())
            + (ack.ticket() == null ? "" : ", ticket " + ack.ticket());
    String cause =
        switch (ack.action()) {
          case ACKNOWLEDGE ->
              (renewed ? "acknowledgement renewed by " : "acknowledged by ") + who + terms;
          case RESOLVE -> "resolved by " + who + terms;
          case REOPEN -> "reopened by " + who + terms;
        };
    // the state a time-limited acknowledgement goes back to: kept through renewals
    State from =
        ack.action() != FollowUpAck.Action.ACKNOWLEDGE || ack.acknowledgedUntil() == null
            ? null
            : c.state() == State.ACKNOWLEDGED
                ? (s.acknowledgedFrom() == null ? State.OPEN : s.acknowledgedFrom())
                : c.state();
    FollowUp f =
        new Draft(
                copy(
                    c,
                    target,
                    cause,
                    c.reevaluation(),
                    s.pods(),
                    c.images(),
                    c.users(),
                    c.lastSeen(),
                    now,
                    ack.by(),
                    ack.note()))
            .ack(
                ack.action() == FollowUpAck.Action.ACKNOWLEDGE ? ack.acknowledgedUntil() : null,
                ack.ticket() != null ? ack.ticket() : c.ticket())
            .build();
    out.add(f);
    s =
        new FollowUpState(
            f, s.cycle(), s.pods(), s.policyVersions(), null, s.lastAdmittedAt(), false, from);
    return ack.action() == FollowUpAck.Action.REOPEN
        ? judge(s, out, now, Duration.ZERO)
        : new Result(s, out);
  }

  /**
   * An acknowledgement with an expiry that has passed at {@code now}: the follow-up goes back to
   * the state it was acknowledged from (RESOLVED instead, for fail-open and dry-run follow-ups
   * whose pods are all gone), with the reason, and is judged again from what its pods did
   * meanwhile.
   */
  static Result expire(FollowUpState s, Instant now) {
    if (s == null || !s.ackExpires() || s.current().acknowledgedUntil().isAfter(now)) {
      return new Result(s, List.of());
    }
    FollowUp c = s.current();
    boolean gone = s.pods().values().stream().noneMatch(FollowUpState.PodEntry::live);
    State back = s.acknowledgedFrom() == null ? State.OPEN : s.acknowledgedFrom();
    String why =
        "acknowledgement by "
            + c.acknowledgedBy()
            + " expired at "
            + c.acknowledgedUntil()
            + (c.ticket() == null ? "" : " (ticket " + c.ticket() + ")");
    List<FollowUp> out = new ArrayList<>();
    FollowUp f;
    if (gone && c.kind() != Kind.BREAKGLASS) {
      f =
          moved(
              c,
              s.pods(),
              State.RESOLVED,
              why + "; every pod admitted this way is gone",
              c.reevaluation(),
              now);
    } else {
      f = moved(c, s.pods(), back, why + "; back to " + back, c.reevaluation(), now);
    }
    f = new Draft(f).ack(null, c.ticket()).build();
    out.add(f);
    s =
        new FollowUpState(
            f, s.cycle(), s.pods(), s.policyVersions(), null, s.lastAdmittedAt(), false, null);
    return f.state() == State.RESOLVED ? new Result(s, out) : judge(s, out, now, Duration.ZERO);
  }

  /**
   * Bypass evidence about an admission of the workload. On an open follow-up it raises {@code
   * priorDenials} and sets {@code suspectedBypass} (and so the severity) when they grow; a closed
   * or absent follow-up does not take it (the caller keeps it for the next cycle).
   */
  static Result onEvidence(FollowUpState s, BypassEvidence e, Instant now, Duration window) {
    if (s == null || isClosed(s)) {
      return new Result(s, List.of());
    }
    FollowUp c = s.current();
    int prior = c.priorDenials() == null ? 0 : c.priorDenials();
    boolean suspected = c.bypassSuspected() || e.suspectedBypass();
    if (e.priorDenials() <= prior && suspected == c.bypassSuspected()) {
      return new Result(s, List.of());
    }
    s = causedAt(s, e.admittedAt());
    c = s.current();
    String cause = (e.suspectedBypass() ? "suspected bypass: " : "") + e.describe(window);
    FollowUp f =
        new Draft(moved(c, s.pods(), c.state(), cause, c.reevaluation(), now))
            .bypass(suspected, Math.max(prior, e.priorDenials()))
            .build();
    return new Result(
        new FollowUpState(
            f,
            s.cycle(),
            s.pods(),
            s.policyVersions(),
            s.pendingCause(),
            s.lastAdmittedAt(),
            s.held(),
            s.acknowledgedFrom()),
        List.of(f));
  }

  /** The evidence with the most denials, a suspected bypass first; null when none. */
  private static BypassEvidence strongest(List<BypassEvidence> evidence) {
    BypassEvidence best = null;
    for (BypassEvidence e : evidence) {
      if (best == null
          || Boolean.compare(e.suspectedBypass(), best.suspectedBypass()) > 0
          || e.suspectedBypass() == best.suspectedBypass()
              && e.priorDenials() > best.priorDenials()) {
        best = e;
      }
    }
    return best;
  }

  /** The state with one pod's liveness or decision updated and nothing published. */
  private static FollowUpState quietly(
      FollowUpState s, String pod, Boolean live, Decision decision, List<String> versions) {
    Map<String, FollowUpState.PodEntry> pods = new TreeMap<>(s.pods());
    FollowUpState.PodEntry p = pods.get(pod);
    pods.put(
        pod,
        new FollowUpState.PodEntry(
            live == null ? p.live() : live, decision == null ? p.decision() : decision));
    return new FollowUpState(
        s.current(),
        s.cycle(),
        pods,
        versions,
        s.pendingCause(),
        s.lastAdmittedAt(),
        s.held(),
        s.acknowledgedFrom());
  }

  /**
   * Publishes a held change once no pod was admitted for {@code settle} (if the pods still call for
   * it), and a pending change of pod count or pod list, if any.
   */
  static Result flush(FollowUpState s, Instant now, Duration settle) {
    if (s == null) {
      return new Result(null, List.of());
    }
    List<FollowUp> out = new ArrayList<>();
    if (s.held()) {
      s = judge(s, out, now, settle).state();
    }
    if (s.pendingCause() == null) {
      return new Result(s, out);
    }
    FollowUp c = s.current();
    FollowUp f = moved(c, s.pods(), c.state(), s.pendingCause(), c.reevaluation(), now);
    out.add(f);
    return new Result(
        new FollowUpState(
            f, s.cycle(), s.pods(), s.policyVersions(), null, s.lastAdmittedAt(), s.held()),
        out);
  }

  /**
   * Escalates a fail-open or dry-run follow-up still OPEN {@code maxAge} after it opened (a pod
   * that was never judged, or whose verdict never settles it); breakglass stays open until a person
   * acknowledges it, by design.
   */
  static Result escalateIfStale(FollowUpState s, Instant now, Duration maxAge) {
    if (s == null
        || s.current().state() != State.OPEN
        || s.current().kind() == Kind.BREAKGLASS
        || s.current().firstSeen().plus(maxAge).isAfter(now)) {
      return new Result(s, List.of());
    }
    FollowUp c = s.current();
    long unjudged =
        s.pods().values().stream().filter(p -> p.live() && p.decision() == null).count();
    String cause =
        "still OPEN "
            + maxAge
            + " after it opened: "
            + (unjudged > 0
                ? unjudged + " of " + s.pods().size() + " pods never judged"
                : "its pods' verdicts do not settle it");
    FollowUp f = moved(c, s.pods(), State.ESCALATED, cause, c.reevaluation(), now);
    return new Result(
        new FollowUpState(
            f, s.cycle(), s.pods(), s.policyVersions(), null, s.lastAdmittedAt(), false),
        List.of(f));
  }

  /** Moves the follow-up on when what its live pods' evaluations say calls for it. */
  private static Result judge(FollowUpState s, List<FollowUp> out, Instant now, Duration settle) {
    if (isClosed(s)) {
      return new Result(s.holding(false), out);
    }
    Decision agg = aggregate(s.pods());
    FollowUp c = s.current();
    if (agg == null) {
      return new Result(s.holding(false), out);
    }
    State target = target(c.kind(), c.state(), agg);
    if (target == c.state() && agg == c.reevaluation()) {
      return new Result(s.holding(false), out);
    }
    if (s.lastAdmittedAt() != null && now.isBefore(s.lastAdmittedAt().plus(settle))) {
      return new Result(s.holding(true), out); // another pod of the burst may still come
    }
    String under =
        s.policyVersions().isEmpty() ? "" : " under " + String.join(", ", s.policyVersions());
    String cause = cause(c.kind(), c.state(), target, agg, s.pods(), under);
    FollowUp f = moved(c, s.pods(), target, cause, agg, now);
    out.add(f);
    return new Result(
        new FollowUpState(
            f, s.cycle(), s.pods(), s.policyVersions(), null, s.lastAdmittedAt(), false),
        out);
  }

  private static State target(Kind kind, State state, Decision agg) {
    boolean denied = agg == Decision.DENY;
    return switch (kind) {
      case FAIL_OPEN -> {
        boolean complies = agg == Decision.ALLOW || agg == Decision.DRYRUN_DENY;
        if (denied) {
          yield State.ESCALATED;
        }
        if (complies) {
          yield state == State.ESCALATED ? State.RESOLVED : State.VERIFIED;
        }
        yield state;
      }
      case BREAKGLASS -> {
        // never VERIFIED or RESOLVED by itself: only the severity follows the images
        boolean complies = agg == Decision.ALLOW || agg == Decision.DRYRUN_DENY;
        yield denied ? State.ESCALATED : complies && state == State.ESCALATED ? State.OPEN : state;
      }
      case DRY_RUN -> {
        if (denied) {
          yield State.ESCALATED;
        }
        if (agg == Decision.ALLOW) {
          yield state == State.ESCALATED ? State.RESOLVED : State.VERIFIED;
        }
        yield state;
      }
    };
  }

  private static String cause(
      Kind kind,
      State from,
      State to,
      Decision agg,
      Map<String, FollowUpState.PodEntry> pods,
      String under) {
    long live = pods.values().stream().filter(FollowUpState.PodEntry::live).count();
    long denied =
        pods.values().stream().filter(p -> p.live() && p.decision() == Decision.DENY).count();
    String head = "re-evaluation" + under + ": ";
    if (to == State.ESCALATED && from != State.ESCALATED) {
      return head + denied + " of " + live + " pods run images the policy denies";
    }
    if (to == State.VERIFIED) {
      return head
          + "every pod complies"
          + (agg == Decision.DRYRUN_DENY ? " (dry-run findings only)" : "");
    }
    if (to == State.RESOLVED) {
      return head + "the workload was made compliant";
    }
    if (kind == Kind.BREAKGLASS) {
      return head
          + (agg == Decision.DENY
              ? denied + " of " + live + " pods run images the policy denies"
              : agg == Decision.UNKNOWN ? "the images could not be judged" : "the images comply")
          + "; breakglass stays open until acknowledged";
    }
    return head + "decision " + agg;
  }

  /** DENY over UNKNOWN over not-yet-evaluated (null) over DRYRUN_DENY over ALLOW. */
  static Decision aggregate(Map<String, FollowUpState.PodEntry> pods) {
    boolean any = false;
    boolean unknown = false;
    boolean pending = false;
    boolean dryRun = false;
    for (FollowUpState.PodEntry p : pods.values()) {
      if (!p.live()) {
        continue;
      }
      any = true;
      if (p.decision() == null) {
        pending = true;
      } else if (p.decision() == Decision.DENY) {
        return Decision.DENY;
      } else if (p.decision() == Decision.UNKNOWN) {
        unknown = true;
      } else if (p.decision() == Decision.DRYRUN_DENY) {
        dryRun = true;
      }
    }
    if (!any) {
      return null;
    }
    if (unknown) {
      return Decision.UNKNOWN;
    }
    if (pending) {
      return null;
    }
    return dryRun ? Decision.DRYRUN_DENY : Decision.ALLOW;
  }

  static boolean isClosed(FollowUpState s) {
    State st = s.current().state();
    return st == State.RESOLVED || st == State.ACKNOWLEDGED;
  }

  private static List<String> versions(FollowUpState s, FollowUpSignal sig) {
    return sig.policyVersions().isEmpty() ? s.policyVersions() : sig.policyVersions();
  }

  /**
   * {@code c} moved to {@code state} at {@code now} for {@code cause}, with its pods as they now
   * are; the rest (images, users, last seen, acknowledgement) as it was.
   */
  private static FollowUp moved(
      FollowUp c,
      Map<String, FollowUpState.PodEntry> pods,
      State state,
      String cause,
      Decision reevaluation,
      Instant now) {
    return copy(
        c,
        state,
        cause,
        reevaluation,
        pods,
        c.images(),
        c.users(),
        c.lastSeen(),
        now,
        c.acknowledgedBy(),
        c.note());
  }

  private static FollowUp copy(
      FollowUp c,
      State state,
      String cause,
      Decision reevaluation,
      Map<String, FollowUpState.PodEntry> pods,
      List<FollowUp.Image> images,
      List<String> users,
      Instant lastSeen,
      Instant changedAt,
      String ackBy,
      String note) {
    List<String> names = pods.keySet().stream().limit(FollowUp.MAX_PODS_LISTED).toList();
    return new FollowUp(
        c.followUpId(),
        c.clusterId(),
        c.owner(),
        c.kind(),
        state,
        FollowUpSeverity.of(c.kind(), state, reevaluation, c.bypassSuspected(), c.priorDenials()),
        cause,
        reevaluation,
        pods.size(),
        names,
        images,
        users,
        c.detail(),
        c.suspectedBypass(),
        c.priorDenials(),
        c.firstSeen(),
        lastSeen,
        changedAt,
        ackBy,
        note,
        c.acknowledgedUntil(),
        c.ticket(),
        c.eventTime());
  }

  /** A follow-up record with its bypass or acknowledgement fields changed; the severity follows. */
  private static final class Draft {
    private final FollowUp c;
    private boolean suspected;
    private Integer prior;
    private Instant until;
    private String ticket;

    Draft(FollowUp c) {
      this.c = c;
      suspected = c.bypassSuspected();
      prior = c.priorDenials();
      until = c.acknowledgedUntil();
      ticket = c.ticket();
    }

    Draft bypass(boolean suspectedBypass, int priorDenials) {
      suspected = suspectedBypass;
      prior = priorDenials;
      return this;
    }

    Draft ack(Instant acknowledgedUntil, String ticketRef) {
      until = acknowledgedUntil;
      ticket = ticketRef;
      return this;
    }

    FollowUp build() {
      return new FollowUp(
          c.followUpId(),
          c.clusterId(),
          c.owner(),
          c.kind(),
          c.state(),
          FollowUpSeverity.of(c.kind(), c.state(), c.reevaluation(), suspected, prior),
          c.cause(),
          c.reevaluation(),
          c.podCount(),
          c.pods(),
          c.images(),
          c.users(),
          c.detail(),
          suspected ? true : null,
          prior,
          c.firstSeen(),
          c.lastSeen(),
          c.changedAt(),
          c.acknowledgedBy(),
          c.note(),
          until,
          ticket,
          c.eventTime());
    }
  }

  /**
   * The state taking an input of {@code eventTime}: the records it causes, now or when held changes
   * are published, carry that event time (null: unknown, the last one known stays).
   */
  private static FollowUpState causedAt(FollowUpState s, Instant eventTime) {
    FollowUp c = s.current();
    if (eventTime == null || eventTime.equals(c.eventTime())) {
      return s;
    }
    FollowUp f =
        new FollowUp(
            c.followUpId(),
            c.clusterId(),
            c.owner(),
            c.kind(),
            c.state(),
            c.severity(),
            c.cause(),
            c.reevaluation(),
            c.podCount(),
            c.pods(),
            c.images(),
            c.users(),
            c.detail(),
            c.suspectedBypass(),
            c.priorDenials(),
            c.firstSeen(),
            c.lastSeen(),
            c.changedAt(),
            c.acknowledgedBy(),
            c.note(),
            c.acknowledgedUntil(),
            c.ticket(),
            eventTime);
    return new FollowUpState(
        f,
        s.cycle(),
        s.pods(),
        s.policyVersions(),
        s.pendingCause(),
        s.lastAdmittedAt(),
        s.held(),
        s.acknowledgedFrom());
  }

  private static <T> List<T> union(List<T> a, List<T> b, int max) {
    Set<T> s = new LinkedHashSet<>(a);
    for (T x : b) {
      if (s.size() >= max) {
        break;
      }
      s.add(Objects.requireNonNull(x));
    }
    return List.copyOf(s);
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
