package dev.vigil.streams;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * {@link PodLifecycle} and {@link HygieneLifecycle} stay pure functions: no Kafka Streams, metrics
 * or clock of their own.
 */
class PodLifecycleArchitectureTest {

  static final JavaClasses STREAMS =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.vigil.streams");

  @Test
  void thePodLifecycleUsesNoStoreContextMetricOrClock() {
    ArchRule rule =
        noClasses()
            .that()
            .haveNameMatching("dev\\.vigil\\.streams\\.(Pod|Hygiene)Lifecycle(\\$.*)?")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.apache.kafka..", "io.micrometer..")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName(VigilMetrics.class.getName())
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName(HygieneMetrics.class.getName())
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName(Clock.class.getName())
            .orShould()
            .callMethod(Instant.class, "now")
            .orShould()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .callMethod(System.class, "nanoTime")
            .because(
                "PodLifecycle.step and HygieneLifecycle.step decide from their arguments alone (ADR 0130): read stores, the "
                    + "clock and settings in ContinuousValidationProcessor or a punctuator and pass "
                    + "them in; move metrics to the processor's observe step");
    rule.check(STREAMS);
  }
}
