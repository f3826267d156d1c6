package dev.vigil.schemas;

import java.util.Objects;

/**
 * The workload that owns a pod: Deployment, StatefulSet, DaemonSet, Job, CronJob, a bare
 * ReplicaSet, or the pod itself when nothing owns it.
 */
public record WorkloadRef(Kind kind, String namespace, String name) {

  /** Kinds of owning workload. */
  public enum Kind {
    DEPLOYMENT,
    STATEFUL_SET,
    DAEMON_SET,
    REPLICA_SET,
    JOB,
    CRON_JOB,
    POD,
    OTHER
  }

  public WorkloadRef {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  /** {@code namespace/Kind/name}, stable and usable as a key. */
  public String key() {
    return namespace + "/" + kind + "/" + name;
  }
}
