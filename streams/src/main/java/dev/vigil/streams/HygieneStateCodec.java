package dev.vigil.streams;

import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serde of {@value StoreNames#HYGIENE_PODS} (ADR 0150): a versioned binary encoding of {@link
 * HygienePodState}. Version {@value #V2} (first byte) holds the pod event's type, {@code
 * resourceVersion} and time, then its open findings and running tags, when it has any, as JSON:
 * about 20 bytes for a pod without findings. Version {@value #V1} (the whole trimmed pod, {@link
 * Compact#writePod}) and the JSON of the versions before (a value starting with {@code '{'}) still
 * read; one that reads no way reads as null (the pod starts afresh at its next event).
 */
final class HygieneStateCodec implements Serde<HygienePodState> {

  static final byte V1 = 1;
  static final byte V2 = 2;

  private static final ForgivingJsonSerde<Legacy> LEGACY = new ForgivingJsonSerde<>(Legacy.class);

  /** A pod's open findings and running tags, as the JSON part of the encoding holds them. */
  record Findings(Map<String, HygieneFindings.Open> open, List<HygieneChecks.RunningTag> tags) {}

  /** The JSON of the versions before the binary encoding: the trimmed pod event. */
  record Legacy(
      PodEvent pod,
      Map<String, HygieneFindings.Open> open,
      List<HygieneChecks.RunningTag> tags,
      Instant deletedAt) {}

  @Override
  public Serializer<HygienePodState> serializer() {
    return (topic, s) -> s == null ? null : encode(s);
  }

  @Override
  public Deserializer<HygienePodState> deserializer() {
    Deserializer<Legacy> legacy = LEGACY.deserializer();
    return (topic, data) ->
        Compact.read(
            data,
            HygieneStateCodec::decode,
            bytes -> {
              Legacy l = legacy.deserialize(topic, bytes);
              return l == null || l.pod() == null
                  ? null
                  : new HygienePodState(PodVersion.of(l.pod()), l.open(), l.tags(), l.deletedAt());
            });
  }

  static byte[] encode(HygienePodState s) {
    Compact.Out o = new Compact.Out();
    o.out.write(V2);
    o.out.write(s.version().type().ordinal());
    o.string(s.version().resourceVersion());
    o.instant(s.version().observedAt());
    o.string(
        s.open().isEmpty() && s.tags().isEmpty()
            ? null
            : new String(Json.write(new Findings(s.open(), s.tags())), StandardCharsets.UTF_8));
    o.instant(s.deletedAt());
    return o.out.toByteArray();
  }

  static HygienePodState decode(byte[] data) {
    Compact.In in = new Compact.In(data);
    int encoding = in.u8();
    PodVersion version;
    if (encoding == V2) {
      PodEvent.Type type = PodEvent.Type.values()[in.u8()];
      String rv = in.string();
      version = new PodVersion(type, rv, in.instant());
    } else if (encoding == V1) {
      version = PodVersion.of(Compact.readPod(in));
    } else {
      throw new IllegalArgumentException("hygiene state encoding " + encoding + " is not known");
    }
    String findings = in.string();
    var deletedAt = in.instant();
    if (!in.done()) {
      throw new IllegalArgumentException("hygiene state has trailing bytes");
    }
    Findings f =
        findings == null
            ? new Findings(Map.of(), List.of())
            : Json.read(findings.getBytes(StandardCharsets.UTF_8), Findings.class);
    return new HygienePodState(version, f.open(), f.tags(), deletedAt);
  }
}
