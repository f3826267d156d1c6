package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serde of {@value StoreNames#PODS} (ADR 0150): a versioned binary encoding of {@link
 * StoredPod}, about 150 bytes for a running pod, instead of the pod event as JSON (1.6 KB). The
 * first byte is the encoding's version ({@value #V1}); a value starting with {@code '{'} is a
 * {@link PodState} in the JSON of the versions before, which still reads (its template is null).
 * A value that reads neither way (damaged, or from a version that is gone) reads as null: the scans
 * dead-letter the pod and its next pod event starts it afresh (ADR 0130).
 *
 * <p>Not kept: the pod's images (its template has them), labels, annotations and image pull
 * secrets (nothing that reads a stored pod uses them). An open violation, rare, is kept as JSON.
 */
final class PodStateCodec implements Serde<StoredPod> {

  /** The first byte of this encoding. */
  static final byte V1 = 1;

  private static final ForgivingJsonSerde<PodState> LEGACY =
      new ForgivingJsonSerde<>(PodState.class);

  @Override
  public Serializer<StoredPod> serializer() {
    return (topic, p) -> p == null ? null : encode(p);
  }

  @Override
  public Deserializer<StoredPod> deserializer() {
    Deserializer<PodState> legacy = LEGACY.deserializer();
    return (topic, data) ->
        Compact.read(
            data,
            PodStateCodec::decode,
            json -> {
              PodState s = legacy.deserialize(topic, json);
              return s == null ? null : new StoredPod(s, null);
            });
  }

  static byte[] encode(StoredPod stored) {
    if (stored.template() == null) {
      return Json.write(stored.state()); // a state without a template keeps its images: as before
    }
    Compact.Out o = new Compact.Out();
    o.out.write(V1);
    PodState s = stored.state();
    o.string(stored.template());
    Compact.writePod(o, s.pod());
    o.out.write(s.deleted() ? 1 : 0);
    o.instant(s.deletedAt());
    o.varlong(s.evaluations());
    o.decision(s.decision());
    o.strings(s.policyVersions());
    o.string(s.factsFingerprint());
    o.string(
        s.violation() == null
            ? null
            : new String(Json.write(s.violation()), StandardCharsets.UTF_8));
    o.varlong(s.followUpKinds().size());
    for (FollowUp.Kind k : s.followUpKinds()) {
      o.out.write(k.ordinal());
    }
    o.decision(s.signaledDecision());
    o.strings(s.seenAdmissions());
    return o.out.toByteArray();
  }

  static StoredPod decode(byte[] data) {
    Compact.In in = new Compact.In(data);
    int version = in.u8();
    if (version != V1) {
      throw new IllegalArgumentException("pod state encoding " + version + " is not known");
    }
    String template = in.string();
    PodEvent pod = Compact.readPod(in);
    boolean deleted = in.u8() == 1;
    Instant deletedAt = in.instant();
    long evaluations = in.varlong();
    Decision decision = in.decision();
    List<String> versions = in.strings();
    String facts = in.string();
    String violationJson = in.string();
    PodState.OpenViolation violation =
        violationJson == null
            ? null
            : Json.read(
                violationJson.getBytes(StandardCharsets.UTF_8), PodState.OpenViolation.class);
    int kinds = (int) in.varlong();
    List<FollowUp.Kind> followUps = new ArrayList<>(kinds);
    for (int i = 0; i < kinds; i++) {
      followUps.add(FollowUp.Kind.values()[in.u8()]);
    }
    Decision signaled = in.decision();
    List<String> seen = in.strings();
    if (!in.done()) {
      throw new IllegalArgumentException("pod state has trailing bytes");
    }
    return new StoredPod(
        new PodState(
            pod,
            deleted,
            deletedAt,
            evaluations,
            decision,
            versions,
            facts,
            violation,
            followUps,
            signaled,
            seen),
        template);
  }
}
