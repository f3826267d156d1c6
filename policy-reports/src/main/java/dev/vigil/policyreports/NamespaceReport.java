package dev.vigil.policyreports;

import dev.vigil.schemas.Decision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one namespace's PolicyReport says, built from the pods' entries: a snapshot the writer
 * applies as a whole. {@link #document()} is the {@code wgpolicyk8s.io/v1alpha2} PolicyReport
 * object (field names as the Policy WG's CRD declares them).
 */
public record NamespaceReport(String clusterId, String namespace, List<PodEntry> pods) {

  public static final String API_VERSION = "wgpolicyk8s.io/v1alpha2";
  public static final String KIND = "PolicyReport";

  /** One report per namespace, always this name: a restart applies over it, never beside it. */
  public static final String NAME = "vigil-binary-authorization";

  public static final String POLICY = "binary-authorization";
  public static final String SOURCE = "vigil";
  public static final String CATEGORY = "image-policy";

  public NamespaceReport {
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(namespace, "namespace");
    pods =
        pods.stream()
            .filter(PodEntry::reportable)
            .sorted(Comparator.comparing(PodEntry::pod))
            .toList();
  }

  /** The key of the namespace on the repartition topic and in the writer's queue. */
  public String key() {
    return clusterId + "/" + namespace;
  }

  /** True when no pod of the namespace has a result: the report is deleted rather than applied. */
  public boolean empty() {
    return pods.isEmpty();
  }

  /**
   * The PolicyReport result of a decision: ALLOW is {@code pass}, DENY {@code fail}, DRYRUN_DENY
   * {@code warn} (fails a rule that is not enforced), UNKNOWN {@code error} (could not be judged).
   */
  public static String result(Decision d) {
    switch (d) {
      case ALLOW:
        return "pass";
      case DENY:
        return "fail";
      case DRYRUN_DENY:
        return "warn";
      default:
        return "error";
    }
  }

  /** The PolicyReport object, as the map the API server takes (JSON field names of the CRD). */
  public Map<String, Object> document() {
    Map<String, Integer> summary = new LinkedHashMap<>();
    for (String r : List.of("pass", "fail", "warn", "error", "skip")) {
      summary.put(r, 0);
    }
    List<Map<String, Object>> results = new ArrayList<>();
    for (PodEntry p : pods) {
      String result = result(p.decision());
      summary.merge(result, 1, Integer::sum);
      results.add(resultOf(p, result));
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("apiVersion", API_VERSION);
    doc.put("kind", KIND);
    doc.put(
        "metadata",
        Map.of(
            "name",
            NAME,
            "namespace",
            namespace,
            "labels",
            Map.of("app.kubernetes.io/managed-by", "vigil")));
    doc.put("summary", summary);
    doc.put("results", results);
    return doc;
  }

  private Map<String, Object> resultOf(PodEntry p, String result) {
    boolean failing = !"pass".equals(result);
    PodEntry.OpenViolation v = failing ? p.violation() : null;
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("source", SOURCE);
    r.put("policy", POLICY);
    String rule = v != null && !v.rules().isEmpty() ? String.join(", ", v.rules()) : p.rule();
    if (rule != null) {
      r.put("rule", rule);
    }
    r.put("category", CATEGORY);
    if (v != null && v.severity() != null) {
      r.put("severity", v.severity().wire());
    }
    Instant at = p.evaluatedAt();
    r.put("timestamp", Map.of("seconds", at.getEpochSecond(), "nanos", at.getNano()));
    r.put("result", result);
    // warn: the rule fails but is not enforced (dry run), so it is not scored
    r.put("scored", !"warn".equals(result));
    Map<String, Object> resource = new LinkedHashMap<>();
    resource.put("apiVersion", "v1");
    resource.put("kind", "Pod");
    resource.put("name", p.pod());
    resource.put("namespace", namespace);
    if (p.uid() != null) {
      resource.put("uid", p.uid());
    }
    r.put("resources", List.of(resource));
    String message = v != null && v.summary() != null ? v.summary() : p.message();
    if (message != null) {
      r.put("message", message);
    }
    if (!p.properties().isEmpty()) {
      r.put("properties", p.properties());
    }
    return r;
  }
}
