package dev.vigil.policyreports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;

/** What /healthz hears from the PolicyReport application. */
class PolicyReportsAppTest {

  @Test
  void onlyAStopNobodyAskedForIsUnhealthy() {
    for (State s : State.values()) {
      boolean stopped =
          s == State.ERROR
              || s == State.PENDING_ERROR
              || s == State.NOT_RUNNING
              || s == State.PENDING_SHUTDOWN;
      assertEquals(stopped, !PolicyReportsApp.unhealthy(s, false).isEmpty(), s.toString());
      assertTrue(PolicyReportsApp.unhealthy(s, true).isEmpty(), "closing: " + s);
    }
    assertTrue(
        PolicyReportsApp.unhealthy(State.ERROR, false)
            .get("policy-reports")
            .contains("no longer updated"));
  }
}
