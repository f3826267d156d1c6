package dev.vigil.validator;

import java.util.List;

/**
 * The kinds of specific admission rule. Binary Authorization does not document which wins when
 * several match a pod; Vigil's default order is {@link #DEFAULT_PRECEDENCE} (most specific first)
 * and callers may choose another.
 */
public enum RuleScope {
  /** {@code kubernetesServiceAccountAdmissionRules}, key {@code namespace:serviceaccount}. */
  SERVICE_ACCOUNT,
  /**
   * {@code istioServiceIdentityAdmissionRules}, key a SPIFFE id {@code
   * spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT}; matched on namespace and service
   * account (Vigil cannot see the pod's trust domain).
   */
  ISTIO_SERVICE_IDENTITY,
  /** {@code kubernetesNamespaceAdmissionRules}, key the namespace. */
  NAMESPACE,
  /**
   * {@code clusterAdmissionRules}, key {@code location.clusterId}, compared with the pod's cluster
   * id.
   */
  CLUSTER;

  /** Service account, then Istio identity, then namespace, then cluster. */
  public static final List<RuleScope> DEFAULT_PRECEDENCE =
      List.of(SERVICE_ACCOUNT, ISTIO_SERVICE_IDENTITY, NAMESPACE, CLUSTER);
}
