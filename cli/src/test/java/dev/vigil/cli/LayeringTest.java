package dev.vigil.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The module layering, checked on the main classes of every module (cli sees them all): schemas at
 * the bottom, the validator on it, ingest and streams on the validator, cli on top; report reads
 * only schemas; nothing reaches up into cli. The Maven dependencies allow less than a module might
 * be tempted to add; these rules say why, and how to fix a breach.
 */
class LayeringTest {

  static final JavaClasses VIGIL =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          // Test jars of other modules (ingest's, for its test fixtures) are on this classpath too.
          .withImportOption(location -> !location.contains("-tests.jar"))
          .importPackages("dev.vigil");

  @Test
  void modulesOnlyUseTheModulesBelowThem() {
    ArchRule rule =
        layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("schemas")
            .definedBy("dev.vigil.schemas..")
            .layer("validator")
            .definedBy("dev.vigil.validator..")
            .layer("ingest")
            .definedBy("dev.vigil.ingest..")
            .layer("streams")
            .definedBy("dev.vigil.streams..")
            .layer("report")
            .definedBy("dev.vigil.report..")
            .layer("policy-reports")
            .definedBy("dev.vigil.policyreports..")
            .layer("embedded-kafka")
            .definedBy("dev.vigil.kafka..")
            .layer("cli")
            .definedBy("dev.vigil.cli..")
            .whereLayer("cli")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("ingest")
            .mayOnlyBeAccessedByLayers("cli")
            .whereLayer("streams")
            .mayOnlyBeAccessedByLayers("cli")
            .whereLayer("report")
            .mayOnlyBeAccessedByLayers("cli")
            .whereLayer("policy-reports")
            .mayOnlyBeAccessedByLayers("cli")
            .whereLayer("embedded-kafka")
            .mayOnlyBeAccessedByLayers("cli")
            .whereLayer("validator")
            .mayOnlyBeAccessedByLayers("ingest", "streams", "cli")
            .whereLayer("schemas")
            .mayNotAccessAnyLayer()
            .whereLayer("validator")
            .mayOnlyAccessLayers("schemas")
            .whereLayer("ingest")
            .mayOnlyAccessLayers("schemas", "validator")
            .whereLayer("streams")
            .mayOnlyAccessLayers("schemas", "validator")
            .whereLayer("report")
            .mayOnlyAccessLayers("schemas")
            .whereLayer("policy-reports")
            .mayOnlyAccessLayers("schemas")
            .whereLayer("embedded-kafka")
            .mayNotAccessAnyLayer()
            .because(
                "schemas <- validator <- ingest/streams <- cli, report reads only schemas: move shared code"
                    + " down (a record or topic into schemas, a pure rule into validator) instead of reaching across"
                    + " or up, and compose modules in cli");

    rule.check(VIGIL);
  }

  @Test
  void nothingOutsideCliUsesPicocli() {
    ArchRule rule =
        noClasses()
            .that()
            .resideOutsideOfPackage("dev.vigil.cli..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("picocli..")
            .because(
                "command-line parsing belongs to cli: modules take typed settings, cli maps flags onto them");

    rule.check(VIGIL);
  }
}
