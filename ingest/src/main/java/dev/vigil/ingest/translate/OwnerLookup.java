package dev.vigil.ingest.translate;

import java.util.Objects;
import java.util.Optional;

/**
 * Finds the controller of a ReplicaSet or Job, so that a pod can be attributed to the Deployment or
 * CronJob that owns it. The pod watcher answers from its informer caches; replay and the audit
 * receiver use {@link #NONE} and fall back to naming conventions.
 */
@FunctionalInterface
public interface OwnerLookup {

  /** Knows nothing: every lookup is empty. */
  OwnerLookup NONE = (kind, namespace, name) -> Optional.empty();

  /**
   * The controller of the object {@code kind namespace/name}.
   *
   * @return empty when the object is unknown; {@link Owner#NONE} when it is known and has no
   *     controller
   */
  Optional<Owner> controllerOf(String kind, String namespace, String name);

  /** A controller reference: the owner's Kubernetes kind ({@code Deployment}) and name. */
  record Owner(String kind, String name) {

    /** The object is known and has no controller. */
    public static final Owner NONE = new Owner("", "");

    public Owner {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
    }

    /** Whether this is {@link #NONE}. */
    public boolean isNone() {
      return kind.isEmpty();
    }
  }
}
