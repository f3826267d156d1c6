package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.CLUSTER;
import static dev.vigil.streams.Fixtures.T0;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.digest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.Transition;
import dev.vigil.schemas.WorkloadRef;
import dev.vigil.schemas.settings.SettingException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry hygiene findings through the whole topology: each rule opens, stays quiet while nothing
 * it sees changes, changes only when its set of findings does, and resolves (also when the pod is
 * deleted), without touching the policy decision.
 */
class HygieneTest {

  static final String AR = "us-docker.pkg.dev/acme/app/api";
  static final WorkloadRef API = deployment("payments", "api");
  static final String BY_TAG = "hygiene/image-by-tag";
  static final String PULL_SECRET = "hygiene/pull-secret-for-artifact-registry";
  static final String TAG_MOVED = "hygiene/tag-moved";

  @TempDir Path dir;
  TopologyHarness h;
  final List<ViolationTransition> hygiene = new ArrayList<>();

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  private TopologyHarness start(Map<String, String> settings) {
    h = new TopologyHarness(dir, settings);
    // Every image allowed by the policy: hygiene must not depend on, or change, the decision.
    h.send(
        Topics.POLICIES,
        Fixtures.enforced(1, "ALWAYS_ALLOW").key(),
        Fixtures.enforced(1, "ALWAYS_ALLOW"));
    return h;
  }

  private TopologyHarness start() {
    return start(Map.of());
  }

  static ContainerImage container(String name, String image, char runs) {
    String repo =
        image.contains("@")
            ? image.substring(0, image.indexOf('@'))
            : image.substring(0, image.lastIndexOf(':'));
    return new ContainerImage(
        name, ContainerImage.Kind.CONTAINER, image, runs == 0 ? null : repo + "@" + digest(runs));
  }

  static PodEvent pod(
      PodEvent.Type type,
      String name,
      long rv,
      WorkloadRef owner,
      List<String> secrets,
      ContainerImage... images) {
    return new PodEvent(
        name + "@" + rv + "/" + type,
        CLUSTER,
        type,
        owner.namespace(),
        name,
        "uid-" + name,
        "default",
        "Running",
        owner,
        List.of(images),
        secrets,
        Map.of(),
        Map.of(),
        String.valueOf(rv),
        T0.plusSeconds(rv));
  }

  private List<ViolationTransition> send(PodEvent e) {
    h.send(Topics.POD_EVENTS, e.key(), e);
    List<ViolationTransition> got =
        h.newViolations().stream().filter(v -> v.category() == ViolationCategory.HYGIENE).toList();
    hygiene.addAll(got);
    return got;
  }

  private static List<ViolationTransition> of(List<ViolationTransition> all, String rule) {
    return all.stream().filter(v -> v.rules().equals(List.of(rule))).toList();
  }

  @Test
  void anAllowedImageByTagOpensAFindingOnceAndResolvesWhenPinned() {
    start();
    PodEvent first =
        pod(PodEvent.Type.ADDED, "api-1", 10, API, List.of(), container("api", AR + ":2.0", 'a'));

    List<ViolationTransition> opened = send(first);

    assertEquals(1, opened.size(), opened.toString());
    ViolationTransition o = opened.get(0);
    assertEquals(Transition.OPENED, o.transition());
    assertEquals(List.of(BY_TAG), o.rules());
    assertEquals(Severity.LOW, o.severity());
    assertEquals(BY_TAG + "/us-central1-a.prod/payments/api-1", o.violationId());
    assertEquals("us-central1-a.prod/payments/api-1", o.key());
    assertNull(o.current());
    assertNull(o.previous());
    assertEquals(List.of(), o.policyVersions());
    assertEquals(1, o.images().size());
    assertEquals("api", o.images().get(0).container());
    assertEquals(AR + ":2.0", o.images().get(0).image());
    assertEquals(digest('a'), o.images().get(0).digest());
    assertEquals(BY_TAG, o.images().get(0).rule());
    assertNull(o.images().get(0).result());
    assertTrue(
        o.summary().startsWith("payments/api-1: hygiene/image-by-tag: api " + AR + ":2.0"),
        o.summary());
    // The policy decision is untouched: the pod is allowed and has no policy violation.
    assertEquals(List.of(Decision.ALLOW), h.newVerdicts().stream().map(v -> v.decision()).toList());
    assertTrue(h.allViolations.stream().noneMatch(v -> v.category() == ViolationCategory.POLICY));

    // The same pod again (a duplicate, then a newer version that changes nothing hygiene sees).
    assertEquals(List.of(), send(first));
    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.MODIFIED,
                "api-1",
                11,
                API,
                List.of(),
                container("api", AR + ":2.0", 'a'))));

    List<ViolationTransition> resolved =
        send(
            pod(
                PodEvent.Type.MODIFIED,
                "api-1",
                12,
                API,
                List.of(),
                container("api", AR + "@" + digest('a'), 'a')));

    assertEquals(1, resolved.size(), resolved.toString());
    assertEquals(Transition.RESOLVED, resolved.get(0).transition());
    assertEquals(o.violationId(), resolved.get(0).violationId());
    assertEquals(o.openedAt(), resolved.get(0).openedAt());
    assertEquals(o.images(), resolved.get(0).images(), "a resolution names what was failing");
    assertEquals(1, h.counter("vigil.hygiene.transitions", "rule", BY_TAG, "transition", "opened"));
    assertEquals(
        1, h.counter("vigil.hygiene.transitions", "rule", BY_TAG, "transition", "resolved"));
    assertEquals(0, h.gauge("vigil.hygiene.findings.open", "rule", BY_TAG));
  }

  @Test
  void changedOnlyWhenTheSetOfFindingsChanges() {
    start();
    send(
        pod(
            PodEvent.Type.ADDED,
            "api-1",
            10,
            API,
            List.of(),
            container("api", AR + ":2.0", (char) 0),
            container("proxy", "envoyproxy/envoy:v1.30", (char) 0)));
    assertEquals(1, h.gauge("vigil.hygiene.findings.open", "rule", BY_TAG));

    // The kubelet reports the running digests: the same two containers by tag, so nothing new.
    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.MODIFIED,
                "api-1",
                11,
                API,
                List.of(),
                container("api", AR + ":2.0", 'a'),
                container("proxy", "envoyproxy/envoy:v1.30", 'e'))));

    List<ViolationTransition> changed =
        send(
            pod(
                PodEvent.Type.MODIFIED,
                "api-1",
                12,
                API,
                List.of(),
                container("api", AR + ":2.0", 'a'),
                container("proxy", "envoyproxy/envoy@" + digest('e'), 'e')));

    assertEquals(1, changed.size(), changed.toString());
    assertEquals(Transition.CHANGED, changed.get(0).transition());
    assertEquals(List.of("api"), changed.get(0).images().stream().map(i -> i.container()).toList());
    assertEquals(hygiene.get(0).violationId(), changed.get(0).violationId());
  }

  @Test
  void artifactRegistryImageByTagWithAPullSecretYieldsBothFindingsAndDeletionResolvesThem() {
    start();
    List<ViolationTransition> opened =
        send(
            pod(
                PodEvent.Type.ADDED,
                "api-1",
                10,
                API,
                List.of("ar-key"),
                container("api", AR + ":2.0", 'a')));

    assertEquals(
        List.of(BY_TAG, PULL_SECRET), opened.stream().map(v -> v.rules().get(0)).sorted().toList());
    ViolationTransition secret = of(opened, PULL_SECRET).get(0);
    assertEquals(Severity.MEDIUM, secret.severity());
    assertEquals(PULL_SECRET + "/us-central1-a.prod/payments/api-1", secret.violationId());
    assertTrue(secret.reasons().get(0).contains("[ar-key]"), secret.reasons().toString());

    // A newer version of the pod that changes nothing either rule sees.
    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.MODIFIED,
                "api-1",
                11,
                API,
                List.of("ar-key"),
                container("api", AR + ":2.0", 'a'))));

    List<ViolationTransition> gone =
        send(
            pod(
                PodEvent.Type.DELETED,
                "api-1",
                12,
                API,
                List.of("ar-key"),
                container("api", AR + ":2.0", 'a')));

    assertEquals(2, gone.size(), gone.toString());
    assertTrue(
        gone.stream()
            .allMatch(
                v ->
                    v.transition() == Transition.RESOLVED
                        && v.reasons().equals(List.of("pod deleted"))),
        gone.toString());
    // Late and replayed events of the deleted pod open nothing again.
    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.MODIFIED,
                "api-1",
                10,
                API,
                List.of("ar-key"),
                container("api", AR + ":2.0", 'a'))));
    assertEquals(0, h.gauge("vigil.hygiene.findings.open", "rule", PULL_SECRET));
  }

  @Test
  void aPullSecretIsFineForThirdPartyRegistriesAndFlaggedForEveryGoogleHostPattern() {
    start();
    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.ADDED,
                "hub",
                10,
                deployment("tools", "hub"),
                List.of("dockerhub"),
                container("a", "docker.io/acme/tool@" + digest('1'), '1'),
                container("b", "ghcr.io/acme/cli@" + digest('2'), '2'),
                container("c", "evil-gcr.io.example.com/x@" + digest('3'), '3'))));
    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.ADDED,
                "ar-no-secret",
                10,
                deployment("tools", "ar"),
                List.of(),
                container("a", AR + "@" + digest('4'), '4'))));

    List<ViolationTransition> google =
        send(
            pod(
                PodEvent.Type.ADDED,
                "google",
                10,
                deployment("tools", "g"),
                List.of("gcr-json-key"),
                container("a", "eu.gcr.io/acme/x@" + digest('5'), '5'),
                container("b", "gcr.io/acme/y@" + digest('6'), '6'),
                container("c", "europe-west1-docker.pkg.dev/acme/z@" + digest('7'), '7'),
                container("d", "quay.io/acme/w@" + digest('8'), '8')));

    assertEquals(1, google.size(), google.toString());
    assertEquals(
        List.of("a", "b", "c"), google.get(0).images().stream().map(i -> i.container()).toList());
    assertEquals(digest('5'), google.get(0).images().get(0).digest());
  }

  @Test
  void aTagThatMovesUnderAWorkloadFlagsEveryPodRunningItUntilOneDigestIsLeft() {
    start(Map.of("hygiene.image-by-tag", "false"));
    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.ADDED,
                "api-1",
                10,
                API,
                List.of(),
                container("api", AR + ":2.0", 'a'))));
    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.ADDED,
                "api-2",
                10,
                API,
                List.of(),
                container("api", AR + ":2.0", 'a'))));
    // Another workload running the tag as another digest is no concern of this one.
    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.ADDED,
                "web-1",
                10,
                deployment("payments", "web"),
                List.of(),
                container("api", AR + ":2.0", 'b'))));

    List<ViolationTransition> moved =
        send(
            pod(
                PodEvent.Type.ADDED,
                "api-3",
                10,
                API,
                List.of(),
                container("api", "us-docker.pkg.dev/acme/app/api:2.0", 'b')));

    assertEquals(
        List.of("api-1", "api-2", "api-3"),
        moved.stream().map(ViolationTransition::podName).sorted().toList());
    assertTrue(
        moved.stream()
            .allMatch(
                v ->
                    v.transition() == Transition.OPENED
                        && v.rules().equals(List.of(TAG_MOVED))
                        && v.severity() == Severity.MEDIUM),
        moved.toString());
    ViolationTransition third =
        moved.stream().filter(v -> v.podName().equals("api-3")).findFirst().orElseThrow();
    assertEquals(digest('b'), third.images().get(0).digest());
    assertTrue(third.reasons().get(0).contains(digest('a')), third.reasons().toString());
    assertEquals(3, h.gauge("vigil.hygiene.findings.open", "rule", TAG_MOVED));

    // Nothing hygiene sees changed.
    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.MODIFIED,
                "api-1",
                11,
                API,
                List.of(),
                container("api", AR + ":2.0", 'a'))));

    List<ViolationTransition> settled =
        send(
            pod(
                PodEvent.Type.DELETED,
                "api-3",
                11,
                API,
                List.of(),
                container("api", AR + ":2.0", 'b')));

    assertEquals(
        List.of("api-1", "api-2", "api-3"),
        settled.stream().map(ViolationTransition::podName).sorted().toList());
    assertTrue(
        settled.stream().allMatch(v -> v.transition() == Transition.RESOLVED), settled.toString());
    assertEquals(
        List.of("pod deleted"),
        settled.stream()
            .filter(v -> v.podName().equals("api-3"))
            .findFirst()
            .orElseThrow()
            .reasons());
    assertEquals(0, h.gauge("vigil.hygiene.findings.open", "rule", TAG_MOVED));
  }

  @Test
  void switchedOffRulesPublishNothingAndRegistryPatternsAreConfigurable() {
    start(
        Map.of(
            "hygiene.image-by-tag",
            "false",
            "hygiene.tag-moved",
            "false",
            "hygiene.google-registries",
            "registry.acme.example"));

    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.ADDED,
                "api-1",
                10,
                API,
                List.of("key"),
                container("api", AR + ":2.0", 'a'))));
    assertEquals(
        List.of(),
        send(
            pod(
                PodEvent.Type.ADDED,
                "api-2",
                10,
                API,
                List.of(),
                container("api", AR + ":2.0", 'b'))));
    List<ViolationTransition> own =
        send(
            pod(
                PodEvent.Type.ADDED,
                "own",
                10,
                API,
                List.of("key"),
                container("api", "registry.acme.example/app@" + digest('c'), 'c')));
    assertEquals(List.of(PULL_SECRET), own.get(0).rules());
  }

  @Test
  void unusableHygieneSettingsFailNamingTheKey() {
    var bool =
        assertThrows(
            SettingException.class,
            () ->
                StreamsSettings.fromMap(
                    Map.of("hygiene.tag-moved", "sometimes"), "127.0.0.1:9", dir));
    assertTrue(bool.getMessage().startsWith("hygiene.tag-moved=sometimes"), bool.getMessage());
    var pattern =
        assertThrows(
            SettingException.class,
            () ->
                StreamsSettings.fromMap(
                    Map.of("hygiene.google-registries", "gcr.io/acme"), "127.0.0.1:9", dir));
    assertTrue(
        pattern.getMessage().startsWith("hygiene.google-registries=gcr.io/acme"),
        pattern.getMessage());
  }

  /**
   * Hygiene keeps a pod only while it has a finding or runs an image by tag (ADR 0175): a pod
   * pinned by digest has no entry, one run by tag has one until its finding resolves; an event
   * older than the one continuous validation took changes nothing; what earlier builds kept for
   * every pod is purged; findings carry the violations topic's CloudEvents headers.
   */
  @Test
  void onlyPodsWithAFindingOrATagAreKeptAndLateEventsChangeNothing() {
    start();
    KeyValueStore<String, HygienePodState> store =
        h.driver.getKeyValueStore(StoreNames.HYGIENE_PODS);
    ContainerImage pinned = container("api", AR + "@" + digest('a'), 'a');
    ContainerImage byTag = container("api", AR + ":2.0", 'a');
    PodEvent quiet = pod(PodEvent.Type.ADDED, "api-1", 10, API, List.of(), pinned);
    assertEquals(List.of(), send(quiet));
    assertNull(store.get(quiet.key()), "nothing kept for a pod without finding or tag");

    PodEvent tagged = pod(PodEvent.Type.ADDED, "api-2", 10, API, List.of(), byTag);
    var violations =
        h.driver.createOutputTopic(
            Topics.VIOLATIONS.name(),
            new org.apache.kafka.common.serialization.StringDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    h.send(Topics.POD_EVENTS, tagged.key(), tagged);
    var opened = violations.readRecordsToList();
    assertEquals(1, opened.size());
    assertEquals(
        Topics.VIOLATIONS.ceType(),
        dev.vigil.schemas.CloudEvents.get(
            opened.get(0).headers(), dev.vigil.schemas.CloudEvents.TYPE));
    assertEquals(BY_TAG + "/us-central1-a.prod/payments/api-2/OPENED/", id(opened.get(0)));
    assertTrue(store.get(tagged.key()).open().containsKey(BY_TAG));

    List<ViolationTransition> resolved =
        send(pod(PodEvent.Type.MODIFIED, "api-2", 12, API, List.of(), pinned));
    assertEquals(List.of(Transition.RESOLVED), resolved.stream().map(v -> v.transition()).toList());
    assertNull(store.get(tagged.key()), "pinned: nothing left to keep");
    assertEquals(
        List.of(),
        send(pod(PodEvent.Type.MODIFIED, "api-2", 11, API, List.of(), byTag)),
        "older than the event taken: ignored, as continuous validation ignores it");
    assertNull(store.get(tagged.key()));

    // What an earlier build kept: a version for every pod, deleted pods. The purge that runs with
    // the change poll removes them, and keeps the findings.
    store.put("c/ns/old-1", new HygienePodState(PodVersion.of(quiet), Map.of(), List.of(), null));
    store.put("c/ns/old-2", new HygienePodState(PodVersion.of(quiet), Map.of(), List.of(), T0));
    PodEvent still = pod(PodEvent.Type.ADDED, "api-3", 10, API, List.of(), byTag);
    assertEquals(1, send(still).size());
    h.advance(java.time.Duration.ofMinutes(1));
    assertNull(store.get("c/ns/old-1"));
    assertNull(store.get("c/ns/old-2"));
    assertTrue(store.get(still.key()).open().containsKey(BY_TAG));
    assertEquals(1, h.gauge("vigil.hygiene.findings.open", "rule", BY_TAG));
  }

  private static String id(org.apache.kafka.streams.test.TestRecord<String, byte[]> r) {
    String id = dev.vigil.schemas.CloudEvents.get(r.headers(), dev.vigil.schemas.CloudEvents.ID);
    return id.substring(0, id.lastIndexOf('/') + 1);
  }

  @Test
  void aHygieneStateThatNoLongerReadsStartsAfreshInsteadOfFailingItsPodForGood() {
    HygieneStateCodec serde = new HygieneStateCodec();
    PodEvent e =
        pod(PodEvent.Type.ADDED, "api-1", 10, API, List.of(), container("api", AR + ":2.0", 'a'));
    var open = Map.of(BY_TAG, new HygieneFindings.Open("hygiene/x#1", List.of(), Fixtures.T0));
    var tags = List.of(new HygieneChecks.RunningTag("api", AR + ":2.0", AR + ":2.0", digest('a')));
    HygienePodState state = new HygienePodState(PodVersion.of(e), open, tags, null);

    byte[] encoded = serde.serializer().serialize("s", state);
    assertEquals(HygieneStateCodec.V2, encoded[0], "the compact encoding (ADR 0150, 0160)");
    assertEquals(state, serde.deserializer().deserialize("s", encoded));
    HygienePodState clean = new HygienePodState(PodVersion.of(e), Map.of(), List.of(), null);
    byte[] small = serde.serializer().serialize("s", clean);
    assertTrue(small.length < 24, "a pod without findings: its version only, " + small.length);
    assertEquals(clean, serde.deserializer().deserialize("s", small));

    // what the versions before wrote still reads: the whole trimmed pod (V1), and JSON before that
    PodEvent trimmed = Fixtures.kept(e);
    Compact.Out v1 = new Compact.Out();
    v1.out.write(HygieneStateCodec.V1);
    Compact.writePod(v1, trimmed);
    v1.string(
        new String(
            dev.vigil.schemas.Json.write(new HygieneStateCodec.Findings(open, tags)),
            java.nio.charset.StandardCharsets.UTF_8));
    v1.instant(null);
    assertEquals(state, serde.deserializer().deserialize("s", v1.out.toByteArray()), "V1");
    assertEquals(
        state,
        serde
            .deserializer()
            .deserialize(
                "s",
                dev.vigil.schemas.Json.write(
                    new HygieneStateCodec.Legacy(trimmed, open, tags, null))),
        "the JSON of the versions before still reads");
    assertNull(
        serde
            .deserializer()
            .deserialize("s", "{\"pod\": 42}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertNull(
        serde
            .deserializer()
            .deserialize("s", java.util.Arrays.copyOf(encoded, encoded.length - 2)));
  }

  @Test
  void everyRuleAndTransitionIsCountedFromZero() {
    start();
    for (String rule : List.of(BY_TAG, TAG_MOVED, PULL_SECRET)) {
      for (String t : List.of("opened", "changed", "resolved")) {
        assertTrue(
            h.registry
                    .find("vigil.hygiene.transitions")
                    .tags("rule", rule, "transition", t)
                    .counter()
                != null,
            rule + " " + t);
      }
      assertTrue(
          h.registry.find("vigil.hygiene.findings.open").tags("rule", rule).gauge() != null, rule);
    }
  }

  @Test
  void findingsAreValidViolationTransitionV2Records() throws Exception {
    start();
    send(
        pod(
            PodEvent.Type.ADDED,
            "api-1",
            10,
            API,
            List.of("ar-key"),
            container("api", AR + ":2.0", 'a')));
    send(pod(PodEvent.Type.ADDED, "api-2", 10, API, List.of(), container("api", AR + ":2.0", 'b')));
    send(
        pod(
            PodEvent.Type.DELETED,
            "api-1",
            11,
            API,
            List.of("ar-key"),
            container("api", AR + ":2.0", 'a')));
    JsonSchema schema;
    try (InputStream in =
        Topics.class
            .getClassLoader()
            .getResourceAsStream("schemas/" + Topics.VIOLATIONS.schema())) {
      schema =
          JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
              .getSchema(
                  Json.mapper().readTree(in),
                  SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    }

    // Both per-pod rules and tag-moved, opened and resolved.
    assertEquals(9, hygiene.size());
    assertEquals(
        List.of(BY_TAG, PULL_SECRET, TAG_MOVED),
        hygiene.stream().map(v -> v.rules().get(0)).distinct().sorted().toList());
    for (ViolationTransition v : hygiene) {
      JsonNode doc =
          Json.mapper().readTree(Topics.VIOLATIONS.valueSerde().serializer().serialize("t", v));
      assertEquals(List.of(), List.copyOf(schema.validate(doc)), doc.toString());
      assertEquals("hygiene", doc.path("category").asText());
    }
  }
}
