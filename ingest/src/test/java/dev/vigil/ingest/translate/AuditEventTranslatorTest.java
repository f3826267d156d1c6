package dev.vigil.ingest.translate;

import static dev.vigil.ingest.AuditSamples.KUBE_SYSTEM;
import static dev.vigil.ingest.AuditSamples.NGINX_PRIVILEGED;
import static dev.vigil.ingest.AuditSamples.auditAnnotation;
import static dev.vigil.ingest.AuditSamples.deniedBy;
import static dev.vigil.ingest.AuditSamples.podAnnotation;
import static dev.vigil.ingest.AuditSamples.podLabel;
import static dev.vigil.ingest.AuditSamples.real;
import static dev.vigil.ingest.AuditSamples.variant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.ingest.AuditSamples;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.AdmissionEvent.FailedOpen.Mechanism;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.WorkloadRef;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditEventTranslatorTest {

  static final String CLUSTER = "dev-cluster";

  AdmissionEvent translate(ObjectNode event) {
    return AuditEventTranslator.translate(CLUSTER, event, OwnerLookup.NONE).orElseThrow();
  }

  @Test
  void realV1beta1CreateBecomesAnAllowedAdmissionNamedFromTheResponse() {
    AdmissionEvent e = translate(real(NGINX_PRIVILEGED));

    assertEquals("f83ecd50-5bf4-4fe7-a419-dea22852ca49", e.auditId());
    assertEquals("ResponseComplete", e.stage());
    assertEquals("create", e.verb());
    assertEquals("default", e.namespace());
    assertEquals("nginx-deployment-544b59f8b8-ffkxm", e.name());
    assertEquals("d40dfcd7-d87e-11e8-a473-080027728ac4", e.uid());
    assertEquals("system:serviceaccount:kube-system:replicaset-controller", e.user());
    assertEquals("default", e.serviceAccount());
    assertEquals(
        new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "default", "nginx-deployment"), e.owner());
    assertEquals(
        List.of(
            new ContainerImage("nginx1", ContainerImage.Kind.CONTAINER, "nginx", null),
            new ContainerImage("mysql", ContainerImage.Kind.CONTAINER, "mysql:latest", null)),
        e.images());
    assertEquals(Instant.parse("2018-10-25T17:53:06.995407Z"), e.requestReceivedAt());
    assertEquals(201, e.responseCode());
    assertFalse(e.blocked() || e.dryRun() || e.breakglass());
    assertNull(e.failedOpen());
    assertEquals("dev-cluster/default/nginx-deployment-544b59f8b8-ffkxm", e.key());
    assertEquals("allow", e.annotations().get("authorization.k8s.io/decision"));
  }

  @Test
  void v1ShapeReadsTheSame() {
    ObjectNode v1 = real(KUBE_SYSTEM);
    v1.put("apiVersion", "audit.k8s.io/v1");
    v1.remove("timestamp");
    v1.remove("metadata");

    AdmissionEvent e = translate(v1);

    assertEquals("nginx-deployment-7998647bdf-7q2sp", e.name());
    assertEquals("kube-system", e.namespace());
    assertEquals(Instant.parse("2018-10-26T13:47:20.328666Z"), e.requestReceivedAt());
  }

  @Test
  void imagePolicyWebhookFailOpenFromTheAuditAnnotation() {
    AdmissionEvent e =
        translate(
            variant(
                NGINX_PRIVILEGED,
                "a1",
                auditAnnotation("imagepolicywebhook.image-policy.k8s.io/failed-open", "true")));

    assertEquals(Mechanism.IMAGE_POLICY_WEBHOOK, e.failedOpen().mechanism());
    assertEquals(
        "imagepolicywebhook.image-policy.k8s.io/failed-open=true", e.failedOpen().detail());
  }

  @Test
  void imagePolicyWebhookFailOpenFromThePodAnnotation() {
    AdmissionEvent e =
        translate(
            variant(
                NGINX_PRIVILEGED,
                "a2",
                podAnnotation("alpha.image-policy.k8s.io/failed-open", "true")));

    assertEquals(Mechanism.IMAGE_POLICY_WEBHOOK, e.failedOpen().mechanism());
  }

  @Test
  void validatingWebhookFailOpenNamesTheWebhook() {
    AdmissionEvent e =
        translate(
            variant(
                NGINX_PRIVILEGED,
                "a3",
                auditAnnotation(
                    "failed-open.validating.webhook.admission.k8s.io/round_0_index_2",
                    "policy.sigstore.dev")));

    assertEquals(Mechanism.VALIDATING_WEBHOOK, e.failedOpen().mechanism());
    assertEquals(
        "validating webhook policy.sigstore.dev (round_0_index_2)", e.failedOpen().detail());
  }

  @Test
  void mutatingWebhookFailOpen() {
    AdmissionEvent e =
        translate(
            variant(
                NGINX_PRIVILEGED,
                "a4",
                auditAnnotation(
                    "failed-open.mutation.webhook.admission.k8s.io/round_1_index_0",
                    "inject.example.com")));

    assertEquals(Mechanism.MUTATING_WEBHOOK, e.failedOpen().mechanism());
  }

  @Test
  void breakglassFromPodAnnotationPodLabelOrAuditAnnotation() {
    assertTrue(
        translate(
                variant(
                    NGINX_PRIVILEGED,
                    "b1",
                    podAnnotation("alpha.image-policy.k8s.io/break-glass", "true")))
            .breakglass());
    assertTrue(
        translate(
                variant(
                    NGINX_PRIVILEGED, "b2", podLabel("image-policy.k8s.io/break-glass", "true")))
            .breakglass());
    assertTrue(
        translate(
                variant(
                    NGINX_PRIVILEGED,
                    "b3",
                    auditAnnotation("imagepolicywebhook.image-policy.k8s.io/break-glass", "true")))
            .breakglass());
    assertFalse(
        translate(
                variant(
                    NGINX_PRIVILEGED,
                    "b4",
                    podAnnotation("alpha.image-policy.k8s.io/break-glass", "false")))
            .breakglass());
  }

  @Test
  void dryRunFromTheAuditAnnotation() {
    assertTrue(
        translate(
                variant(
                    NGINX_PRIVILEGED,
                    "d1",
                    auditAnnotation("imagepolicywebhook.image-policy.k8s.io/dry-run", "true")))
            .dryRun());
  }

  @Test
  void aDeniedCreateIsBlockedAndKeepsTheGenerateNamePrefix() {
    AdmissionEvent e = translate(variant(NGINX_PRIVILEGED, "x1", deniedBy("policy.sigstore.dev")));

    assertTrue(e.blocked());
    assertEquals(403, e.responseCode());
    assertEquals("Forbidden", e.responseReason());
    assertEquals("nginx-deployment-544b59f8b8-", e.name());
    assertEquals(2, e.images().size());
  }

  @Test
  void otherStagesResourcesAndVerbsAreNotAdmissions() {
    ObjectNode started = variant(NGINX_PRIVILEGED, "s1", ev -> ev.put("stage", "ResponseStarted"));
    ObjectNode get = variant(NGINX_PRIVILEGED, "s2", ev -> ev.put("verb", "get"));
    ObjectNode status =
        variant(
            NGINX_PRIVILEGED,
            "s3",
            ev -> ((ObjectNode) ev.get("objectRef")).put("subresource", "status"));
    ObjectNode ephemeral =
        variant(
            NGINX_PRIVILEGED,
            "s4",
            ev ->
                ((ObjectNode) ev.get("objectRef"))
                    .put("subresource", "ephemeralcontainers")
                    .put("name", "p"));

    assertTrue(AuditEventTranslator.translate(CLUSTER, started, OwnerLookup.NONE).isEmpty());
    assertTrue(AuditEventTranslator.translate(CLUSTER, get, OwnerLookup.NONE).isEmpty());
    assertTrue(AuditEventTranslator.translate(CLUSTER, status, OwnerLookup.NONE).isEmpty());
    assertEquals("p", translate(ephemeral).name());
  }

  @Test
  void eventListYieldsItsAdmissionsInOrder() throws Exception {
    byte[] list =
        AuditSamples.eventList(
            real(NGINX_PRIVILEGED),
            real(KUBE_SYSTEM),
            variant(KUBE_SYSTEM, "skip", ev -> ev.put("stage", "RequestReceived")));

    List<AdmissionEvent> got =
        AuditEventTranslator.translateList(CLUSTER, Json.mapper().readTree(list), OwnerLookup.NONE);

    assertEquals(
        List.of("f83ecd50-5bf4-4fe7-a419-dea22852ca49", "5fad6ec1-4e15-4753-b180-ae9fd096f511"),
        got.stream().map(AdmissionEvent::auditId).toList());
  }

  @Test
  void anAdmissionWithoutAuditIdIsRefused() {
    ObjectNode noId = real(NGINX_PRIVILEGED);
    noId.remove("auditID");

    assertThrows(
        TranslationException.class,
        () -> AuditEventTranslator.translate(CLUSTER, noId, OwnerLookup.NONE));
  }
}
