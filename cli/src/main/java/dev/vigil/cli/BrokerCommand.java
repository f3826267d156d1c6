package dev.vigil.cli;

import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vigil broker}: a real single-node Kafka (KRaft) in this process, until Ctrl-C. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description =
        "Start an embedded Kafka broker (KRaft, loopback only, no TLS: for development) and print its bootstrap address until Ctrl-C.")
final class BrokerCommand implements Callable<Integer> {

  @Option(
      names = "--data-dir",
      defaultValue = "${env:VIGIL_DATA_DIR:-.vigil/kafka}",
      description =
          "Where the broker keeps its data (default ${DEFAULT-VALUE}); kept across restarts.")
  Path dataDir;

  @Option(
      names = "--port",
      defaultValue = "9092",
      description = "Client port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--create-topics",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Create Vigil's topics on start (default: yes; --no-create-topics skips it).")
  boolean createTopics;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, port, Map.of());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  kafka.close();
                  stopped.countDown();
                },
                "vigil-broker-shutdown"));
    if (createTopics) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        new TopicAdmin(admin, (short) 1).create(Topics.ALL);
      }
    }
    out.println("bootstrap.servers=" + kafka.bootstrapServers());
    out.println("data.dir=" + dataDir.toAbsolutePath());
    out.println("Kafka is running; Ctrl-C stops it.");
    out.flush();
    stopped.await();
    return 0;
  }
}
