package dev.vigil.ingest.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodManifestsTest {

  static final Instant T = Instant.parse("2026-11-20T10:00:00Z");

  static JsonNode json(String s) throws Exception {
    return Json.mapper().readTree(s.replace('\'', '"'));
  }

  @Test
  void aCronJobsPodHasTheWorkloadsNameAndTheTemplatesLabelsAndIsTranslatedLikeAWatchedPod()
      throws Exception {
    JsonNode cronJob =
        json(
            "{'kind':'CronJob','metadata':{'name':'nightly','namespace':'batch'},"
                + "'spec':{'jobTemplate':{'spec':{'template':{'metadata':{'labels':{'app':'etl'}},"
                + "'spec':{'serviceAccountName':'etl','initContainers':[{'name':'fetch','image':'busybox'}],"
                + "'containers':[{'name':'run','image':'etl:1'}]}}}}}}");

    PodEvent e =
        PodTranslator.translate(
            "c", PodEvent.Type.ADDED, PodManifests.pod(cronJob), OwnerLookup.NONE, T);

    assertEquals("batch/nightly", e.namespace() + "/" + e.name());
    assertEquals("etl", e.serviceAccount());
    assertEquals(Map.of("app", "etl"), e.labels());
    assertEquals(
        List.of(
            new ContainerImage("run", ContainerImage.Kind.CONTAINER, "etl:1", null),
            new ContainerImage("fetch", ContainerImage.Kind.INIT_CONTAINER, "busybox", null)),
        e.images());
  }

  @Test
  void aPodWithoutNamespaceOrNameGetsTheDefaultNamespaceAndItsGenerateName() throws Exception {
    JsonNode pod =
        json(
            "{'kind':'Pod','metadata':{'generateName':'web-'},"
                + "'spec':{'containers':[{'name':'web','image':''}]}}");

    PodEvent e =
        PodTranslator.translate(
            "c", PodEvent.Type.ADDED, PodManifests.pod(pod), OwnerLookup.NONE, T);

    assertEquals("default/web-", e.namespace() + "/" + e.name());
    assertEquals("", e.images().get(0).image());
  }

  @Test
  void manifestsWithoutAPodNameTheField() throws Exception {
    assertEquals("kind", field("{'kind':'Service','metadata':{'name':'x'},'spec':{}}"));
    assertEquals(
        "spec.template.spec", field("{'kind':'Deployment','metadata':{'name':'x'},'spec':{}}"));
    assertEquals(
        "spec.containers",
        field("{'kind':'Pod','metadata':{'name':'x'},'spec':{'containers':[]}}"));
    assertEquals(
        "spec.initContainers",
        field(
            "{'kind':'Pod','metadata':{'name':'x'},'spec':{'containers':[{}],'initContainers':{}}}"));
    assertEquals("metadata.name", field("{'kind':'Pod','spec':{'containers':[{'image':'a'}]}}"));
  }

  private static String field(String manifest) throws Exception {
    JsonNode m = json(manifest);
    return assertThrows(PodManifests.ManifestException.class, () -> PodManifests.pod(m)).field();
  }
}
