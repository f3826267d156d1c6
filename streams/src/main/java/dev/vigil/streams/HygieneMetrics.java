package dev.vigil.streams;

import dev.vigil.schemas.ViolationTransition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hygiene metrics, every series registered at 0 when the topology is built (ADR 0050): {@code
 * vigil_hygiene_transitions_total{rule,transition}} (findings published) and {@code
 * vigil_hygiene_findings_open{rule}} (pods with an open finding, as the tasks of this instance hold
 * them). Labels never carry pod names. Thread-safe: the tasks of an instance share one.
 */
final class HygieneMetrics {

  private final MeterRegistry registry;
  private final Map<HygieneRule, Set<String>> open = new EnumMap<>(HygieneRule.class);

  HygieneMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (HygieneRule rule : HygieneRule.values()) {
      Set<String> pods = ConcurrentHashMap.newKeySet();
      open.put(rule, pods);
      Gauge.builder("vigil.hygiene.findings.open", pods, Set::size)
          .description("pods with an open registry-hygiene finding")
          .tag("rule", rule.id())
          .register(registry);
      for (ViolationTransition.Transition t : ViolationTransition.Transition.values()) {
        counter(rule, t);
      }
    }
  }

  /** A transition of {@code rule} was published. */
  void published(HygieneRule rule, ViolationTransition t) {
    counter(rule, t.transition()).increment();
    if (t.transition() == ViolationTransition.Transition.RESOLVED) {
      open.get(rule).remove(t.key());
    } else {
      open.get(rule).add(t.key());
    }
  }

  /** A task (re)starts holding an open finding of {@code podKey}. */
  void holding(HygieneRule rule, String podKey) {
    open.get(rule).add(podKey);
  }

  /** A task no longer holds these pods' findings. */
  void forget(HygieneRule rule, Collection<String> podKeys) {
    open.get(rule).removeAll(podKeys);
  }

  private Counter counter(HygieneRule rule, ViolationTransition.Transition t) {
    return Counter.builder("vigil.hygiene.transitions")
        .description("registry-hygiene findings published (OPENED, CHANGED, RESOLVED)")
        .tags("rule", rule.id(), "transition", t.name().toLowerCase(Locale.ROOT))
        .register(registry);
  }
}
