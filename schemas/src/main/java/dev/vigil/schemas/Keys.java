package dev.vigil.schemas;

/** How records are keyed on their topics, in one place. */
public final class Keys {

  private Keys() {}

  /** {@code cluster/namespace/name}: pod events, admission events, verdicts and violations. */
  public static String pod(String clusterId, String namespace, String name) {
    return clusterId + "/" + namespace + "/" + name;
  }

  /** {@code cluster/namespace/Kind/name}: follow-ups are per owning workload. */
  public static String workload(String clusterId, WorkloadRef owner) {
    return clusterId + "/" + owner.key();
  }
}
