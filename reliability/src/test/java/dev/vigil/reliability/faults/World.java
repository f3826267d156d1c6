package dev.vigil.reliability.faults;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.WorkloadRef;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** Test data and waiting helpers shared by the fault tests. */
final class World {

  static final String CLUSTER = "us-central1-a.prod";
  static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
  static final String API = "us-docker.pkg.dev/acme/app/api";

  /** Long variants: {@code -Dvigil.reliability.long=true}. */
  static final boolean LONG = Boolean.getBoolean("vigil.reliability.long");

  private World() {}

  static String digest(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  static PodEvent pod(PodEvent.Type type, String ns, String name, long rv, String image) {
    ContainerImage c = new ContainerImage("c0", ContainerImage.Kind.CONTAINER, image, image);
    return new PodEvent(
        name + "@" + rv + "/" + type,
        CLUSTER,
        type,
        ns,
        name,
        "uid-" + name,
        "default",
        "Running",
        new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, ns, name.replaceAll("-\\d+$", "")),
        List.of(c),
        Map.of(),
        Map.of(),
        String.valueOf(rv),
        T0.plusSeconds(rv));
  }

  /** A Binary Authorization policy of scope {@code *} with this default rule. */
  static PolicyDocument policy(long version, String evaluationMode, String... allowlist) {
    StringBuilder allow =
        new StringBuilder(allowlist.length == 0 ? "" : "admissionWhitelistPatterns:\n");
    for (String a : allowlist) {
      allow.append("- namePattern: ").append(a).append('\n');
    }
    String y =
        "name: projects/acme/policy\nglobalPolicyEvaluationMode: DISABLE\n"
            + allow
            + "defaultAdmissionRule:\n"
            + "  evaluationMode: "
            + evaluationMode
            + "\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";
    return PolicyDocument.of(
        "*",
        PolicyDocument.Kind.BINAUTHZ_POLICY,
        "projects/acme/policy",
        version,
        PolicyDocument.Format.YAML,
        y,
        "test",
        T0);
  }

  /** An audit EventList of real falco pod-create samples with these auditIDs. */
  static byte[] auditBatch(List<String> auditIds) {
    ObjectNode list = Json.mapper().createObjectNode();
    list.put("kind", "EventList").put("apiVersion", "audit.k8s.io/v1");
    list.putObject("metadata");
    ArrayNode items = list.putArray("items");
    for (String id : auditIds) {
      ObjectNode e = sample();
      e.put("auditID", id);
      items.add(e);
    }
    return Json.write(list);
  }

  private static ObjectNode sample() {
    try (InputStream in =
        World.class.getResourceAsStream("/k8s-audit/create_pod_kube_system_namespace.json")) {
      return (ObjectNode) Json.mapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits (Awaitility) for {@code condition} until {@code timeout}; false when it never held, so
   * that the test can print what it saw before it fails.
   */
  static boolean await(BooleanSupplier condition, Duration timeout) {
    try {
      Awaitility.await().atMost(timeout).until(condition::getAsBoolean);
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }

  /** Starts the broker again on its data directory, with the ports of its first start. */
  static EmbeddedKafka restart(Path dir) throws Exception {
    Properties p = new Properties();
    try (BufferedReader r = Files.newBufferedReader(dir.resolve("server.properties"))) {
      p.load(r);
    }
    String listeners = p.getProperty("listeners");
    int port =
        Integer.parseInt(listeners.replaceAll(".*PLAINTEXT://127\\.0\\.0\\.1:(\\d+).*", "$1"));
    return EmbeddedKafka.start(
        dir,
        port,
        Map.of(
            "listeners",
            listeners,
            "controller.quorum.bootstrap.servers",
            p.getProperty("controller.quorum.bootstrap.servers")));
  }

  /** Reads topics from the beginning (committed records only), keeping every value seen. */
  static final class Outputs implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, List<byte[]>> seen = new java.util.HashMap<>();

    Outputs(String bootstrap, List<Topic<?>> topics) {
      Properties p = new Properties();
      p.put("bootstrap.servers", bootstrap);
      p.put("isolation.level", "read_committed");
      consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> parts = new ArrayList<>();
      for (Topic<?> t : topics) {
        for (int i = 0; i < t.partitions(); i++) {
          parts.add(new TopicPartition(t.name(), i));
        }
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
    }

    /** Polls once for up to {@code d}. */
    synchronized void poll(Duration d) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(d)) {
        if (r.value() != null) {
          seen.computeIfAbsent(r.topic(), k -> new ArrayList<>()).add(r.value());
        }
      }
    }

    private final Map<String, List<Object>> parsed = new java.util.HashMap<>();

    /** Every value seen on {@code topic}; parsed once (the long variants read 200,000 records). */
    @SuppressWarnings("unchecked")
    synchronized <V> List<V> values(Topic<V> topic, Class<V> type) {
      List<byte[]> raw = seen.getOrDefault(topic.name(), List.of());
      List<Object> done = parsed.computeIfAbsent(topic.name(), k -> new ArrayList<>());
      for (int i = done.size(); i < raw.size(); i++) {
        done.add(Json.read(raw.get(i), type));
      }
      return (List<V>) (List<?>) List.copyOf(done);
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
