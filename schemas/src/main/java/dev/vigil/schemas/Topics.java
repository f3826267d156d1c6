package dev.vigil.schemas;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The catalogue of Vigil's topics. Topics keyed by pod share a partition count so that Streams can
 * join them without repartitioning.
 */
public final class Topics {

  private Topics() {}

  /** Partitions of every topic keyed by pod or workload. */
  public static final int POD_PARTITIONS = 6;

  private static final Duration WEEK = Duration.ofDays(7);
  private static final Duration YEAR = Duration.ofDays(365);

  public static final Topic<PodEvent> POD_EVENTS =
      new Topic<>(
          "vigil.pod-events",
          "cluster/namespace/name",
          PodEvent.class,
          "pod-event.schema.json",
          "dev.vigil.pod-event.v2",
          POD_PARTITIONS,
          Topic.Cleanup.DELETE,
          WEEK);

  public static final Topic<AdmissionEvent> ADMISSION_EVENTS =
      new Topic<>(
          "vigil.admission-events",
          "cluster/namespace/name",
          AdmissionEvent.class,
          "admission-event.schema.json",
          "dev.vigil.admission-event.v1",
          POD_PARTITIONS,
          Topic.Cleanup.DELETE,
          Duration.ofDays(30));

  public static final Topic<PolicyDocument> POLICIES =
      new Topic<>(
          "vigil.policies",
          "KIND/scope/name",
          PolicyDocument.class,
          "policy-document.schema.json",
          "dev.vigil.policy-document.v1",
          1,
          Topic.Cleanup.COMPACT,
          null);

  /**
   * The policy revisions the streams policy gate accepted (the last good one per key; a rejected
   * revision never reaches it), read by every streams instance. Written only by streams.
   */
  public static final Topic<PolicyDocument> POLICIES_ACCEPTED =
      new Topic<>(
          "vigil.policies.accepted",
          "KIND/scope/name",
          PolicyDocument.class,
          "policy-document.schema.json",
          "dev.vigil.policy-document.v1",
          1,
          Topic.Cleanup.COMPACT,
          null);

  public static final Topic<Attestation> ATTESTATIONS =
      new Topic<>(
          "vigil.attestations",
          "imageDigest/occurrence",
          Attestation.class,
          "attestation.schema.json",
          "dev.vigil.attestation.v1",
          POD_PARTITIONS,
          Topic.Cleanup.COMPACT,
          null);

  public static final Topic<ImageMetadata> IMAGE_METADATA =
      new Topic<>(
          "vigil.image-metadata",
          "imageDigest",
          ImageMetadata.class,
          "image-metadata.schema.json",
          "dev.vigil.image-metadata.v1",
          POD_PARTITIONS,
          Topic.Cleanup.COMPACT,
          null);

  public static final Topic<Verdict> VERDICTS =
      new Topic<>(
          "vigil.verdicts",
          "cluster/namespace/name",
          Verdict.class,
          "verdict.schema.json",
          "dev.vigil.verdict.v1",
          POD_PARTITIONS,
          Topic.Cleanup.DELETE,
          WEEK);

  /**
   * When a re-evaluation (policy, facts, freshness, periodic) confirms a pod template's outcome:
   * one record per template and partition, listing the pods it covers, instead of a verdict per pod
   * (issue 13 part 2). Written only by streams.
   */
  public static final Topic<TemplateVerdict> TEMPLATE_VERDICTS =
      new Topic<>(
          "vigil.template-verdicts",
          "template fingerprint",
          TemplateVerdict.class,
          "template-verdict.schema.json",
          "dev.vigil.template-verdict.v1",
          POD_PARTITIONS,
          Topic.Cleanup.DELETE,
          WEEK);

  public static final Topic<ViolationTransition> VIOLATIONS =
      new Topic<>(
          "vigil.violations",
          "cluster/namespace/name",
          ViolationTransition.class,
          "violation-transition.schema.json",
          "dev.vigil.violation-transition.v2",
          POD_PARTITIONS,
          Topic.Cleanup.DELETE,
          YEAR);

  public static final Topic<FollowUp> FOLLOWUPS =
      new Topic<>(
          "vigil.followups",
          "cluster/namespace/Kind/name/KIND",
          FollowUp.class,
          "follow-up.schema.json",
          "dev.vigil.follow-up.v2",
          POD_PARTITIONS,
          Topic.Cleanup.DELETE,
          YEAR);

  public static final Topic<FollowUpAck> FOLLOWUP_ACKS =
      new Topic<>(
          "vigil.followup-acks",
          "cluster/namespace/Kind/name/KIND",
          FollowUpAck.class,
          "follow-up-ack.schema.json",
          "dev.vigil.follow-up-ack.v2",
          POD_PARTITIONS,
          Topic.Cleanup.DELETE,
          YEAR);

  public static final Topic<DeadLetter> DEAD_LETTER =
      new Topic<>(
          "vigil.dead-letter",
          "original key",
          DeadLetter.class,
          "dead-letter.schema.json",
          "dev.vigil.dead-letter.v1",
          1,
          Topic.Cleanup.DELETE,
          Duration.ofDays(30));

  /**
   * A heartbeat of each running streams and ingest instance every interval (ADR 0092): the report
   * shows the periods without any as gaps. Time-retained like the follow-ups it vouches for.
   */
  public static final Topic<Heartbeat> HEARTBEATS =
      new Topic<>(
          "vigil.heartbeats",
          "component/instance",
          Heartbeat.class,
          "heartbeat.schema.json",
          "dev.vigil.heartbeat.v1",
          1,
          Topic.Cleanup.DELETE,
          YEAR);

  /** Every topic, in the order of the data flow. */
  public static final List<Topic<?>> ALL =
      List.of(
          POD_EVENTS,
          ADMISSION_EVENTS,
          POLICIES,
          POLICIES_ACCEPTED,
          ATTESTATIONS,
          IMAGE_METADATA,
          VERDICTS,
          TEMPLATE_VERDICTS,
          VIOLATIONS,
          FOLLOWUPS,
          FOLLOWUP_ACKS,
          DEAD_LETTER,
          HEARTBEATS);

  /** The topic with this name, if it is one of Vigil's. */
  public static Optional<Topic<?>> byName(String name) {
    return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
