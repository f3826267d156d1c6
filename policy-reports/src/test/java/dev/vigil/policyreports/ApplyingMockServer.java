package dev.vigil.policyreports;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fabric8's mock API server in CRUD mode with the PolicyReport CRD registered, and server-side
 * apply: the CRUD mock answers {@code application/apply-patch+yaml} with 415 (and 404 for an object
 * that does not exist yet), so this dispatcher serves it as a real API server does when one field
 * manager owns every field of the object: create it when absent, else replace its fields by the
 * applied ones (the CRD's lists, such as {@code results}, are atomic: replaced whole). Every apply
 * request is recorded, with its field manager.
 */
public final class ApplyingMockServer implements AutoCloseable {

  /** An apply request as the API server received it. */
  record Apply(String path, String fieldManager, boolean force) {}

  static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  final List<Apply> applies = new CopyOnWriteArrayList<>();
  final AtomicBoolean down = new AtomicBoolean();
  private final KubernetesMockServer server;
  public final KubernetesClient client;

  public ApplyingMockServer() {
    MOCK_LOG.setLevel(Level.WARNING);
    KubernetesCrudDispatcher crud =
        new KubernetesCrudDispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (down.get()) {
              return new MockResponse()
                  .setResponseCode(503)
                  .setBody("{\"kind\":\"Status\",\"code\":503}");
            }
            return super.dispatch(request);
          }

          @Override
          public MockResponse handlePatch(RecordedRequest request) {
            String type = request.getHeader("Content-Type");
            if (type == null || !type.startsWith("application/apply-patch+yaml")) {
              return super.handlePatch(request);
            }
            String path = request.getPath();
            String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
            String object = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            applies.add(
                new Apply(
                    object, param(query, "fieldManager"), "true".equals(param(query, "force"))));
            String body = request.getBody().readUtf8();
            if (handleGet(object).code() == 404) {
              String collection = object.substring(0, object.lastIndexOf('/'));
              return handleCreate(
                  new RecordedRequest(
                      "HTTP/1.1",
                      HttpMethod.POST,
                      collection,
                      Headers.builder().add("Content-Type", "application/json").build(),
                      new Buffer().writeUtf8(body)));
            }
            return handleUpdate(
                new RecordedRequest(
                    "HTTP/1.1",
                    HttpMethod.PUT,
                    object,
                    Headers.builder().add("Content-Type", "application/json").build(),
                    new Buffer().writeUtf8(body)));
          }
        };
    server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), crud, false);
    server.init(java.net.InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    client.apiextensions().v1().customResourceDefinitions().resource(policyReportCrd()).create();
  }

  private static String param(String query, String name) {
    for (String kv : query.split("&")) {
      if (kv.startsWith(name + "=")) {
        return kv.substring(name.length() + 1);
      }
    }
    return null;
  }

  /**
   * The PolicyReport CRD's identity (group, version, names, namespaced), as upstream declares it.
   */
  static CustomResourceDefinition policyReportCrd() {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName("policyreports.wgpolicyk8s.io")
        .endMetadata()
        .withNewSpec()
        .withGroup("wgpolicyk8s.io")
        .withScope("Namespaced")
        .withNewNames()
        .withKind("PolicyReport")
        .withListKind("PolicyReportList")
        .withPlural("policyreports")
        .withSingular("policyreport")
        .withShortNames("polr")
        .endNames()
        .addNewVersion()
        .withName("v1alpha2")
        .withServed(true)
        .withStorage(true)
        .withNewSchema()
        .withNewOpenAPIV3Schema()
        .withType("object")
        .withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema()
        .endSchema()
        .endVersion()
        .endSpec()
        .build();
  }

  /** The namespace's Vigil report, or {@code null}. */
  public GenericKubernetesResource report(String namespace) {
    // from the listing, which would also show a second report, should one ever be created
    return reports(namespace).stream()
        .filter(r -> NamespaceReport.NAME.equals(r.getMetadata().getName()))
        .findFirst()
        .orElse(null);
  }

  /** Every PolicyReport in the namespace. */
  List<GenericKubernetesResource> reports(String namespace) {
    return client
        .genericKubernetesResources(KubernetesReportSink.POLICY_REPORTS)
        .inNamespace(namespace)
        .list()
        .getItems();
  }

  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> results(GenericKubernetesResource report) {
    return (List<Map<String, Object>>) report.getAdditionalProperties().get("results");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> summary(GenericKubernetesResource report) {
    return (Map<String, Object>) report.getAdditionalProperties().get("summary");
  }

  /** The API server's URL, for a kubeconfig. */
  public String url() {
    return server.url("/");
  }

  @Override
  public void close() {
    client.close();
    try {
      server.destroy();
    } catch (IllegalStateException slowShutdown) {
      // the mock's own teardown on a loaded machine ("Unable to close MockWebServer"): not under
      // test
    }
  }
}
