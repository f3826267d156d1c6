package dev.vigil.streams;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.WorkloadRef;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the stores' binary encodings share (ADR 0150: {@link PodStateCodec}, {@link
 * TemplateStateCodec}, {@link HygieneStateCodec}): a writer and a reader of varints,
 * length-prefixed UTF-8 strings and instants, the fields of a pod event they keep, and the rule
 * for reading a value: JSON (the versions before) when it starts with {@code '{'}, else the
 * binary encoding, and null when it reads neither way.
 */
final class Compact {

  private Compact() {}

  /**
   * {@code data} read by {@code binary}, or by {@code json} when it is JSON; null when it is empty
   * or reads neither way (the stores' contract: a value that no longer reads is null, ADR 0130).
   */
  static <T> T read(byte[] data, Function<byte[], T> binary, Function<byte[], T> json) {
    if (data == null || data.length == 0) {
      return null;
    }
    if (data[0] == '{') {
      return json.apply(data);
    }
    try {
      return binary.apply(data);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * The fields of a pod event that ordering and identity need (not its images, labels, annotations
   * or pull secrets, nor its event id: ordering compares versions, ADR 0165).
   */
  static void writePod(Out o, PodEvent p) {
    o.string(null); // the event id, kept by the versions before
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
    String eventId = Objects.requireNonNullElse(in.string(), "");
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
