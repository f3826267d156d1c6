package dev.vigil.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A change in a finding about a pod: opened, changed, or resolved. Topic {@code vigil.violations},
 * key {@code cluster/namespace/name}. Schema v2 ({@code violation-transition/v2}, CloudEvents type
 * {@code dev.vigil.violation-transition.v2}) carries the failing images, rules and policy versions
 * as fields a SIEM can index; v1 had them only inside {@code reasons}.
 *
 * @param category {@code policy} (the image policy judged the pod) or {@code hygiene} (a
 *     registry-hygiene rule, which never changes the policy decision); {@code policy} when read
 *     from a v1 record
 * @param severity how urgent, from the configured severity mapping; {@code null} only when read
 *     from a v1 record
 * @param rules the failing rules and checks as the policy names them (e.g. {@code
 *     kubernetesNamespaceAdmissionRules[prod]}, a check's name), or the hygiene rule id (e.g.
 *     {@code hygiene/image-by-tag}); on RESOLVED, the rules that were failing
 * @param previous the decision before this transition, {@code null} when the violation opens (and
 *     on hygiene findings)
 * @param current the policy decision now; {@code ALLOW} when resolved by a passing evaluation;
 *     {@code null} only on hygiene findings, which are not policy decisions
 * @param summary one line for people: what fails, where; {@code null} only when read from v1
 * @param images one entry per failing container (on RESOLVED, per container that was failing)
 * @param policyVersions the policy versions the finding was judged under, in every record (a
 *     version change alone never makes a CHANGED transition)
 * @param reasons human-readable reasons, one per line
 * @param openedAt when the violation opened (processing time, as {@code at})
 * @param eventTime the event time of the input that caused this transition: the pod event's
 *     observation time, the publish time of the policy revision a re-evaluation ran under; {@code
 *     null} when none is known. Reports date violations by it.
 */
public record ViolationTransition(
    String violationId,
    String clusterId,
    String namespace,
    String podName,
    WorkloadRef owner,
    ViolationCategory category,
    Severity severity,
    List<String> rules,
    Transition transition,
    Decision previous,
    Decision current,
    String summary,
    List<ImageFinding> images,
    List<String> policyVersions,
    List<String> reasons,
    String verdictId,
    Instant openedAt,
    Instant at,
    Instant eventTime) {

  /** The kind of change. */
  public enum Transition {
    OPENED,
    CHANGED,
    RESOLVED
  }

  /**
   * One failing container.
   *
   * @param digest the digest the container runs or names, {@code null} when unknown (by tag)
   * @param rule the admission rule or check set that judged it, as the policy names it
   * @param result the image's decision ({@code null} on hygiene findings)
   * @param attestorsMissing attestors whose attestation the rule required and did not find
   * @param checksFailed continuous-validation checks that failed ({@code checkSet/check} or {@code
   *     check})
   */
  public record ImageFinding(
      String container,
      String image,
      String digest,
      String rule,
      Decision result,
      List<String> attestorsMissing,
      List<String> checksFailed,
      List<String> reasons) {
    public ImageFinding {
      Objects.requireNonNull(container, "container");
      Objects.requireNonNull(image, "image");
      attestorsMissing = List.copyOf(Objects.requireNonNullElse(attestorsMissing, List.of()));
      checksFailed = List.copyOf(Objects.requireNonNullElse(checksFailed, List.of()));
      reasons = List.copyOf(Objects.requireNonNullElse(reasons, List.of()));
    }
  }

  public ViolationTransition {
    Objects.requireNonNull(violationId, "violationId");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(podName, "podName");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(transition, "transition");
    Objects.requireNonNull(openedAt, "openedAt");
    Objects.requireNonNull(at, "at");
    category = Objects.requireNonNullElse(category, ViolationCategory.POLICY);
    if (category == ViolationCategory.POLICY) {
      Objects.requireNonNull(current, "current");
    }
    rules = List.copyOf(Objects.requireNonNullElse(rules, List.of()));
    images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
    policyVersions = List.copyOf(Objects.requireNonNullElse(policyVersions, List.of()));
    reasons = List.copyOf(Objects.requireNonNullElse(reasons, List.of()));
  }

  /** The Kafka key: {@code cluster/namespace/name}. */
  public String key() {
    return Keys.pod(clusterId, namespace, podName);
  }
}
