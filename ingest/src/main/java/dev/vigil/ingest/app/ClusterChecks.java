package dev.vigil.ingest.app;

import dev.vigil.schemas.settings.StartupException;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * Start-up checks of the clusters ingest is to watch, so that a missing kubeconfig, an unknown
 * context, an unreachable API server or refused credentials stop start-up with one line naming what
 * was tried and what to do, instead of a watcher retrying with stack traces.
 */
final class ClusterChecks {

  private static final String WHAT_TO_DO =
      "give "
          + IngestSettings.CONTEXTS.flag()
          + " NAME of a kubeconfig context, "
          + IngestSettings.WATCH.flag()
          + " false for audit-only (no pod watch), or run `vigil demo` for a first look";

  private static final ListOptions ONE = new ListOptionsBuilder().withLimit(1L).build();

  private ClusterChecks() {}

  /** Fails unless fabric8 will find a kubeconfig or an in-cluster service account. */
  static void requireSomeConfig() {
    Collection<String> files = Config.getKubeconfigFilenames();
    boolean kubeconfig = files.stream().anyMatch(f -> Files.isRegularFile(Path.of(f)));
    boolean inCluster =
        System.getenv(Config.KUBERNETES_SERVICE_HOST_PROPERTY) != null
            && Files.isRegularFile(Path.of(Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH));
    if (!kubeconfig && !inCluster) {
      String env = System.getenv("KUBECONFIG");
      throw new StartupException(
          "no Kubernetes cluster to watch: no kubeconfig (KUBECONFIG "
              + (env == null || env.isBlank() ? "unset" : "=" + env)
              + ", looked at "
              + String.join(", ", files)
              + ") and not in a cluster (no "
              + Config.KUBERNETES_SERVICE_HOST_PROPERTY
              + ", no "
              + Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH
              + "): "
              + WHAT_TO_DO);
    }
  }

  /**
   * The name of the context {@code client} uses, failing when {@code asked} is not in the
   * kubeconfig.
   */
  static String contextOf(KubernetesClient client, String asked) {
    var current = client.getConfiguration().getCurrentContext();
    if (asked != null && (current == null || !asked.equals(current.getName()))) {
      throw new StartupException(
          "context "
              + asked
              + " is not in the kubeconfig ("
              + String.join(", ", Config.getKubeconfigFilenames())
              + "): "
              + WHAT_TO_DO);
    }
    return current != null ? current.getName() : "in-cluster";
  }

  /**
   * Lists one pod, as the watcher will, without fabric8's retries: fails naming the context and the
   * API server when it cannot be reached or refuses the credentials.
   */
  static void probe(KubernetesClient client, String context, List<String> namespaces) {
    Config probeConfig =
        new ConfigBuilder(client.getConfiguration())
            .withRequestRetryBackoffLimit(0)
            .withConnectionTimeout(5_000)
            .withRequestTimeout(10_000)
            .build();
    String server = client.getConfiguration().getMasterUrl();
    try (KubernetesClient probe = new KubernetesClientBuilder().withConfig(probeConfig).build()) {
      if (namespaces.isEmpty()) {
        probe.pods().inAnyNamespace().list(ONE);
      } else {
        probe.pods().inNamespace(namespaces.get(0)).list(ONE);
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == 401 || e.getCode() == 403) {
        throw new StartupException(
            "the Kubernetes API server "
                + server
                + " (context "
                + context
                + ") refused to list pods: HTTP "
                + e.getCode()
                + (e.getCode() == 401
                    ? " (credentials not accepted: renew them, e.g. gcloud container clusters get-credentials)"
                    : " (forbidden: grant list and watch on pods, see deploy/clusterrole.yaml)"));
      }
      throw new StartupException(
          "cannot reach the Kubernetes API server "
              + server
              + " (context "
              + context
              + "): "
              + rootMessage(e)
              + "; check the context, or "
              + IngestSettings.WATCH.flag()
              + " false for audit-only");
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m =
        t.getMessage() == null || t.getMessage().isBlank()
            ? t.getClass().getSimpleName()
            : t.getMessage();
    return t instanceof java.net.UnknownHostException ? "unknown host " + m : m;
  }
}
