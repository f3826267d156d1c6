package dev.vigil.ingest.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.ingest.TestResources;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.WorkloadRef;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodTranslatorTest {

  static final String DIR = "/dev/vigil/ingest/translate/";
  static final String CLUSTER = "us-central1-a.prod";
  static final Instant T = Instant.parse("2026-11-20T10:00:00Z");

  ObjectNode deploymentPod() {
    return TestResources.object(DIR + "PodTranslatorTest.deployment-pod-input.json");
  }

  @Test
  void podJsonBecomesPodEventWithImagesDigestsAndDeploymentOwner() throws Exception {
    PodEvent got =
        PodTranslator.translate(CLUSTER, PodEvent.Type.ADDED, deploymentPod(), OwnerLookup.NONE, T);

    ObjectNode gotJson = (ObjectNode) Json.mapper().valueToTree(got);
    gotJson.remove("eventId");
    assertEquals(
        TestResources.json(DIR + "PodTranslatorTest.deployment-pod-expected.json"), gotJson);
    assertEquals("us-central1-a.prod/payments/api-7d9f8c6b5-x2x9q", got.key());
  }

  @Test
  void fabric8PodTranslatesLikeItsJson() {
    Pod pod = Serialization.unmarshal(deploymentPod().toString(), Pod.class);

    PodEvent fromModel =
        PodTranslator.translate(CLUSTER, PodEvent.Type.ADDED, pod, OwnerLookup.NONE, T);

    assertEquals(
        PodTranslator.translate(CLUSTER, PodEvent.Type.ADDED, deploymentPod(), OwnerLookup.NONE, T),
        fromModel);
  }

  @Test
  void ownerLookupFollowsReplicaSetAndJobControllers() {
    OwnerLookup owners =
        (kind, ns, name) -> {
          if (kind.equals("ReplicaSet") && name.equals("api-7d9f8c6b5")) {
            return Optional.of(OwnerLookup.Owner.NONE); // a bare ReplicaSet
          }
          if (kind.equals("Job") && name.equals("nightly-29000000")) {
            return Optional.of(new OwnerLookup.Owner("CronJob", "nightly"));
          }
          return Optional.empty();
        };
    ObjectNode jobPod = deploymentPod();
    ((ObjectNode) jobPod.at("/metadata/ownerReferences/0"))
        .put("kind", "Job")
        .put("name", "nightly-29000000");

    assertEquals(
        new WorkloadRef(WorkloadRef.Kind.REPLICA_SET, "payments", "api-7d9f8c6b5"),
        PodTranslator.translate(CLUSTER, PodEvent.Type.ADDED, deploymentPod(), owners, T).owner());
    assertEquals(
        new WorkloadRef(WorkloadRef.Kind.CRON_JOB, "payments", "nightly"),
        PodTranslator.translate(CLUSTER, PodEvent.Type.ADDED, jobPod, owners, T).owner());
    assertEquals(
        new WorkloadRef(WorkloadRef.Kind.JOB, "payments", "nightly-29000000"),
        PodTranslator.translate(CLUSTER, PodEvent.Type.ADDED, jobPod, OwnerLookup.NONE, T).owner());
  }

  @Test
  void statefulSetDaemonSetAndBarePodsAreTheirOwnWorkloads() {
    ObjectNode sts = deploymentPod();
    ((ObjectNode) sts.at("/metadata/ownerReferences/0"))
        .put("kind", "StatefulSet")
        .put("name", "db");
    ObjectNode ds = deploymentPod();
    ((ObjectNode) ds.at("/metadata/ownerReferences/0"))
        .put("kind", "DaemonSet")
        .put("name", "agent");
    ObjectNode bare = deploymentPod();
    ((ObjectNode) bare.get("metadata")).remove("ownerReferences");

    assertEquals(WorkloadRef.Kind.STATEFUL_SET, translate(sts).owner().kind());
    assertEquals(WorkloadRef.Kind.DAEMON_SET, translate(ds).owner().kind());
    assertEquals(
        new WorkloadRef(WorkloadRef.Kind.POD, "payments", "api-7d9f8c6b5-x2x9q"),
        translate(bare).owner());
  }

  @Test
  void watchEventsAndPodListsTranslateAndSkipWhatIsNotAPod() {
    ObjectNode watch = Json.mapper().createObjectNode().put("type", "DELETED");
    watch.set("object", deploymentPod());
    ObjectNode bookmark = Json.mapper().createObjectNode().put("type", "BOOKMARK");
    bookmark.set("object", Json.mapper().createObjectNode().put("kind", "Pod"));
    ObjectNode list = Json.mapper().createObjectNode().put("kind", "PodList");
    ArrayNode items = list.putArray("items");
    items.add(deploymentPod());
    items.add(Json.mapper().createObjectNode().put("kind", "Service"));

    List<PodEvent> deleted = PodTranslator.translateDocument(CLUSTER, watch, OwnerLookup.NONE, T);
    List<PodEvent> listed = PodTranslator.translateDocument(CLUSTER, list, OwnerLookup.NONE, T);

    assertEquals(PodEvent.Type.DELETED, deleted.get(0).type());
    assertEquals(
        List.of(), PodTranslator.translateDocument(CLUSTER, bookmark, OwnerLookup.NONE, T));
    assertEquals(1, listed.size());
    assertEquals(PodEvent.Type.ADDED, listed.get(0).type());
  }

  @Test
  void fingerprintIgnoresResourceVersionButNotRunningDigestsOrPullSecrets() {
    ObjectNode other = deploymentPod();
    ((ObjectNode) other.get("metadata")).put("resourceVersion", "999");
    ObjectNode newDigest = deploymentPod();
    ((ObjectNode) newDigest.at("/status/containerStatuses/0"))
        .put("imageID", "us-docker.pkg.dev/acme/app/api@sha256:" + "ef".repeat(32));

    ObjectNode otherSecret = deploymentPod();
    ((ObjectNode) otherSecret.at("/spec/imagePullSecrets/0")).put("name", "gcr-json-key");

    Object base = PodTranslator.fingerprint(translate(deploymentPod()), false);

    assertEquals(base, PodTranslator.fingerprint(translate(other), false));
    assertNotEquals(base, PodTranslator.fingerprint(translate(newDigest), false));
    assertNotEquals(base, PodTranslator.fingerprint(translate(otherSecret), false));
    assertNotEquals(base, PodTranslator.fingerprint(translate(deploymentPod()), true));
  }

  @Test
  void replayingTheSameInputGivesTheSameEventId() {
    assertEquals(translate(deploymentPod()).eventId(), translate(deploymentPod()).eventId());
  }

  @Test
  void somethingThatIsNotAPodIsRefusedWithAReason() {
    JsonNode service = Json.mapper().createObjectNode().put("kind", "Service");

    TranslationException e =
        assertThrows(
            TranslationException.class,
            () ->
                PodTranslator.translate(
                    CLUSTER, PodEvent.Type.ADDED, service, OwnerLookup.NONE, T));
    assertEquals("not a Pod object", e.getMessage());
  }

  private PodEvent translate(JsonNode pod) {
    return PodTranslator.translate(CLUSTER, PodEvent.Type.ADDED, pod, OwnerLookup.NONE, T);
  }
}
