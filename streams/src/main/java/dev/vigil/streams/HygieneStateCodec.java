package dev.vigil.streams;

import dev.vigil.schemas.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serde of {@value StoreNames#HYGIENE_PODS} (ADR 0150): a versioned binary encoding of {@link
 * HygienePodState} (first byte {@value #V1}; the pod's fields as {@link Compact#writePod};
 * its open findings and running tags, when it has any, as JSON), about a fifth of its JSON. A value
 * starting with {@code '{'} is the JSON of the versions before and still reads; one that reads
 * neither way reads as null (the pod starts afresh at its next event).
 */
final class HygieneStateCodec implements Serde<HygienePodState> {

  static final byte V1 = 1;

  private static final ForgivingJsonSerde<HygienePodState> LEGACY =
      new ForgivingJsonSerde<>(HygienePodState.class);

  /** A pod's open findings and running tags, as the JSON part of the encoding holds them. */
  record Findings(Map<String, HygieneFindings.Open> open, List<HygieneChecks.RunningTag> tags) {}

  @Override
  public Serializer<HygienePodState> serializer() {
    return (topic, s) -> s == null ? null : encode(s);
  }

  @Override
  public Deserializer<HygienePodState> deserializer() {
    Deserializer<HygienePodState> legacy = LEGACY.deserializer();
    return (topic, data) ->
        Compact.read(data, HygieneStateCodec::decode, bytes -> legacy.deserialize(topic, bytes));
  }

  static byte[] encode(HygienePodState s) {
    Compact.Out o = new Compact.Out();
    o.out.write(V1);
    Compact.writePod(o, s.pod());
    o.string(
        s.open().isEmpty() && s.tags().isEmpty()
            ? null
            : new String(Json.write(new Findings(s.open(), s.tags())), StandardCharsets.UTF_8));
    o.instant(s.deletedAt());
    return o.out.toByteArray();
  }

  static HygienePodState decode(byte[] data) {
    Compact.In in = new Compact.In(data);
    int version = in.u8();
    if (version != V1) {
      throw new IllegalArgumentException("hygiene state encoding " + version + " is not known");
    }
    var pod = Compact.readPod(in);
    String findings = in.string();
    var deletedAt = in.instant();
    if (!in.done()) {
      throw new IllegalArgumentException("hygiene state has trailing bytes");
    }
    Findings f =
        findings == null
            ? new Findings(Map.of(), List.of())
            : Json.read(findings.getBytes(StandardCharsets.UTF_8), Findings.class);
    return new HygienePodState(pod, f.open(), f.tags(), deletedAt);
  }
}
