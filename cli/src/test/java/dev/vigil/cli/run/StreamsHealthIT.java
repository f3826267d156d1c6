package dev.vigil.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.cli.ops.OpsServer;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /healthz} and {@code /readyz} tell the truth about a real Kafka Streams instance: ready
 * and alive while RUNNING; once its global thread dies (the fate of a global-store processor that
 * throws, as Vigil's policy, attestation and metadata stores have), Kafka Streams goes to ERROR and
 * the liveness probe fails, so Kubernetes restarts the process instead of keeping a pod that no
 * longer validates anything.
 */
class StreamsHealthIT {

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void healthFailsOnceTheGlobalThreadDiesAndTheInstanceIsInError() throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin
            .createTopics(
                List.of(new NewTopic("facts", 1, (short) 1), new NewTopic("pods", 1, (short) 1)))
            .all()
            .get();
      }
      KafkaStreams streams = poisonableApp(kafka.bootstrapServers());
      try (OpsServer ops =
          OpsServer.start(
              new InetSocketAddress("127.0.0.1", 0),
              "--metrics-listen",
              OpsServer.newRegistry(),
              () -> StreamsHealth.unhealthy(streams),
              () -> StreamsHealth.notReady(streams))) {
        HttpResponse<String> notStarted = get(ops, "/readyz");
        streams.start();
        await(streams, KafkaStreams.State.RUNNING);
        HttpResponse<String> runningHealth = get(ops, "/healthz");
        HttpResponse<String> runningReady = get(ops, "/readyz");

        try (KafkaProducer<String, String> p =
            new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringSerializer(),
                new StringSerializer())) {
          p.send(new ProducerRecord<>("facts", "policy", "poison")).get();
        }
        await(streams, KafkaStreams.State.ERROR);
        HttpResponse<String> errorHealth = get(ops, "/healthz");
        HttpResponse<String> errorReady = get(ops, "/readyz");

        assertEquals(503, notStarted.statusCode());
        assertTrue(notStarted.body().startsWith("streams: CREATED"), notStarted.body());
        assertEquals(200, runningHealth.statusCode(), runningHealth.body());
        assertEquals(200, runningReady.statusCode(), runningReady.body());
        assertEquals(503, errorHealth.statusCode());
        assertTrue(
            errorHealth.body().startsWith("streams: ERROR: Kafka Streams stopped after a failure"),
            errorHealth.body());
        assertEquals(503, errorReady.statusCode());
      } finally {
        streams.close(Duration.ofSeconds(10));
      }
    }
  }

  @Test
  void stoppedWithoutBeingAskedIsUnhealthyButAStartingInstanceIsNot() throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      KafkaStreams streams = poisonableApp(kafka.bootstrapServers());
      Map<String, String> created = StreamsHealth.unhealthy(streams);
      streams.close(Duration.ofSeconds(10));

      assertEquals(Map.of(), created);
      assertEquals(KafkaStreams.State.NOT_RUNNING, streams.state());
      assertTrue(StreamsHealth.unhealthy(streams).get("streams").startsWith("NOT_RUNNING"));
    }
  }

  /**
   * A global store fed from "facts" whose processor throws on "poison", and a stream over "pods".
   */
  private KafkaStreams poisonableApp(String bootstrapServers) {
    StreamsBuilder b = new StreamsBuilder();
    b.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("facts-store"), Serdes.String(), Serdes.String())
            .withLoggingDisabled(),
        "facts",
        Consumed.with(Serdes.String(), Serdes.String()),
        () ->
            new Processor<String, String, Void, Void>() {
              private KeyValueStore<String, String> store;

              @Override
              public void init(ProcessorContext<Void, Void> context) {
                store = context.getStateStore("facts-store");
              }

              @Override
              public void process(Record<String, String> r) {
                if ("poison".equals(r.value())) {
                  throw new IllegalStateException("unusable fact");
                }
                store.put(r.key(), r.value());
              }
            });
    b.stream("pods", Consumed.with(Serdes.String(), Serdes.String())).foreach((k, v) -> {});
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "health-" + System.nanoTime());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    KafkaStreams streams = new KafkaStreams(b.build(), p);
    // As VigilStreamsApp: failed stream threads are replaced; a global thread cannot be.
    streams.setUncaughtExceptionHandler(
        e -> StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
    return streams;
  }

  private static void await(KafkaStreams streams, KafkaStreams.State state)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (streams.state() != state && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(state, streams.state());
  }

  private HttpResponse<String> get(OpsServer ops, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.address().getPort() + path))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
