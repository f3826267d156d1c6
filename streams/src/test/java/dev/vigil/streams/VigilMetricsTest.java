package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Counters exist at 0 before their first event, so that Prometheus' increase() sees that event. */
class VigilMetricsTest {

  @Test
  void countersAndFollowUpGaugesExistAtZeroFromTheStart() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new VigilMetrics(registry, Clock.systemUTC());

    assertEquals(
        0.0,
        registry
            .find("vigil.dead.letters")
            .tags("source", Topics.POD_EVENTS.name(), "reason", "unreadable")
            .counter()
            .count());
    assertEquals(
        0.0,
        registry
            .find("vigil.dead.letters")
            .tags("source", Topics.POLICIES.name(), "reason", "invalid_policy")
            .counter()
            .count());
    assertEquals(0.0, registry.find("vigil.policies.rejected").counter().count());
    assertEquals(
        0.0, registry.find("vigil.evaluations").tag("trigger", "pod_event").counter().count());
    assertEquals(0.0, registry.find("vigil.decisions").tag("decision", "deny").counter().count());
    for (String reason : List.of("duplicate", "out_of_order", "unchanged")) {
      assertEquals(
          0.0,
          registry.find("vigil.pod.events.ignored").tag("reason", reason).counter().count(),
          reason);
    }
    assertEquals(
        0.0,
        registry
            .find("vigil.followups.open")
            .tags("kind", "BREAKGLASS", "state", "ESCALATED")
            .gauge()
            .value());
    assertEquals(
        1.0, registry.find("vigil.component.info").tag("component", "streams").gauge().value());
    for (String t : new String[] {"opened", "changed", "resolved"}) {
      for (String severity : new String[] {"critical", "high", "medium", "low"}) {
        assertEquals(
            0.0,
            registry
                .find("vigil.violation.transitions")
                .tags("transition", t, "severity", severity)
                .counter()
                .count(),
            t + "/" + severity);
      }
    }
  }

  @Test
  void aDeadLetterCountsOnTheSeriesRegisteredAtZero() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    VigilMetrics metrics = new VigilMetrics(registry, Clock.systemUTC());

    metrics.deadLetter(Topics.POD_EVENTS.name(), "unreadable");
    metrics.policyRejected();

    assertEquals(
        1,
        registry
            .find("vigil.dead.letters")
            .tags("source", Topics.POD_EVENTS.name(), "reason", "unreadable")
            .counters()
            .size());
    assertEquals(
        1.0,
        registry
            .find("vigil.dead.letters")
            .tags("source", Topics.POD_EVENTS.name(), "reason", "unreadable")
            .counter()
            .count());
    assertEquals(1.0, registry.find("vigil.policies.rejected").counter().count());
  }
}
