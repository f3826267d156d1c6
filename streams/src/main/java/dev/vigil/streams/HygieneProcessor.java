package dev.vigil.streams;

import dev.vigil.schemas.Keys;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.ImageFinding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The per-pod hygiene rules over {@code vigil.pod-events} ({@code hygiene/image-by-tag}, {@code
 * hygiene/pull-secret-for-artifact-registry}): opens, changes and resolves each pod's findings from
 * the open ones kept in {@code hygiene-pods-store}, and reports the tags each pod runs to its
 * workload for {@code hygiene/tag-moved} when they change. Never looks at a policy, and a pod event
 * that changes nothing hygiene sees publishes nothing. Duplicate and out-of-order events are
 * ignored as continuous validation ignores them; a deleted or finished pod resolves its findings.
 */
final class HygieneProcessor implements Processor<String, PodEvent, String, HygieneOutput> {

  /** The rules judged per pod (tag-moved is judged per workload, by {@link TagMovedProcessor}). */
  static final List<HygieneRule> POD_RULES =
      List.of(HygieneRule.IMAGE_BY_TAG, HygieneRule.PULL_SECRET_FOR_ARTIFACT_REGISTRY);

  private final StreamsSettings settings;
  private final HygieneMetrics metrics;
  private final List<Pattern> registries;
  private ProcessorContext<String, HygieneOutput> context;
  private KeyValueStore<String, HygienePodState> pods;

  /** Only for the open-findings gauge: the pods of this task it counts. Decides nothing. */
  private final Map<HygieneRule, Set<String>> counted = new HashMap<>();

  HygieneProcessor(StreamsSettings settings, HygieneMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
    this.registries = settings.hygiene().registryPatterns();
  }

  @Override
  public void init(ProcessorContext<String, HygieneOutput> context) {
    this.context = context;
    pods = context.getStateStore(StoreNames.HYGIENE_PODS);
    forgetCounted();
    try (KeyValueIterator<String, HygienePodState> it = pods.all()) {
      while (it.hasNext()) {
        KeyValue<String, HygienePodState> kv = it.next();
        if (kv.value != null && !kv.value.deleted()) {
          for (HygieneRule rule : POD_RULES) {
            if (kv.value.open().containsKey(rule.id())) {
              count(rule, kv.key, true);
            }
          }
        }
      }
    }
    context.schedule(settings.deletedPodRetention(), PunctuationType.WALL_CLOCK_TIME, this::purge);
  }

  @Override
  public void close() {
    forgetCounted();
  }

  @Override
  public void process(Record<String, PodEvent> record) {
    PodEvent e = record.value();
    if (e == null) {
      return;
    }
    String key = e.key();
    HygienePodState state = pods.get(key);
    if (state != null && PodVersion.compare(state.version(), PodVersion.of(e)) >= 0) {
      return; // a duplicate, or older than what was taken
    }
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    boolean live = state != null && !state.deleted();
    List<HygieneOutput> out = new ArrayList<>();
    Map<String, HygieneFindings.Open> open = new HashMap<>();
    List<HygieneChecks.RunningTag> tags;
    HygieneFindings.PodRef pod =
        new HygieneFindings.PodRef(e.clusterId(), e.namespace(), e.name(), e.owner());
    boolean terminal =
        e.type() == PodEvent.Type.DELETED
            || "Succeeded".equals(e.phase())
            || "Failed".equals(e.phase());
    if (terminal) {
      String why = e.type() == PodEvent.Type.DELETED ? "pod deleted" : "pod " + e.phase();
      if (live) {
        for (HygieneRule rule : POD_RULES) {
          HygieneFindings.Open was = state.open().get(rule.id());
          if (was != null) {
            out.add(
                HygieneOutput.of(
                    HygieneFindings.resolved(rule, pod, was, why, now, e.observedAt())
                        .transition()));
          }
        }
        if (!state.tags().isEmpty()) {
          out.add(
              HygieneOutput.of(
                  new HygieneOutput.WorkloadTags(pod, List.of(), true, why, e.observedAt())));
        }
      }
      tags = List.of();
    } else {
      for (HygieneRule rule : POD_RULES) {
        HygieneFindings.Open was = live ? state.open().get(rule.id()) : null;
        List<ImageFinding> found = settings.hygiene().enabled(rule) ? findings(rule, e) : List.of();
        String why =
            settings.hygiene().enabled(rule)
                ? resolvedWhy(rule)
                : "rule " + rule.id() + " is switched off";
        Optional<HygieneFindings.Step> step =
            HygieneFindings.next(rule, pod, was, found, why, now, e.observedAt());
        step.ifPresent(s -> out.add(HygieneOutput.of(s.transition())));
        HygieneFindings.Open after = step.isPresent() ? step.get().open() : was;
        if (after != null) {
          open.put(rule.id(), after);
        }
      }
      tags = settings.hygiene().tagMoved() ? HygieneChecks.runningTags(e) : List.of();
      if (!tags.equals(live ? state.tags() : List.of())) {
        String why =
            !settings.hygiene().tagMoved()
                ? "rule " + HygieneRule.TAG_MOVED.id() + " is switched off"
                : tags.isEmpty() ? "no container runs an image by tag any more" : "tags changed";
        out.add(
            HygieneOutput.of(
                new HygieneOutput.WorkloadTags(pod, tags, false, why, e.observedAt())));
      }
    }
    // Computed: write, then forward.
    pods.put(key, new HygienePodState(PodVersion.of(e), open, tags, terminal ? now : null));
    for (HygieneOutput o : out) {
      if (o.violation() != null) {
        ViolationTransition t = o.violation();
        HygieneRule rule = rule(t);
        metrics.published(rule, t);
        count(rule, key, t.transition() != ViolationTransition.Transition.RESOLVED);
        context.forward(record.withKey(key).withValue(o));
      } else {
        context.forward(record.withKey(Keys.workload(e.clusterId(), e.owner())).withValue(o));
      }
    }
  }

  private List<ImageFinding> findings(HygieneRule rule, PodEvent e) {
    return rule == HygieneRule.IMAGE_BY_TAG
        ? HygieneChecks.imageByTag(e)
        : HygieneChecks.pullSecretForArtifactRegistry(e, registries);
  }

  private static String resolvedWhy(HygieneRule rule) {
    return rule == HygieneRule.IMAGE_BY_TAG
        ? "every container names its image by digest"
        : "no image pulled with a pull secret comes from Artifact Registry or Container Registry";
  }

  static HygieneRule rule(ViolationTransition t) {
    for (HygieneRule r : HygieneRule.values()) {
      if (t.rules().contains(r.id())) {
        return r;
      }
    }
    throw new IllegalArgumentException("not a hygiene finding: " + t.rules());
  }

  /**
   * Forgets deleted pods kept longer than {@code deleted-pod-retention}, and states that no longer
   * read.
   */
  private void purge(long ts) {
    Instant cutoff = Instant.ofEpochMilli(ts).minus(settings.deletedPodRetention());
    List<String> gone = new ArrayList<>();
    try (KeyValueIterator<String, HygienePodState> it = pods.all()) {
      while (it.hasNext()) {
        KeyValue<String, HygienePodState> kv = it.next();
        if (kv.value == null || kv.value.deleted() && kv.value.deletedAt().isBefore(cutoff)) {
          gone.add(kv.key);
        }
      }
    }
    gone.forEach(pods::delete);
  }

  private void count(HygieneRule rule, String podKey, boolean open) {
    Set<String> keys = counted.computeIfAbsent(rule, r -> new HashSet<>());
    if (open) {
      keys.add(podKey);
      metrics.holding(rule, podKey);
    } else {
      keys.remove(podKey);
    }
  }

  private void forgetCounted() {
    counted.forEach(metrics::forget);
    counted.clear();
  }
}
