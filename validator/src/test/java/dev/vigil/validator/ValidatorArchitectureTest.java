package dev.vigil.validator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/** The validator stays pure: no messaging, cluster, metrics or network code. */
class ValidatorArchitectureTest {

  static final JavaClasses VALIDATOR =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.vigil.validator");

  @Test
  void validatorImportsNoKafkaKubernetesMetricsOrHttp() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage("dev.vigil.validator..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "org.apache.kafka..",
                "io.fabric8..",
                "io.micrometer..",
                "java.net.http..",
                "org.apache.http..",
                "org.apache.hc..",
                "okhttp3..",
                "io.netty..",
                "jakarta.servlet..",
                "javax.servlet..",
                "com.sun.net.httpserver..",
                "io.vertx..")
            .because(
                "the validator is a pure library (DESIGN.md: no Kafka, no Kubernetes, no I/O): "
                    + "put adapters in ingest or streams and pass what the validator needs in as values "
                    + "(PodContext, Facts, PolicyDocument)");

    rule.check(VALIDATOR);
  }

  @Test
  void validatorDoesNoNetworkOrFileIo() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage("dev.vigil.validator..")
            .should()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.net.URL")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.net.Socket")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.net.HttpURLConnection")
            .orShould()
            .dependOnClassesThat()
            .resideInAPackage("java.nio.file..")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.io.FileInputStream")
            .because(
                "evaluation must not do I/O: callers read files or topics and hand the validator "
                    + "strings and records");

    rule.check(VALIDATOR);
  }
}
