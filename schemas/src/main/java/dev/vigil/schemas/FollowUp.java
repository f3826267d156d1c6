package dev.vigil.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A workload admitted without a real verdict (fail-open), by breakglass, or while a dry-run rule
 * would have denied it, tracked until closed. One record per change of state. Topic {@code
 * vigil.followups}, key {@link #key()}: one follow-up per owning workload and kind, so an outage
 * that fails 500 pods of one Deployment open is one follow-up with a count. Schema v2 ({@code
 * follow-up/v2}, CloudEvents type {@code dev.vigil.follow-up.v2}) adds {@code severity}, images as
 * objects with their digests, the suspected-bypass fields and time-limited acknowledgements; v1
 * records (images as strings, no severity) still read, with the severity {@link FollowUpSeverity}
 * gives them.
 *
 * @param severity how urgent, by the rule in {@link FollowUpSeverity}; derived by that rule when
 *     read from a v1 record
 * @param images the images of the pods, one entry per container and image (at most 50)
 * @param cause what made this change (e.g. "admission failed open", "re-evaluation under policy v3
 *     allowed every image", "acknowledged")
 * @param reevaluation what re-evaluating the workload's pods under the current policy found, or
 *     {@code null} before the first evaluation
 * @param pods names of affected pods, at most {@link #MAX_PODS_LISTED}; {@code podCount} is all
 * @param users who created the pods, from the admission events
 * @param firstSeen when Vigil first processed a pod of it (processing time, as {@code lastSeen} and
 *     {@code changedAt})
 * @param suspectedBypass {@code true} when a fail-open admission of the workload came after at
 *     least the configured number of denials of the same image (or workload) by the same principal
 *     within the configured window: the quota-exhaustion bypass; absent otherwise
 * @param priorDenials how many denials of the image by the admitting principal came within that
 *     window before a fail-open or breakglass admission of the workload (the largest such count);
 *     absent when there were none
 * @param acknowledgedUntil when a time-limited acknowledgement expires: the follow-up then goes
 *     back to the state it was acknowledged from; absent for an acknowledgement without expiry
 * @param ticket the ticket reference given with the acknowledgement ({@code vigil ack --ticket})
 * @param eventTime the event time of the input that caused this record: the admission's request
 *     time or the pod event's observation time, the publish time of the policy revision a
 *     re-evaluation ran under, the acknowledgement's time; {@code null} when none is known (records
 *     written before it was kept). Reports date follow-ups by it.
 */
public record FollowUp(
    String followUpId,
    String clusterId,
    WorkloadRef owner,
    Kind kind,
    State state,
    Severity severity,
    String cause,
    Decision reevaluation,
    int podCount,
    List<String> pods,
    List<Image> images,
    List<String> users,
    String detail,
    Boolean suspectedBypass,
    Integer priorDenials,
    Instant firstSeen,
    Instant lastSeen,
    Instant changedAt,
    String acknowledgedBy,
    String note,
    Instant acknowledgedUntil,
    String ticket,
    Instant eventTime) {

  /** Follow-ups list at most this many pod names. */
  public static final int MAX_PODS_LISTED = 50;

  /** Follow-ups list at most this many images. */
  public static final int MAX_IMAGES_LISTED = 50;

  /**
   * One image of the workload's pods.
   *
   * @param container the container's name, {@code null} when unknown (records read from v1)
   * @param image the image as the pod spec names it
   * @param digest the digest the reference names or the container was seen running, {@code null}
   *     when only a tag is known
   */
  public record Image(String container, String image, String digest) {

    public Image {
      Objects.requireNonNull(image, "image");
    }

    /** The v1 shape, a plain image reference: its digest when it names one. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Image of(String image) {
      return new Image(null, image, digestOf(image));
    }

    /** The image of a container: the digest its reference names, else the one it runs. */
    public static Image of(ContainerImage c) {
      String d = digestOf(c.image());
      return new Image(
          c.container(),
          c.image(),
          d != null ? d : c.imageId() == null ? null : digestOf(c.imageId()));
    }

    /** The {@code algorithm:hex} after the last {@code @} of a reference or image id, or null. */
    static String digestOf(String ref) {
      int at = ref.lastIndexOf('@');
      if (at < 0 || at == ref.length() - 1) {
        return null;
      }
      String d = ref.substring(at + 1);
      return d.indexOf(':') > 0 ? d : null;
    }
  }

  /** Why the follow-up exists. */
  public enum Kind {
    FAIL_OPEN,
    BREAKGLASS,
    DRY_RUN
  }

  /** Where the follow-up stands. */
  public enum State {
    /** Seen; not yet re-evaluated. */
    OPEN,
    /** Re-evaluation says the images comply: the bypass did no harm. */
    VERIFIED,
    /** Re-evaluation says the images violate the policy. */
    ESCALATED,
    /** A person acknowledged it with a note. */
    ACKNOWLEDGED,
    /** The workload is gone or was made compliant. */
    RESOLVED;

    /** True while someone still has to look at it. */
    public boolean isOpen() {
      return this == OPEN || this == ESCALATED;
    }
  }

  public FollowUp {
    Objects.requireNonNull(followUpId, "followUpId");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(firstSeen, "firstSeen");
    Objects.requireNonNull(lastSeen, "lastSeen");
    Objects.requireNonNull(changedAt, "changedAt");
    if (podCount < 0) {
      throw new IllegalArgumentException("podCount must not be negative");
    }
    if (priorDenials != null && priorDenials < 1) {
      throw new IllegalArgumentException("priorDenials must be at least 1 when present");
    }
    if (Boolean.FALSE.equals(suspectedBypass)) {
      suspectedBypass = null; // absent means no: one way to say it on the wire
    }
    pods = List.copyOf(Objects.requireNonNullElse(pods, List.of()));
    images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
    users = List.copyOf(Objects.requireNonNullElse(users, List.of()));
    if (severity == null) {
      severity =
          FollowUpSeverity.of(kind, state, reevaluation, suspectedBypass != null, priorDenials);
    }
  }

  /**
   * The v1 shape, for code not yet moved to v2: images as references, severity by {@link
   * FollowUpSeverity}, no bypass or time-limited acknowledgement fields.
   *
   * @deprecated build the v2 record
   */
  @Deprecated
  public FollowUp(
      String followUpId,
      String clusterId,
      WorkloadRef owner,
      Kind kind,
      State state,
      String cause,
      Decision reevaluation,
      int podCount,
      List<String> pods,
      List<String> images,
      List<String> users,
      String detail,
      Instant firstSeen,
      Instant lastSeen,
      Instant changedAt,
      String acknowledgedBy,
      String note,
      Instant eventTime) {
    this(
        followUpId,
        clusterId,
        owner,
        kind,
        state,
        null,
        cause,
        reevaluation,
        podCount,
        pods,
        Objects.requireNonNullElse(images, List.<String>of()).stream().map(Image::of).toList(),
        users,
        detail,
        null,
        null,
        firstSeen,
        lastSeen,
        changedAt,
        acknowledgedBy,
        note,
        null,
        null,
        eventTime);
  }

  /** True when the follow-up is flagged as a suspected quota-exhaustion bypass. */
  public boolean bypassSuspected() {
    return Boolean.TRUE.equals(suspectedBypass);
  }

  /** The image references alone, as v1 listed them. */
  public List<String> imageNames() {
    return images.stream().map(Image::image).distinct().toList();
  }

  /** The Kafka key: {@code cluster/namespace/Kind/name/KIND}. */
  public String key() {
    return key(clusterId, owner, kind);
  }

  /** The key of the follow-up of {@code kind} for a workload. */
  public static String key(String clusterId, WorkloadRef owner, Kind kind) {
    return Keys.workload(clusterId, owner) + "/" + kind;
  }
}
