package dev.vigil.streams;

/** Names of every state store and internal topic in Vigil's topology, in one place. */
public final class StoreNames {

  private StoreNames() {}

  /** Global: the accepted policy documents, from {@code vigil.policies.accepted}. */
  public static final String POLICIES = "policies-store";

  /** Policy gate task: the accepted revision of every policy document (changelogged). */
  public static final String POLICY_GATE = "policy-gate-store";

  /**
   * Global: attestations by {@code imageDigest/occurrence} (record bytes), and their change log.
   */
  public static final String ATTESTATIONS = "attestations-store";

  /** Global: image metadata by digest (record bytes), and its change log. */
  public static final String IMAGE_METADATA = "image-metadata-store";

  /**
   * Per task: running (and recently deleted) pods with their last verdict, open violation and
   * template fingerprint ({@link PodStateCodec}).
   */
  public static final String PODS = "pods-store";

  /**
   * Per task: each pod template by fingerprint, with its last judgement ({@link TemplateState}, ADR
   * 0150).
   */
  public static final String TEMPLATES = "templates-store";

  /** Per task: {@code fingerprint|podKey} → {@code r} (running) or {@code d} (deleted). */
  public static final String TEMPLATE_PODS = "template-pods-store";

  /** Per task: {@code digest|fingerprint} for every image digest a kept template runs. */
  public static final String TEMPLATES_BY_DIGEST = "templates-by-digest-store";

  /** Per task: admission events waiting for their pod event. */
  public static final String PENDING_ADMISSIONS = "pending-admissions-store";

  /**
   * Per task: the policy fingerprint last reconciled, the cursors over the fact change logs and the
   * dead letters, and the re-evaluation scans under way with theirs.
   */
  public static final String PROGRESS = "validation-progress-store";

  /** Per task: follow-ups by {@code cluster/namespace/Kind/name/KIND}. */
  public static final String FOLLOWUPS = "followups-store";

  /**
   * Per task: bypass evidence that came before its follow-up opened, by {@code
   * followUpKey|auditId|subject}, until a follow-up of the workload opens or the maximum open age.
   */
  public static final String FOLLOWUP_EVIDENCE_WAITING = "followup-evidence-store";

  /**
   * Per task, the follow-ups' time indexes: {@code expiryMillis(19 digits)|followUpKey} for every
   * acknowledgement with an expiry, and {@code open/openedMillis(19 digits)|followUpKey} for every
   * OPEN follow-up that may escalate by age (ADR 0185).
   */
  public static final String FOLLOWUP_ACK_EXPIRY = "followup-ack-expiry-store";

  /**
   * Per task (key-value, ADR 0155): denied, fail-open and breakglass admissions by {@code
   * cluster|principal|subject|time|auditId} (fail-open and breakglass ones under {@code
   * ...subject|admitted|...}), and {@code ~|time|key} to forget them after the bypass window and
   * the correlation skew (stream time).
   */
  public static final String BYPASS_ADMISSIONS = "bypass-admissions-by-time-store";

  /**
   * Internal topic: denied and bypassing admissions, re-keyed by {@code cluster|principal|subject}.
   */
  public static final String BYPASS_CORRELATION = "bypass-correlation";

  /** Internal topic: bypass evidence, re-keyed by follow-up. */
  public static final String FOLLOWUP_EVIDENCE = "followup-evidence";

  /** Internal topic: follow-up signals, re-keyed from pod to workload. */
  public static final String FOLLOWUP_SIGNALS = "followup-signals";

  /**
   * Per task: the open hygiene findings and running tags of the pods that have some ({@link
   * HygieneTask}, ADR 0175).
   */
  public static final String HYGIENE_PODS = "hygiene-pods-store";

  /** Per task: each pod's running tags and open tag-moved finding, by {@code workload|pod}. */
  public static final String HYGIENE_WORKLOAD_PODS = "hygiene-workload-pods-store";

  /** Per task: how many pods run each digest of a tag, by {@code workload|tag reference}. */
  public static final String HYGIENE_TAG_DIGESTS = "hygiene-tag-digests-store";

  /** Internal topic: pods' running tags, re-keyed from pod to workload. */
  public static final String HYGIENE_WORKLOAD_TAGS = "hygiene-workload-tags";
}
