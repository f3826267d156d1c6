package dev.vigil.streams;

import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.ImageFinding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * {@code hygiene/tag-moved}, per workload (input re-keyed by {@code cluster/namespace/Kind/name}):
 * a pod whose container runs a tag reference that other pods of the same workload run as another
 * digest has a finding listing those containers. State: each pod's running tags and open finding in
 * {@code hygiene-workload-pods-store} ({@code <workload key>|<pod key>}), and how many pods run
 * each digest of each tag in {@code hygiene-tag-digests-store} ({@code <workload key>|<tag
 * reference>}). A tag that starts or stops having several digests re-judges every pod of the
 * workload; any other change only the pod that changed.
 */
final class TagMovedProcessor
    implements Processor<String, HygieneOutput.WorkloadTags, String, ViolationTransition> {

  /**
   * One pod of a workload as the tag-moved rule sees it.
   *
   * @param open its open finding, {@code null} when none
   */
  record WorkloadPod(
      HygieneFindings.PodRef pod, List<HygieneChecks.RunningTag> tags, HygieneFindings.Open open) {
    WorkloadPod {
      Objects.requireNonNull(pod, "pod");
      tags = List.copyOf(tags);
    }
  }

  /** How many pods of a workload run each digest of one tag reference. */
  record TagDigests(Map<String, Integer> counts) {
    TagDigests {
      counts = new TreeMap<>(counts);
    }
  }

  private static final HygieneRule RULE = HygieneRule.TAG_MOVED;

  private final HygieneMetrics metrics;
  private ProcessorContext<String, ViolationTransition> context;
  private KeyValueStore<String, WorkloadPod> pods;
  private KeyValueStore<String, TagDigests> digests;

  /** Only for the open-findings gauge: the pods of this task it counts. Decides nothing. */
  private final Set<String> counted = new HashSet<>();

  TagMovedProcessor(HygieneMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, ViolationTransition> context) {
    this.context = context;
    pods = context.getStateStore(StoreNames.HYGIENE_WORKLOAD_PODS);
    digests = context.getStateStore(StoreNames.HYGIENE_TAG_DIGESTS);
    metrics.forget(RULE, counted);
    counted.clear();
    try (KeyValueIterator<String, WorkloadPod> it = pods.all()) {
      while (it.hasNext()) {
        KeyValue<String, WorkloadPod> kv = it.next();
        if (kv.value != null && kv.value.open() != null) {
          counted.add(kv.value.pod().key());
          metrics.holding(RULE, kv.value.pod().key());
        }
      }
    }
  }

  @Override
  public void close() {
    metrics.forget(RULE, counted);
    counted.clear();
  }

  @Override
  public void process(Record<String, HygieneOutput.WorkloadTags> record) {
    HygieneOutput.WorkloadTags in = record.value();
    if (in == null) {
      return;
    }
    String workload = record.key();
    String podKey = in.pod().key();
    String entry = workload + "|" + podKey;
    WorkloadPod before = pods.get(entry);
    List<HygieneChecks.RunningTag> was = before == null ? List.of() : before.tags();
    List<HygieneChecks.RunningTag> now = in.gone() ? List.of() : in.tags();

    // The digest counts of the tags this pod ran or runs, before and after.
    Counts counts = new Counts(workload);
    Set<String> flipped = new TreeSet<>();
    Set<String> touched = new LinkedHashSet<>();
    pairs(was).forEach(p -> touched.add(p.get(0)));
    pairs(now).forEach(p -> touched.add(p.get(0)));
    Map<String, Boolean> movedBefore = new LinkedHashMap<>();
    touched.forEach(ref -> movedBefore.put(ref, counts.of(ref).size() > 1));
    pairs(was).forEach(p -> counts.add(p.get(0), p.get(1), -1));
    pairs(now).forEach(p -> counts.add(p.get(0), p.get(1), +1));
    touched.forEach(
        ref -> {
          if (movedBefore.get(ref) != counts.of(ref).size() > 1) {
            flipped.add(ref);
          }
        });

    Instant at = Instant.ofEpochMilli(context.currentSystemTimeMs());
    String owner =
        in.pod().owner().kind()
            + " "
            + in.pod().owner().namespace()
            + "/"
            + in.pod().owner().name();
    List<ViolationTransition> out = new ArrayList<>();
    Map<String, WorkloadPod> writes = new LinkedHashMap<>();
    // The pod that changed.
    if (in.gone()) {
      if (before != null && before.open() != null) {
        out.add(
            HygieneFindings.resolved(
                    RULE, before.pod(), before.open(), in.why(), at, in.eventTime())
                .transition());
      }
      writes.put(entry, null);
    } else {
      HygieneFindings.Open open = before == null ? null : before.open();
      var step =
          HygieneFindings.next(
              RULE,
              in.pod(),
              open,
              findings(now, counts, owner),
              now.isEmpty() ? in.why() : resolvedWhy(),
              at,
              in.eventTime());
      step.ifPresent(s -> out.add(s.transition()));
      writes.put(
          entry, new WorkloadPod(in.pod(), now, step.isPresent() ? step.get().open() : open));
    }
    // Every other pod of the workload, when a tag started or stopped having several digests.
    if (!flipped.isEmpty()) {
      try (KeyValueIterator<String, WorkloadPod> it =
          pods.prefixScan(workload + "|", new StringSerializer())) {
        while (it.hasNext()) {
          KeyValue<String, WorkloadPod> kv = it.next();
          WorkloadPod other = kv.value;
          if (kv.key.equals(entry)
              || other == null
              || other.tags().stream().noneMatch(t -> flipped.contains(t.reference()))) {
            continue;
          }
          var step =
              HygieneFindings.next(
                  RULE,
                  other.pod(),
                  other.open(),
                  findings(other.tags(), counts, owner),
                  resolvedWhy(),
                  at,
                  in.eventTime());
          if (step.isPresent()) {
            out.add(step.get().transition());
            writes.put(kv.key, new WorkloadPod(other.pod(), other.tags(), step.get().open()));
          }
        }
      }
    }
    // Computed: write, then forward.
    counts.write();
    writes.forEach(
        (k, v) -> {
          if (v == null) {
            pods.delete(k);
          } else {
            pods.put(k, v);
          }
        });
    for (ViolationTransition t : out) {
      metrics.published(RULE, t);
      if (t.transition() == ViolationTransition.Transition.RESOLVED) {
        counted.remove(t.key());
      } else {
        counted.add(t.key());
      }
      context.forward(record.withKey(t.key()).withValue(t));
    }
  }

  private static String resolvedWhy() {
    return "every pod of the workload runs its tags as one digest";
  }

  /**
   * The findings of a pod running {@code tags}: the containers whose tag runs as several digests.
   */
  private static List<ImageFinding> findings(
      List<HygieneChecks.RunningTag> tags, Counts counts, String owner) {
    List<ImageFinding> out = new ArrayList<>();
    for (HygieneChecks.RunningTag t : tags) {
      Map<String, Integer> running = counts.of(t.reference());
      if (running.size() > 1) {
        Set<String> others = new TreeSet<>(running.keySet());
        others.remove(t.digest());
        out.add(HygieneChecks.tagMoved(t, others, owner));
      }
    }
    return out;
  }

  /** Each (tag reference, digest) a pod runs, once. */
  private static Set<List<String>> pairs(List<HygieneChecks.RunningTag> tags) {
    Set<List<String>> out = new LinkedHashSet<>();
    tags.forEach(t -> out.add(List.of(t.reference(), t.digest())));
    return out;
  }

  /**
   * The digest counts of a workload's tags, read from the store once and written back at the end.
   */
  private final class Counts {
    private final String workload;
    private final Map<String, TreeMap<String, Integer>> read = new LinkedHashMap<>();
    private final Set<String> changed = new HashSet<>();

    Counts(String workload) {
      this.workload = workload;
    }

    Map<String, Integer> of(String ref) {
      return read.computeIfAbsent(
          ref,
          r -> {
            TagDigests stored = digests.get(workload + "|" + r);
            return stored == null ? new TreeMap<>() : new TreeMap<>(stored.counts());
          });
    }

    void add(String ref, String digest, int delta) {
      Map<String, Integer> m = of(ref);
      int n = m.getOrDefault(digest, 0) + delta;
      if (n > 0) {
        m.put(digest, n);
      } else {
        m.remove(digest);
      }
      changed.add(ref);
    }

    void write() {
      for (String ref : changed) {
        TreeMap<String, Integer> m = read.get(ref);
        if (m.isEmpty()) {
          digests.delete(workload + "|" + ref);
        } else {
          digests.put(workload + "|" + ref, new TagDigests(m));
        }
      }
    }
  }
}
