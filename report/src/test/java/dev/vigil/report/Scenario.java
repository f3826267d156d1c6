package dev.vigil.report;

import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.AdmissionEvent.FailedOpen;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUp.Kind;
import dev.vigil.schemas.FollowUp.State;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.Transition;
import dev.vigil.schemas.WorkloadRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A week of one production cluster (and a little of a staging one), with the numbers a report over
 * it must show. Period: 2026-11-01 to 2026-11-08 (UTC).
 *
 * <ul>
 *   <li>An enforcer outage on 3 November, 10:00-10:20: five pods of two Deployments in two
 *       namespaces admitted fail-open (gaps of at most 8 minutes: one outage); a lone fail-open on
 *       5 November at 14:00 (a second outage).
 *   <li>20 ordinary admissions, 3 denials, 2 dry-run denials, 1 breakglass, 2 admissions on the
 *       staging cluster, one redelivered audit event and one RequestReceived stage (neither
 *       counts); admissions just before and at the end of the period (they do not count).
 *   <li>Violations: 4 opened and 2 resolved in the period; at the end Deployment payments/api (3
 *       pods) and Deployment checkout/web (opened before the period) still violate.
 *   <li>Follow-ups: fail-open payments/api escalated then acknowledged by bob after 5 h; fail-open
 *       checkout/web verified after 28 min; fail-open payments/batch verified after 30 min;
 *       breakglass payments/hotfix acknowledged by carol after 1 h with a hostile note; breakglass
 *       checkout/debug escalated and still open; fail-open checkout/db open since 25 October (past
 *       the 72 h deadline); dry-run sandbox/tool open at the end (closed after it); staging
 *       default/smoke verified after 10 min; one closed before the period and one opened after it
 *       (neither counts).
 * </ul>
 */
final class Scenario {

  static final Instant FROM = Instant.parse("2026-11-01T00:00:00Z");
  static final Instant TO = Instant.parse("2026-11-08T00:00:00Z");
  static final String PROD = "us-central1-a.prod";
  static final String STAGING = "europe-west1-b.staging";

  /** The note carol left: a formula, markup, a pipe, quotes and a line break. */
  static final String HOSTILE_NOTE =
      "=HYPERLINK(\"http://evil.example\",\"x\") <script>alert('pwned')</script> | see, \"INC-9\"\nend";

  /** A record for one topic, with the Kafka timestamp a producer would give it. */
  record Rec(Topic<?> topic, String key, Object value, Instant timestamp) {}

  private final List<Rec> records = new ArrayList<>();
  private int seq;

  static List<Rec> records() {
    Scenario s = new Scenario();
    s.admissions();
    s.violations();
    s.followUps();
    return s.records;
  }

  /** Feeds every record to {@code builder}, as the Kafka source would. */
  static void feed(ReportBuilder builder) {
    for (Rec r : records()) {
      if (r.value() instanceof AdmissionEvent e) {
        builder.admission(e);
      } else if (r.value() instanceof ViolationTransition v) {
        builder.violation(v);
      } else if (r.value() instanceof FollowUp f) {
        builder.followUp(f);
      }
    }
  }

  private void admissions() {
    WorkloadRef api = deployment("payments", "api");
    WorkloadRef web = deployment("checkout", "web");
    // The outage: gaps of 2, 3, 7 and 8 minutes.
    failOpen(PROD, api, "api-1", "2026-11-03T10:00:00Z");
    failOpen(PROD, api, "api-2", "2026-11-03T10:02:00Z");
    failOpen(PROD, api, "api-3", "2026-11-03T10:05:00Z");
    failOpen(PROD, web, "web-1", "2026-11-03T10:12:00Z");
    failOpen(PROD, web, "web-2", "2026-11-03T10:20:00Z");
    // A second, lone outage two days later.
    failOpen(
        PROD,
        new WorkloadRef(WorkloadRef.Kind.JOB, "payments", "batch"),
        "batch-x1",
        "2026-11-05T14:00:00Z");
    for (int i = 0; i < 20; i++) {
      String ns = i % 2 == 0 ? "payments" : "checkout";
      admission(
          PROD,
          deployment(ns, "svc" + i),
          "svc" + i + "-a",
          "2026-11-02T0" + (i % 10) + ":30:00Z",
          false,
          false,
          false,
          null,
          "ResponseComplete");
    }
    for (int i = 0; i < 3; i++) {
      admission(
          PROD,
          deployment("checkout", "unsigned"),
          "unsigned-" + i,
          "2026-11-04T1" + i + ":00:00Z",
          true,
          false,
          false,
          null,
          "ResponseComplete");
    }
    for (int i = 0; i < 2; i++) {
      admission(
          PROD,
          deployment("sandbox", "tool"),
          "tool-" + i,
          "2026-11-07T2" + i + ":00:00Z",
          false,
          true,
          false,
          null,
          "ResponseComplete");
    }
    admission(
        PROD,
        deployment("payments", "hotfix"),
        "hotfix-1",
        "2026-11-04T09:00:00Z",
        false,
        false,
        true,
        null,
        "ResponseComplete");
    admission(
        STAGING,
        deployment("default", "smoke"),
        "smoke-1",
        "2026-11-02T00:00:00Z",
        false,
        false,
        false,
        null,
        "ResponseComplete");
    admission(
        STAGING,
        deployment("default", "smoke"),
        "smoke-2",
        "2026-11-02T00:05:00Z",
        false,
        false,
        false,
        null,
        "ResponseComplete");
    // The audit webhook delivered the first ordinary admission twice.
    AdmissionEvent first =
        (AdmissionEvent)
            records.stream()
                .filter(r -> r.value() instanceof AdmissionEvent e && e.name().equals("svc0-a"))
                .findFirst()
                .orElseThrow()
                .value();
    records.add(new Rec(Topics.ADMISSION_EVENTS, first.key(), first, first.requestReceivedAt()));
    // The RequestReceived stage of a request carries no decision.
    admission(
        PROD,
        deployment("payments", "svc0"),
        "svc0-b",
        "2026-11-02T00:31:00Z",
        false,
        false,
        false,
        null,
        "RequestReceived");
    // Outside the period.
    failOpen(PROD, api, "api-0", "2026-10-31T23:50:00Z");
    failOpen(PROD, api, "api-9", "2026-11-08T00:00:00Z");
    admission(
        PROD,
        deployment("payments", "later"),
        "later-1",
        "2026-11-09T00:00:00Z",
        false,
        false,
        false,
        null,
        "ResponseComplete");
  }

  private void violations() {
    WorkloadRef api = deployment("payments", "api");
    violation(
        api,
        "api-1",
        Transition.OPENED,
        null,
        Decision.DENY,
        "2026-11-03T11:00:00Z",
        "2026-11-03T11:00:00Z");
    violation(
        api,
        "api-2",
        Transition.OPENED,
        null,
        Decision.DENY,
        "2026-11-03T11:00:00Z",
        "2026-11-03T11:00:00Z");
    violation(
        api,
        "api-3",
        Transition.OPENED,
        null,
        Decision.DENY,
        "2026-11-03T11:00:00Z",
        "2026-11-03T11:00:00Z");
    violation(
        api,
        "api-1",
        Transition.RESOLVED,
        Decision.DENY,
        Decision.ALLOW,
        "2026-11-03T11:00:00Z",
        "2026-11-04T12:00:00Z");
    violation(
        api,
        "api-4",
        Transition.OPENED,
        null,
        Decision.DRYRUN_DENY,
        "2026-11-06T00:00:00Z",
        "2026-11-06T00:00:00Z");
    violation(
        api,
        "api-4",
        Transition.CHANGED,
        Decision.DRYRUN_DENY,
        Decision.DENY,
        "2026-11-06T00:00:00Z",
        "2026-11-07T00:00:00Z");
    WorkloadRef web = deployment("checkout", "web");
    violation(
        web,
        "web-1",
        Transition.OPENED,
        null,
        Decision.UNKNOWN,
        "2026-10-20T00:00:00Z",
        "2026-10-20T00:00:00Z");
    WorkloadRef legacy = deployment("checkout", "legacy");
    violation(
        legacy,
        "legacy-1",
        Transition.OPENED,
        null,
        Decision.DENY,
        "2026-10-15T00:00:00Z",
        "2026-10-15T00:00:00Z");
    violation(
        legacy,
        "legacy-1",
        Transition.RESOLVED,
        Decision.DENY,
        Decision.ALLOW,
        "2026-10-15T00:00:00Z",
        "2026-11-02T00:00:00Z");
    WorkloadRef tool = deployment("sandbox", "tool");
    violation(
        tool,
        "tool-9",
        Transition.OPENED,
        null,
        Decision.DENY,
        "2026-11-09T00:00:00Z",
        "2026-11-09T00:00:00Z");
  }

  private void followUps() {
    String ackNote = "enforcer outage INC-7; images rebuilt and signed";
    // A: fail-open payments/api, escalated, acknowledged by bob after 5 h, resolved the next day.
    FollowUpBuilder a =
        new FollowUpBuilder(
            "fu-a",
            PROD,
            deployment("payments", "api"),
            Kind.FAIL_OPEN,
            "2026-11-03T10:00:00Z",
            "2026-11-03T10:05:00Z",
            3,
            List.of("api-1", "api-2", "api-3"),
            "system:serviceaccount:kube-system:replicaset-controller");
    a.change(State.OPEN, "admission failed open", null, "2026-11-03T10:00:00Z", null, null);
    a.change(
        State.ESCALATED,
        "re-evaluation denied 3 pods",
        Decision.DENY,
        "2026-11-03T11:00:00Z",
        null,
        null);
    a.change(
        State.ACKNOWLEDGED,
        "acknowledged",
        Decision.DENY,
        "2026-11-03T15:00:00Z",
        "bob@acme.example",
        ackNote);
    a.change(
        State.RESOLVED,
        "workload made compliant",
        Decision.ALLOW,
        "2026-11-04T12:00:00Z",
        "bob@acme.example",
        ackNote);
    // B: fail-open checkout/web verified after 28 min.
    FollowUpBuilder b =
        new FollowUpBuilder(
            "fu-b",
            PROD,
            deployment("checkout", "web"),
            Kind.FAIL_OPEN,
            "2026-11-03T10:12:00Z",
            "2026-11-03T10:20:00Z",
            2,
            List.of("web-1", "web-2"),
            "system:serviceaccount:kube-system:replicaset-controller");
    b.change(State.OPEN, "admission failed open", null, "2026-11-03T10:12:00Z", null, null);
    b.change(
        State.VERIFIED,
        "re-evaluation allowed every image",
        Decision.ALLOW,
        "2026-11-03T10:40:00Z",
        null,
        null);
    // C: fail-open payments/batch verified after 30 min.
    FollowUpBuilder c =
        new FollowUpBuilder(
            "fu-c",
            PROD,
            new WorkloadRef(WorkloadRef.Kind.JOB, "payments", "batch"),
            Kind.FAIL_OPEN,
            "2026-11-05T14:00:00Z",
            "2026-11-05T14:00:00Z",
            1,
            List.of("batch-x1"),
            "system:serviceaccount:kube-system:job-controller");
    c.change(State.OPEN, "admission failed open", null, "2026-11-05T14:00:00Z", null, null);
    c.change(
        State.VERIFIED,
        "re-evaluation allowed every image",
        Decision.ALLOW,
        "2026-11-05T14:30:00Z",
        null,
        null);
    // D: breakglass payments/hotfix, escalated, acknowledged by carol after 1 h with a hostile
    // note.
    FollowUpBuilder d =
        new FollowUpBuilder(
            "fu-d",
            PROD,
            deployment("payments", "hotfix"),
            Kind.BREAKGLASS,
            "2026-11-04T09:00:00Z",
            "2026-11-04T09:00:00Z",
            1,
            List.of("hotfix-1"),
            "alice@acme.example");
    d.change(State.OPEN, "breakglass admission", null, "2026-11-04T09:00:00Z", null, null);
    d.change(
        State.ESCALATED,
        "re-evaluation denied 1 pod",
        Decision.DENY,
        "2026-11-04T09:05:00Z",
        null,
        null);
    d.change(
        State.ACKNOWLEDGED,
        "acknowledged",
        Decision.DENY,
        "2026-11-04T10:00:00Z",
        "carol@acme.example",
        HOSTILE_NOTE);
    // E: breakglass checkout/debug, escalated, still open at the end (40 h old).
    FollowUpBuilder e =
        new FollowUpBuilder(
            "fu-e",
            PROD,
            deployment("checkout", "debug"),
            Kind.BREAKGLASS,
            "2026-11-06T08:00:00Z",
            "2026-11-06T08:00:00Z",
            1,
            List.of("debug-1"),
            "dave@acme.example");
    e.change(State.OPEN, "breakglass admission", null, "2026-11-06T08:00:00Z", null, null);
    e.change(
        State.ESCALATED,
        "re-evaluation denied 1 pod",
        Decision.DENY,
        "2026-11-06T08:10:00Z",
        null,
        null);
    // F: fail-open checkout/db open since before the period: past the deadline.
    FollowUpBuilder f =
        new FollowUpBuilder(
            "fu-f",
            PROD,
            new WorkloadRef(WorkloadRef.Kind.STATEFUL_SET, "checkout", "db"),
            Kind.FAIL_OPEN,
            "2026-10-25T00:00:00Z",
            "2026-10-25T00:00:00Z",
            1,
            List.of("db-0"),
            "system:serviceaccount:kube-system:statefulset-controller");
    f.change(State.OPEN, "admission failed open", null, "2026-10-25T00:00:00Z", null, null);
    f.change(
        State.ESCALATED,
        "re-evaluation could not judge the pod",
        Decision.UNKNOWN,
        "2026-10-25T01:00:00Z",
        null,
        null);
    // G: closed long before the period.
    FollowUpBuilder g =
        new FollowUpBuilder(
            "fu-g",
            PROD,
            deployment("payments", "old"),
            Kind.FAIL_OPEN,
            "2026-10-10T00:00:00Z",
            "2026-10-10T00:00:00Z",
            1,
            List.of("old-1"),
            "erin@acme.example");
    g.change(State.OPEN, "admission failed open", null, "2026-10-10T00:00:00Z", null, null);
    g.change(
        State.VERIFIED,
        "re-evaluation allowed every image",
        Decision.ALLOW,
        "2026-10-10T00:20:00Z",
        null,
        null);
    // H: opened after the period.
    FollowUpBuilder h =
        new FollowUpBuilder(
            "fu-h",
            PROD,
            deployment("payments", "api"),
            Kind.BREAKGLASS,
            "2026-11-08T03:00:00Z",
            "2026-11-08T03:00:00Z",
            1,
            List.of("api-7"),
            "alice@acme.example");
    h.change(State.OPEN, "breakglass admission", null, "2026-11-08T03:00:00Z", null, null);
    // I: dry-run sandbox/tool, open at the end of the period, resolved after it.
    FollowUpBuilder i =
        new FollowUpBuilder(
            "fu-i",
            PROD,
            deployment("sandbox", "tool"),
            Kind.DRY_RUN,
            "2026-11-07T20:00:00Z",
            "2026-11-07T21:00:00Z",
            2,
            List.of("tool-0", "tool-1"),
            "frank@acme.example");
    i.change(
        State.OPEN,
        "dry-run rule would have denied",
        Decision.DRYRUN_DENY,
        "2026-11-07T20:00:00Z",
        null,
        null);
    i.change(State.RESOLVED, "workload deleted", null, "2026-11-08T02:00:00Z", null, null);
    // S: staging, verified after 10 min.
    FollowUpBuilder s =
        new FollowUpBuilder(
            "fu-s",
            STAGING,
            deployment("default", "smoke"),
            Kind.FAIL_OPEN,
            "2026-11-02T00:00:00Z",
            "2026-11-02T00:05:00Z",
            2,
            List.of("smoke-1", "smoke-2"),
            "ci@acme.example");
    s.change(State.OPEN, "admission failed open", null, "2026-11-02T00:00:00Z", null, null);
    s.change(
        State.VERIFIED,
        "re-evaluation allowed every image",
        Decision.ALLOW,
        "2026-11-02T00:10:00Z",
        null,
        null);
  }

  private final class FollowUpBuilder {
    final String id;
    final String cluster;
    final WorkloadRef owner;
    final Kind kind;
    final Instant firstSeen;
    final Instant lastSeen;
    final int podCount;
    final List<String> pods;
    final String user;

    FollowUpBuilder(
        String id,
        String cluster,
        WorkloadRef owner,
        Kind kind,
        String firstSeen,
        String lastSeen,
        int podCount,
        List<String> pods,
        String user) {
      this.id = id;
      this.cluster = cluster;
      this.owner = owner;
      this.kind = kind;
      this.firstSeen = Instant.parse(firstSeen);
      this.lastSeen = Instant.parse(lastSeen);
      this.podCount = podCount;
      this.pods = pods;
      this.user = user;
    }

    void change(
        State state, String cause, Decision reevaluation, String at, String by, String note) {
      FollowUp f =
          new FollowUp(
              id,
              cluster,
              owner,
              kind,
              state,
              cause,
              reevaluation,
              podCount,
              pods,
              List.of(image(owner.name())),
              List.of(user),
              kind == Kind.FAIL_OPEN ? "IMAGE_POLICY_WEBHOOK" : null,
              firstSeen,
              lastSeen,
              Instant.parse(at),
              by,
              note,
              null);
      records.add(new Rec(Topics.FOLLOWUPS, f.key(), f, f.changedAt()));
    }
  }

  private void failOpen(String cluster, WorkloadRef owner, String pod, String at) {
    admission(
        cluster,
        owner,
        pod,
        at,
        false,
        false,
        false,
        new FailedOpen(
            FailedOpen.Mechanism.IMAGE_POLICY_WEBHOOK,
            "imagepolicywebhook.image-policy.k8s.io/failed-open=true"),
        "ResponseComplete");
  }

  private void admission(
      String cluster,
      WorkloadRef owner,
      String pod,
      String at,
      boolean blocked,
      boolean dryRun,
      boolean breakglass,
      FailedOpen failedOpen,
      String stage) {
    seq++;
    Map<String, String> annotations =
        failedOpen != null
            ? Map.of("imagepolicywebhook.image-policy.k8s.io/failed-open", "true")
            : breakglass
                ? Map.of("imagepolicywebhook.image-policy.k8s.io/break-glass", "true")
                : dryRun
                    ? Map.of("imagepolicywebhook.image-policy.k8s.io/dry-run", "true")
                    : Map.of();
    AdmissionEvent e =
        new AdmissionEvent(
            "evt-" + seq,
            cluster,
            AdmissionEvent.Source.KUBERNETES_AUDIT,
            "audit-" + seq,
            stage,
            "create",
            owner.namespace(),
            pod,
            "uid-" + seq,
            breakglass
                ? "alice@acme.example"
                : "system:serviceaccount:kube-system:replicaset-controller",
            "default",
            owner,
            List.of(
                new ContainerImage(
                    "main", ContainerImage.Kind.CONTAINER, image(owner.name()), null)),
            blocked,
            dryRun,
            breakglass,
            failedOpen,
            blocked ? 400 : 201,
            blocked ? "VIOLATES_POLICY" : "Created",
            annotations,
            Instant.parse(at));
    records.add(new Rec(Topics.ADMISSION_EVENTS, e.key(), e, e.requestReceivedAt()));
  }

  private void violation(
      WorkloadRef owner,
      String pod,
      Transition t,
      Decision previous,
      Decision current,
      String openedAt,
      String at) {
    seq++;
    String attestor = "projects/acme/attestors/built-by-ci";
    Decision failing = current.isViolation() ? current : previous;
    List<ViolationTransition.ImageFinding> images =
        failing == null
            ? List.of()
            : List.of(
                new ViolationTransition.ImageFinding(
                    "main",
                    image(owner.name()),
                    "sha256:" + "ab".repeat(32),
                    "defaultAdmissionRule",
                    failing,
                    List.of(attestor),
                    List.of(),
                    List.of("attestor " + attestor + ": missing")));
    ViolationTransition v =
        new ViolationTransition(
            "viol-" + seq,
            PROD,
            owner.namespace(),
            pod,
            owner,
            ViolationCategory.POLICY,
            failing == Decision.DRYRUN_DENY ? Severity.LOW : Severity.HIGH,
            List.of("defaultAdmissionRule"),
            t,
            previous,
            current,
            owner.namespace() + "/" + pod + ": " + t + ": main fails defaultAdmissionRule",
            images,
            List.of("BINAUTHZ_POLICY/*/projects/acme/policy@1"),
            current.isViolation() ? List.of("no attestation by " + attestor) : List.of(),
            "verdict-" + seq,
            Instant.parse(openedAt),
            Instant.parse(at),
            null);
    records.add(new Rec(Topics.VIOLATIONS, v.key(), v, v.at()));
  }

  static WorkloadRef deployment(String ns, String name) {
    return new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, ns, name);
  }

  static String image(String name) {
    return "us-docker.pkg.dev/acme/app/" + name + "@sha256:" + "ab".repeat(32);
  }
}
