package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Severity;
import dev.vigil.schemas.settings.SettingException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SeverityMappingTest {

  static final List<String> NS_RULE = List.of("kubernetesNamespaceAdmissionRules[prod]");

  @Test
  void defaultsAreByDecision() {
    SeverityMapping m = SeverityMapping.DEFAULT;
    assertEquals(Severity.HIGH, m.of(Decision.DENY, "prod", NS_RULE));
    assertEquals(Severity.HIGH, m.of(Decision.UNKNOWN, "prod", List.of("unknown")));
    assertEquals(Severity.LOW, m.of(Decision.DRYRUN_DENY, "prod", NS_RULE));
  }

  @Test
  void aDecisionNotNamedKeepsItsDefault() {
    SeverityMapping m = SeverityMapping.parse("deny=critical", "", "");
    assertEquals(Severity.CRITICAL, m.of(Decision.DENY, "prod", NS_RULE));
    assertEquals(Severity.HIGH, m.of(Decision.UNKNOWN, "prod", NS_RULE));
    assertEquals(Severity.LOW, m.of(Decision.DRYRUN_DENY, "prod", NS_RULE));
  }

  @Test
  void aRuleOverrideComesBeforeTheNamespaceAndTheGravestRuleWins() {
    SeverityMapping m =
        SeverityMapping.parse(
            null,
            "sandbox=low, prod=critical",
            "imageFreshnessCheck=medium,vulnerabilityCheck=critical");

    assertEquals(Severity.LOW, m.of(Decision.DENY, "sandbox", NS_RULE), "namespace over decision");
    assertEquals(
        Severity.CRITICAL, m.of(Decision.DRYRUN_DENY, "prod", NS_RULE), "namespace over decision");
    assertEquals(
        Severity.MEDIUM,
        m.of(Decision.DENY, "prod", List.of("imageFreshnessCheck")),
        "rule over namespace");
    assertEquals(
        Severity.CRITICAL,
        m.of(Decision.DENY, "sandbox", List.of("imageFreshnessCheck", "vulnerabilityCheck")),
        "the gravest of the failing rules");
    assertEquals(
        Severity.HIGH, m.of(Decision.DENY, "payments", NS_RULE), "no override: the decision's");
  }

  @Test
  void unusableEntriesAreRejectedNamingThem() {
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> SeverityMapping.parse("ALLOW=low", "", ""))
            .getMessage()
            .contains("ALLOW"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> SeverityMapping.parse("", "prod=urgent", ""))
            .getMessage()
            .contains("urgent"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> SeverityMapping.parse("", "prod", ""))
            .getMessage()
            .contains("'prod' is not name=severity"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> SeverityMapping.parse("", "a=low,a=high", ""))
            .getMessage()
            .contains("twice"));
  }

  @Test
  void theSettingsReadTheMappingAndFailNamingTheKey() {
    StreamsSettings s =
        StreamsSettings.fromMap(
            Map.of(
                "streams.severity.namespaces", "prod=critical",
                "streams.severity.rules", "imageFreshnessCheck=medium"),
            "127.0.0.1:9",
            Path.of("state"));
    assertEquals(
        SeverityMapping.parse(
            SeverityMapping.DEFAULT_DECISIONS, "prod=critical", "imageFreshnessCheck=medium"),
        s.severity());
    assertEquals(
        SeverityMapping.DEFAULT,
        StreamsSettings.defaults("127.0.0.1:9", Path.of("state")).severity());

    var ex =
        assertThrows(
            SettingException.class,
            () ->
                StreamsSettings.fromMap(
                    Map.of("streams.severity.rules", "imageFreshnessCheck=soon"),
                    "127.0.0.1:9",
                    Path.of("state")));
    assertTrue(ex.getMessage().contains("streams.severity.rules"), ex.getMessage());
    assertTrue(ex.getMessage().contains("soon"), ex.getMessage());
  }
}
