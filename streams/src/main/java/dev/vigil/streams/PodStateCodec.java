package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.WorkloadRef;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    return (topic, data) -> {
      if (data == null || data.length == 0) {
        return null;
      }
      if (data[0] == '{') {
        PodState s = legacy.deserialize(topic, data);
        return s == null ? null : new StoredPod(s, null);
      }
      try {
        return decode(data);
      } catch (RuntimeException e) {
        return null;
      }
    };
  }

  static byte[] encode(StoredPod stored) {
    if (stored.template() == null) {
      return Json.write(stored.state()); // a state without a template keeps its images: as before
    }
    Out o = new Out();
    o.out.write(V1);
    PodState s = stored.state();
    o.string(stored.template());
    writePod(o, s.pod());
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
    In in = new In(data);
    int version = in.u8();
    if (version != V1) {
      throw new IllegalArgumentException("pod state encoding " + version + " is not known");
    }
    String template = in.string();
    PodEvent pod = readPod(in);
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

  /**
   * The fields of a pod event that ordering and identity need (not its images, labels, annotations
   * or pull secrets).
   */
  static void writePod(Out o, PodEvent p) {
    o.string(p.eventId());
    o.string(p.clusterId());
    o.out.write(p.type().ordinal());
    o.string(p.namespace());
    o.string(p.name());
    o.string(p.uid());
    o.string(p.serviceAccount());
    o.string(p.phase());
    o.out.write(p.owner().kind().ordinal());
    o.string(p.owner().namespace().equals(p.namespace()) ? null : p.owner().namespace());
    o.string(p.owner().name());
    o.string(p.resourceVersion());
    o.instant(p.observedAt());
  }

  /** What {@link #writePod} wrote, without images, labels, annotations or pull secrets. */
  static PodEvent readPod(In in) {
    String eventId = in.string();
    String clusterId = in.string();
    PodEvent.Type type = PodEvent.Type.values()[in.u8()];
    String namespace = in.string();
    String name = in.string();
    String uid = in.string();
    String serviceAccount = in.string();
    String phase = in.string();
    WorkloadRef.Kind kind = WorkloadRef.Kind.values()[in.u8()];
    String ownerNamespace = in.string();
    String ownerName = in.string();
    String rv = in.string();
    Instant observedAt = in.instant();
    return new PodEvent(
        eventId,
        clusterId,
        type,
        namespace,
        name,
        uid,
        serviceAccount,
        phase,
        new WorkloadRef(kind, ownerNamespace == null ? namespace : ownerNamespace, ownerName),
        List.of(),
        List.of(),
        Map.of(),
        Map.of(),
        rv,
        observedAt);
  }

  /** A small binary writer: varints, length-prefixed UTF-8 strings, instants. */
  static final class Out {
    final ByteArrayOutputStream out = new ByteArrayOutputStream(192);

    void varlong(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    /** Length + 1, then UTF-8; 0 for null. */
    void string(String s) {
      if (s == null) {
        varlong(0);
        return;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varlong(b.length + 1L);
      out.write(b, 0, b.length);
    }

    void strings(List<String> l) {
      varlong(l.size());
      l.forEach(this::string);
    }

    /** 0 for null, else seconds + 1 (zig-zag), then nanos. */
    void instant(Instant t) {
      if (t == null) {
        varlong(0);
        return;
      }
      long s = t.getEpochSecond();
      varlong(((s << 1) ^ (s >> 63)) + 1);
      varlong(t.getNano());
    }

    void decision(Decision d) {
      out.write(d == null ? 0 : d.ordinal() + 1);
    }
  }

  /** Reads what {@link Out} wrote; throws {@link IllegalArgumentException} on what it did not. */
  static final class In {
    private final byte[] b;
    private int at;

    In(byte[] b) {
      this.b = b;
    }

    int u8() {
      if (at >= b.length) {
        throw new IllegalArgumentException("pod state is cut short");
      }
      return b[at++] & 0xFF;
    }

    long varlong() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int x = u8();
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("pod state has a malformed number");
    }

    String string() {
      long n = varlong();
      if (n == 0) {
        return null;
      }
      int len = (int) (n - 1);
      if (len < 0 || len > b.length - at) {
        throw new IllegalArgumentException("pod state is cut short");
      }
      String s = new String(b, at, len, StandardCharsets.UTF_8);
      at += len;
      return s;
    }

    List<String> strings() {
      long n = varlong();
      if (n > b.length - at) {
        throw new IllegalArgumentException("pod state is cut short");
      }
      List<String> out = new ArrayList<>((int) n);
      for (int i = 0; i < n; i++) {
        out.add(string());
      }
      return out;
    }

    Instant instant() {
      long z = varlong();
      if (z == 0) {
        return null;
      }
      long zz = z - 1;
      long s = (zz >>> 1) ^ -(zz & 1);
      return Instant.ofEpochSecond(s, varlong());
    }

    Decision decision() {
      int d = u8();
      return d == 0 ? null : Decision.values()[d - 1];
    }

    boolean done() {
      return at == b.length;
    }
  }
}
