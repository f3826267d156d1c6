package dev.vigil.kafka;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Chooses the Kafka that integration tests run against.
 *
 * <p>The default is the {@link EmbeddedKafka embedded broker}. Contributors with Docker can run the
 * same tests against Testcontainers' Kafka ({@code apache/kafka} image) with {@code
 * -Dvigil.it.kafka=testcontainers}, which the Maven profile {@code -Ptestcontainers} sets.
 */
public final class KafkaClusters {

  /** The system property that selects the test cluster. */
  public static final String PROPERTY = "vigil.it.kafka";

  private KafkaClusters() {}

  /**
   * Starts the cluster selected by {@value #PROPERTY}, keeping any local data under {@code dir}.
   */
  public static KafkaCluster forTests(Path dir) {
    String kind = System.getProperty(PROPERTY, "embedded").trim().toLowerCase(Locale.ROOT);
    switch (kind) {
      case "embedded":
      case "":
        return EmbeddedKafka.start(dir);
      case "testcontainers":
        return TestcontainersKafka.start();
      default:
        throw new IllegalArgumentException(
            PROPERTY + " must be 'embedded' or 'testcontainers', not '" + kind + "'");
    }
  }
}
