package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Verdict;
import dev.vigil.validator.Evaluation;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The templates store's encoding (ADR 0150) gives back what it was given, and JSON still reads. */
class TemplateStateCodecTest {

  final TemplateStateCodec codec = new TemplateStateCodec();

  static TemplateState judged() {
    PodTemplate t =
        new PodTemplate(
            "c1",
            "payments",
            null,
            List.of(
                new ContainerImage(
                    "api",
                    ContainerImage.Kind.CONTAINER,
                    Fixtures.image("us-docker.pkg.dev/acme/app/api", 'a'),
                    null),
                new ContainerImage(
                    "init",
                    ContainerImage.Kind.INIT_CONTAINER,
                    "busybox:1.36",
                    "docker.io/library/busybox@" + Fixtures.digest('b'))));
    Evaluation ev =
        new Evaluation(
            Decision.DENY,
            List.of(
                new Verdict.ImageResult(
                    "api",
                    t.images().get(0).image(),
                    Fixtures.digest('a'),
                    Decision.DENY,
                    "kubernetesNamespaceAdmissionRules[payments]",
                    List.of("attestor built-by-ci: missing"),
                    List.of(
                        new Verdict.CheckResult(
                            "prod", "imageFreshnessCheck", Decision.DENY, "old"),
                        new Verdict.CheckResult(null, "vuln", Decision.ALLOW, null)),
                    List.of("projects/acme/attestors/built-by-ci")),
                new Verdict.ImageResult(
                    "init",
                    "busybox:1.36",
                    Fixtures.digest('b'),
                    Decision.ALLOW,
                    null,
                    List.of(),
                    List.of(),
                    List.of())),
            List.of("BINAUTHZ_POLICY/*/p@3"));
    return new TemplateState(
        t,
        new TemplateState.Judgement(
            ev, List.of("BINAUTHZ_POLICY/*/p@3", "ATTESTOR/*/a@1"), "ff00", Fixtures.T0));
  }

  TemplateState roundTrip(TemplateState s) {
    return codec.deserializer().deserialize("t", codec.serializer().serialize("t", s));
  }

  @Test
  void aTemplateAndItsJudgementComeBackAsTheyWere() {
    TemplateState s = judged();
    assertEquals(s, roundTrip(s));
    TemplateState bare = new TemplateState(s.template(), null);
    assertEquals(bare, roundTrip(bare));
    byte[] encoded = codec.serializer().serialize("t", s);
    assertEquals(TemplateStateCodec.V1, encoded[0]);
    assertTrue(encoded.length < Json.write(s).length, encoded.length + " bytes");
  }

  @Test
  void jsonStillReadsAndWhatDoesNotReadIsNull() {
    TemplateState s = judged();
    assertEquals(s, codec.deserializer().deserialize("t", Json.write(s)));
    byte[] encoded = codec.serializer().serialize("t", s);
    assertNull(codec.deserializer().deserialize("t", Arrays.copyOf(encoded, encoded.length - 1)));
    assertNull(codec.deserializer().deserialize("t", Arrays.copyOf(encoded, encoded.length + 1)));
    assertNull(codec.deserializer().deserialize("t", "{\"template\": 1".getBytes()));
  }
}
