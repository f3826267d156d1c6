package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operators see how long each part of the scheduled work held a stream thread (pod events wait
 * meanwhile): {@code vigil_punctuation_seconds{punctuator}}, one series per part from the start.
 */
class PunctuationTimingTest {

  @TempDir Path dir;

  private static Timer timer(TopologyHarness h, String punctuator) {
    Timer t = h.registry.find("vigil.punctuation").tag("punctuator", punctuator).timer();
    assertNotNull(t, punctuator);
    return t;
  }

  @Test
  void everyPartOfTheScheduledWorkIsTimedUnderItsOwnName() {
    try (TopologyHarness h = new TopologyHarness(dir)) {
      for (String p : VigilMetrics.PUNCTUATORS) {
        assertEquals(0, timer(h, p).count(), p + " before any punctuation");
      }

      h.advance(Duration.ofMinutes(1).plusSeconds(1));
      for (String p :
          new String[] {
            "change-poll",
            "scans",
            "admission-expiry",
            "rejected-facts",
            "hygiene-purge",
            "followup-flush",
            "followup-stale",
            "followup-evidence-expiry",
            "followup-ack-expiry"
          }) {
        assertTrue(timer(h, p).count() >= 1, p + " ran and was timed");
      }
      assertEquals(0, timer(h, "scans-start").count(), "the freshness interval has not passed");

      h.advance(h.settings.freshnessInterval());
      assertTrue(timer(h, "scans-start").count() >= 1, "the freshness scans were started");
    }
  }
}
