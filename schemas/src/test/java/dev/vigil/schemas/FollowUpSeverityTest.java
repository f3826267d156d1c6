package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.schemas.FollowUp.Kind;
import dev.vigil.schemas.FollowUp.State;
import org.junit.jupiter.api.Test;

/** The follow-up severity rule, as README "Follow-up severity" states it. */
class FollowUpSeverityTest {

  @Test
  void aBypassWhoseImagesThePolicyDeniesIsHigh() {
    assertEquals(
        Severity.HIGH,
        FollowUpSeverity.of(Kind.FAIL_OPEN, State.ESCALATED, Decision.DENY, false, null));
    assertEquals(
        Severity.HIGH,
        FollowUpSeverity.of(Kind.BREAKGLASS, State.ESCALATED, Decision.DENY, false, null));
    assertEquals(
        Severity.HIGH,
        FollowUpSeverity.of(Kind.FAIL_OPEN, State.ESCALATED, null, false, null),
        "escalated because it stayed open past the maximum age, never judged");
    assertEquals(
        Severity.MEDIUM,
        FollowUpSeverity.of(Kind.DRY_RUN, State.ESCALATED, Decision.DENY, false, null));
  }

  @Test
  void aBypassNotJudgedYetIsMediumAndOneWhoseImagesComplyIsLow() {
    assertEquals(
        Severity.MEDIUM, FollowUpSeverity.of(Kind.FAIL_OPEN, State.OPEN, null, false, null));
    assertEquals(
        Severity.MEDIUM,
        FollowUpSeverity.of(Kind.BREAKGLASS, State.OPEN, Decision.UNKNOWN, false, null));
    assertEquals(Severity.LOW, FollowUpSeverity.of(Kind.DRY_RUN, State.OPEN, null, false, null));
    assertEquals(
        Severity.LOW,
        FollowUpSeverity.of(Kind.FAIL_OPEN, State.VERIFIED, Decision.ALLOW, false, null));
    assertEquals(
        Severity.LOW,
        FollowUpSeverity.of(Kind.BREAKGLASS, State.OPEN, Decision.ALLOW, false, null));
    assertEquals(
        Severity.LOW,
        FollowUpSeverity.of(Kind.DRY_RUN, State.VERIFIED, Decision.ALLOW, false, null));
  }

  @Test
  void aSuspectedBypassIsAtLeastHighAndCriticalWhenItsImagesAreDenied() {
    assertEquals(Severity.HIGH, FollowUpSeverity.of(Kind.FAIL_OPEN, State.OPEN, null, true, 3));
    assertEquals(
        Severity.HIGH,
        FollowUpSeverity.of(Kind.FAIL_OPEN, State.VERIFIED, Decision.ALLOW, true, 5));
    assertEquals(
        Severity.CRITICAL,
        FollowUpSeverity.of(Kind.FAIL_OPEN, State.ESCALATED, Decision.DENY, true, 3));
  }

  @Test
  void denialsBeforeABreakglassMakeItAtLeastMedium() {
    assertEquals(
        Severity.MEDIUM,
        FollowUpSeverity.of(Kind.BREAKGLASS, State.OPEN, Decision.ALLOW, false, 2));
    assertEquals(
        Severity.HIGH,
        FollowUpSeverity.of(Kind.BREAKGLASS, State.ESCALATED, Decision.DENY, false, 2));
  }

  @Test
  void closedFollowUpsKeepTheSeverityOfWhatWasFound() {
    assertEquals(
        Severity.HIGH,
        FollowUpSeverity.of(Kind.FAIL_OPEN, State.ACKNOWLEDGED, Decision.DENY, false, null));
    assertEquals(
        Severity.LOW,
        FollowUpSeverity.of(Kind.FAIL_OPEN, State.RESOLVED, Decision.ALLOW, false, null));
  }
}
