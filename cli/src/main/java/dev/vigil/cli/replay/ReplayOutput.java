package dev.vigil.cli.replay;

import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.ViolationCategory;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.WorkloadRef;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lines {@code vigil replay} prints: one JSON object per follow-up change and violation
 * transition, in a deterministic order (topic, then key, then the order of the records on the
 * topic). Fields whose values depend on when the replay ran (record ids, {@code at}, {@code
 * openedAt}, {@code changedAt}, {@code firstSeen}, {@code lastSeen}) are left out, and so is a
 * follow-up's {@code cause}: it says how many pods had been admitted or evaluated when the record
 * was made ("1 of 2 pods run images the policy denies", "3 pods admitted"), which depends on how
 * admissions and evaluations interleaved. {@code eventTime} is left out too: which input's time the
 * record of a state printed carries depends on the same interleaving. The topics keep all of them
 * ({@code --keep-data}).
 *
 * <p>Follow-up pod counts are published every flush interval, so how many intermediate counts a
 * follow-up goes through depends on timing. A run of records of one follow-up in one state is
 * therefore printed once, as its last record: every state a follow-up went through is printed, in
 * order, with the images and users it had when it left that state; the pods and their count only on
 * a follow-up's last record (earlier ones depend on how pods' events interleaved), and so are
 * {@code suspectedBypass} and {@code priorDenials} (the bypass evidence may reach the follow-up
 * before or after it leaves its first state).
 */
public final class ReplayOutput {

  private ReplayOutput() {}

  /** The printed lines. */
  public static List<String> lines(Replay.Result result) {
    List<String> out = new ArrayList<>();
    List<FollowUp> followUps = collapse(sortedByKey(result.followUps(), FollowUp::key));
    for (int i = 0; i < followUps.size(); i++) {
      FollowUp f = followUps.get(i);
      boolean last =
          i + 1 == followUps.size() || !followUps.get(i + 1).followUpId().equals(f.followUpId());
      Map<String, Object> m = followUp(f);
      if (!last) {
        // Which pods had joined when a follow-up left a state depends on how the pods' events
        // interleaved across partitions: only the last record's pods are the same on every run.
        m.remove("podCount");
        m.remove("pods");
        // Bypass evidence travels two internal topics; whether it reached the follow-up before it
        // left a state depends on timing too: the last record carries what it came to.
        m.remove("suspectedBypass");
        m.remove("priorDenials");
      }
      out.add(write(m));
    }
    // Per key, policy transitions first, then each hygiene rule's: tag-moved findings come through
    // another sub-topology, so how they interleave with a pod's other records varies from run to
    // run.
    for (ViolationTransition v : sortedByKey(result.violations(), ReplayOutput::violationOrder)) {
      out.add(write(violation(v)));
    }
    return out;
  }

  private static <T> List<T> sortedByKey(
      List<T> records, java.util.function.Function<T, String> key) {
    List<T> sorted = new ArrayList<>(records);
    sorted.sort(Comparator.comparing(key)); // stable: records of one key keep their topic order
    return sorted;
  }

  private static String violationOrder(ViolationTransition v) {
    return v.key()
        + " "
        + (v.category() == ViolationCategory.HYGIENE ? String.join(",", v.rules()) : "");
  }

  static List<FollowUp> collapse(List<FollowUp> sorted) {
    List<FollowUp> out = new ArrayList<>();
    for (FollowUp f : sorted) {
      if (!out.isEmpty()) {
        FollowUp last = out.get(out.size() - 1);
        if (last.followUpId().equals(f.followUpId()) && last.state() == f.state()) {
          out.set(out.size() - 1, f);
          continue;
        }
      }
      out.add(f);
    }
    return out;
  }

  static Map<String, Object> followUp(FollowUp f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("topic", Topics.FOLLOWUPS.name());
    m.put("key", f.key());
    m.put("followupId", f.followUpId());
    m.put("kind", f.kind());
    m.put("state", f.state());
    m.put("cluster", f.clusterId());
    m.put("workload", workload(f.owner()));
    m.put("podCount", f.podCount());
    m.put("pods", f.pods().stream().sorted().toList());
    m.put("images", f.imageNames().stream().sorted().toList());
    m.put("users", f.users().stream().sorted().toList());
    putIfSet(m, "reevaluation", f.reevaluation());
    putIfSet(m, "detail", f.detail());
    putIfSet(m, "suspectedBypass", f.suspectedBypass());
    putIfSet(m, "priorDenials", f.priorDenials());
    putIfSet(m, "acknowledgedBy", f.acknowledgedBy());
    putIfSet(m, "note", f.note());
    return m;
  }

  static Map<String, Object> violation(ViolationTransition v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("topic", Topics.VIOLATIONS.name());
    m.put("key", v.key());
    m.put("cluster", v.clusterId());
    m.put("namespace", v.namespace());
    m.put("name", v.podName());
    m.put("workload", workload(v.owner()));
    m.put("category", v.category());
    putIfSet(m, "severity", v.severity());
    m.put("transition", v.transition());
    putIfSet(m, "previous", v.previous());
    putIfSet(m, "current", v.current());
    putIfSet(m, "summary", v.summary());
    m.put("rules", v.rules());
    m.put("images", v.images());
    m.put("policyVersions", v.policyVersions());
    m.put("reasons", v.reasons());
    return m;
  }

  private static Map<String, Object> workload(WorkloadRef w) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", w.kind());
    m.put("namespace", w.namespace());
    m.put("name", w.name());
    return m;
  }

  private static void putIfSet(Map<String, Object> m, String field, Object value) {
    if (value != null) {
      m.put(field, value);
    }
  }

  private static String write(Map<String, Object> m) {
    return new String(Json.write(m), StandardCharsets.UTF_8);
  }
}
