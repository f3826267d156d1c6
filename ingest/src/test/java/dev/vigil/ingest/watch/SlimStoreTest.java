package dev.vigil.ingest.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.translate.OwnerLookup;
import dev.vigil.ingest.translate.PodTranslator;
import dev.vigil.schemas.PodEvent;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The watcher's informer cache keeps only what Vigil reads, and Vigil reads the same from it. */
class SlimStoreTest {

  static final Instant T = Instant.parse("2026-11-30T10:00:00Z");

  @Test
  void aCachedPodTranslatesAsTheWholePodAndLeavesTheRestBehind() {
    Pod whole = pod("web-5f7b-x1", "7");
    SlimStore<Pod> store = new SlimStore<>(Pod.class, SlimStore.POD);

    assertNull(store.put(store.getKey(whole), whole));
    Pod cached = store.get("shop/web-5f7b-x1");

    for (PodEvent.Type type : PodEvent.Type.values()) {
      assertEquals(
          PodTranslator.translate("c", type, whole, OwnerLookup.NONE, T),
          PodTranslator.translate("c", type, cached, OwnerLookup.NONE, T));
    }
    assertEquals(
        PodTranslator.isTerminating(PodTranslator.toJson(whole)),
        PodTranslator.isTerminating(PodTranslator.toJson(cached)));
    assertTrue(PodTranslator.isTerminating(PodTranslator.toJson(cached)));
    assertEquals("7", cached.getMetadata().getResourceVersion()); // what the informer compares
    assertEquals(List.of(), cached.getMetadata().getManagedFields());
    assertEquals(List.of(), cached.getSpec().getVolumes());
    assertNull(cached.getSpec().getContainers().get(0).getLivenessProbe());
    assertEquals(List.of(), cached.getSpec().getContainers().get(0).getEnv());
    assertEquals(List.of(), cached.getStatus().getConditions());
    assertEquals(whole.getSpec().getImagePullSecrets(), cached.getSpec().getImagePullSecrets());
    int wholeBytes = Serialization.asJson(whole).length();
    int cachedBytes = Serialization.asJson(cached).length();
    assertTrue(cachedBytes * 3 < wholeBytes * 2, cachedBytes + " of " + wholeBytes);

    Pod newer = pod("web-5f7b-x1", "8");
    assertEquals("7", store.put(store.getKey(newer), newer).getMetadata().getResourceVersion());
    assertEquals(1, store.size());
    assertEquals(List.of("shop/web-5f7b-x1"), store.keySet().toList());
    assertEquals("8", store.remove("shop/web-5f7b-x1").getMetadata().getResourceVersion());
    assertEquals(0, store.values().count());
  }

  @Test
  void aCachedReplicaSetStillNamesItsOwner() {
    ReplicaSet rs =
        new ReplicaSetBuilder()
            .withNewMetadata()
            .withNamespace("shop")
            .withName("web-5f7b")
            .addNewOwnerReference()
            .withApiVersion("apps/v1")
            .withKind("Deployment")
            .withName("web")
            .withUid("d1")
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withNewSpec()
            .withReplicas(3)
            .withNewTemplate()
            .withNewSpec()
            .addNewContainer()
            .withName("web")
            .withImage("nginx")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    SlimStore<ReplicaSet> store = new SlimStore<>(ReplicaSet.class, SlimStore.OWNED);

    store.put(store.getKey(rs), rs);

    ReplicaSet cached = store.get("shop/web-5f7b");
    assertEquals(rs.getMetadata().getOwnerReferences(), cached.getMetadata().getOwnerReferences());
    assertNull(cached.getSpec());
  }

  @Test
  void fingerprintsDigestTheSameWhateverTheOrderOfTheirMapsAndDifferWhenAnythingDiffers() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("app", "web");
    a.put("tier", "front");
    Map<String, String> b = new LinkedHashMap<>();
    b.put("tier", "front");
    b.put("app", "web");

    assertEquals(
        Fingerprints.digest(List.of(true, "uid", a)), Fingerprints.digest(List.of(true, "uid", b)));
    assertNotEquals(
        Fingerprints.digest(List.of(true, "uid", a)),
        Fingerprints.digest(List.of(false, "uid", a)));
    b.put("app", "api");
    assertNotEquals(
        Fingerprints.digest(List.of(true, "uid", a)), Fingerprints.digest(List.of(true, "uid", b)));
  }

  /** A pod as an API server sends it: managedFields, probes, env, volumes, conditions. */
  static Pod pod(String name, String resourceVersion) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace("shop")
        .withName(name)
        .withUid("u-" + name)
        .withResourceVersion(resourceVersion)
        .withDeletionTimestamp("2026-11-30T10:00:00Z")
        .addToLabels("app", "web")
        .addToLabels("pod-template-hash", "5f7b")
        .addToAnnotations("alpha.image-policy.k8s.io/break-glass", "true")
        .addNewOwnerReference()
        .withApiVersion("apps/v1")
        .withKind("ReplicaSet")
        .withName("web-5f7b")
        .withUid("rs1")
        .withController(true)
        .endOwnerReference()
        .withManagedFields(
            new ManagedFieldsEntryBuilder()
                .withManager("kube-controller-manager")
                .withOperation("Update")
                .withApiVersion("v1")
                .withTime("2026-11-30T09:00:00Z")
                .withFieldsType("FieldsV1")
                .build())
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName("web")
        .addNewImagePullSecret("regcred")
        .withContainers(
            new ContainerBuilder()
                .withName("web")
                .withImage("registry.example/web@sha256:" + "ab".repeat(32))
                .addNewEnv()
                .withName("LOG_LEVEL")
                .withValue("info")
                .endEnv()
                .withNewLivenessProbe()
                .withNewHttpGet()
                .withPath("/healthz")
                .withNewPort(8080)
                .endHttpGet()
                .endLivenessProbe()
                .withNewResources()
                .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("250m"))
                .endResources()
                .addNewVolumeMount()
                .withName("data")
                .withMountPath("/data")
                .endVolumeMount()
                .build())
        .addNewInitContainer()
        .withName("migrate")
        .withImage("registry.example/migrate:1")
        .endInitContainer()
        .addNewVolume()
        .withName("data")
        .withNewEmptyDir()
        .endEmptyDir()
        .endVolume()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .addNewContainerStatus()
        .withName("web")
        .withImage("registry.example/web")
        .withImageID("docker-pullable://registry.example/web@sha256:" + "ab".repeat(32))
        .withReady(true)
        .withRestartCount(0)
        .endContainerStatus()
        .endStatus()
        .build();
  }
}
