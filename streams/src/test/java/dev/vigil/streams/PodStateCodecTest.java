package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Severity;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

/**
 * The pods store's encoding (ADR 0150): everything a pod's state needs but its images comes back, a
 * running pod takes a fraction of its JSON, and what does not read reads as null.
 */
class PodStateCodecTest {

  static final String API = "us-docker.pkg.dev/acme/app/api";

  final PodStateCodec codec = new PodStateCodec();
  final Deserializer<StoredPod> reader = codec.deserializer();

  /** A running pod of three containers, as a Deployment's pods look. */
  static PodEvent running() {
    PodEvent e =
        Fixtures.added(
            "payments",
            "api-7d9f8b6c5-x2x4z",
            123456789,
            Fixtures.deployment("payments", "api"),
            Fixtures.image(API, 'a'),
            Fixtures.image(API + "-sidecar", 'b'),
            Fixtures.image(API + "-init", 'c'));
    return new PodEvent(
        "6f1c2a8e-4f7e-4c1e-9a55-0c6f3f7c2d11",
        e.clusterId(),
        e.type(),
        e.namespace(),
        e.name(),
        "2f0cbb0e-9d0a-4a7b-8f38-5d8e8e1b7c3a",
        "api",
        e.phase(),
        e.owner(),
        e.images(),
        List.of("regcred"),
        Map.of("app", "api", "pod-template-hash", "7d9f8b6c5"),
        Map.of("kubectl.kubernetes.io/restartedAt", "2026-11-30T10:00:00Z"),
        e.resourceVersion(),
        Instant.parse("2026-11-30T10:00:00.123456789Z"));
  }

  static PodState judged(PodEvent e) {
    return PodState.fresh(e)
        .evaluated(
            Decision.ALLOW,
            List.of("BINAUTHZ_POLICY/*/projects/acme/policy@3", "ATTESTOR/*/built-by-ci@1"),
            "0123456789abcdef01234567",
            null);
  }

  @Test
  void everythingButTheImagesLabelsAnnotationsAndPullSecretsComesBack() {
    PodEvent e = running();
    PodState s =
        judged(e)
            .evaluated(
                Decision.DENY,
                List.of("P@4"),
                "ff",
                new PodState.OpenViolation(
                    "violation/x#2",
                    Decision.DENY,
                    List.of("defaultAdmissionRule"),
                    Instant.parse("2026-11-30T10:00:01Z"),
                    Severity.HIGH,
                    List.of()))
            .withFollowUps(
                List.of(FollowUp.Kind.FAIL_OPEN, FollowUp.Kind.BREAKGLASS),
                Decision.ALLOW,
                List.of("audit-1", "audit-2"))
            .deleted(e, Instant.parse("2026-11-30T11:00:00Z"));

    StoredPod back =
        reader.deserialize(
            StoreNames.PODS, codec.serializer().serialize(StoreNames.PODS, new StoredPod(s, "T")));

    assertEquals("T", back.template());
    PodState b = back.state();
    PodEvent p = b.pod();
    assertEquals(List.of(), p.images(), "the template has them");
    assertEquals(Map.of(), p.labels());
    assertEquals(
        Fixtures.kept(e),
        p,
        "identity and ordering fields kept; the event id is not (ordering compares versions)");
    assertEquals(s.withPod(p), b);
  }

  @Test
  void aRunningPodTakesUnderAFifthOfItsJson() {
    PodState s = judged(running());
    byte[] encoded =
        codec.serializer().serialize(StoreNames.PODS, new StoredPod(s, "x".repeat(22)));
    int json = Json.write(s).length;
    assertEquals(PodStateCodec.V1, encoded[0], "the encoding's version comes first");
    assertTrue(encoded.length * 5 < json, encoded.length + " bytes against " + json + " of JSON");
    assertTrue(encoded.length < 300, encoded.length + " bytes");
  }

  @Test
  void aStateOfTheVersionBeforeReadsWithItsImages() {
    PodState s = judged(running());
    StoredPod back = reader.deserialize(StoreNames.PODS, Json.write(s));
    assertNull(back.template());
    assertEquals(s, back.state());
    assertEquals(
        Json.write(s).length,
        codec.serializer().serialize(StoreNames.PODS, back).length,
        "written back as it was: without a template it keeps its images");
  }

  @Test
  void whatDoesNotReadReadsAsNull() {
    byte[] good =
        codec.serializer().serialize(StoreNames.PODS, new StoredPod(judged(running()), "T"));
    assertNull(reader.deserialize(StoreNames.PODS, Arrays.copyOf(good, good.length - 3)), "cut");
    byte[] longer = Arrays.copyOf(good, good.length + 1);
    assertNull(reader.deserialize(StoreNames.PODS, longer), "trailing bytes");
    byte[] future = good.clone();
    future[0] = 2;
    assertNull(reader.deserialize(StoreNames.PODS, future), "an encoding not known");
    assertNull(reader.deserialize(StoreNames.PODS, "{\"pod\": 42".getBytes()), "bad JSON");
  }
}
