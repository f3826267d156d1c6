package dev.vigil.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The chart's copies of the monitoring files, and the Strimzi resources, against their sources. */
class DeployFilesTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void chartCarriesTheShippedRulesAndDashboardUnchanged() throws Exception {
    assertEquals(
        Files.readString(ROOT.resolve("monitoring/prometheus/vigil-rules.yml")),
        Files.readString(ROOT.resolve("deploy/helm/vigil/files/vigil-rules.yml")),
        "copy monitoring/prometheus/vigil-rules.yml to deploy/helm/vigil/files/");
    assertEquals(
        Files.readString(ROOT.resolve("monitoring/grafana/vigil-dashboard.json")),
        Files.readString(ROOT.resolve("deploy/helm/vigil/files/vigil-dashboard.json")),
        "copy monitoring/grafana/vigil-dashboard.json to deploy/helm/vigil/files/");
  }

  @Test
  void everyCatalogueTopicIsAKafkaTopicWithItsPartitionsCleanupAndReplication() throws Exception {
    Map<String, Map<String, Object>> expected = new TreeMap<>();
    for (Topic<?> t : Topics.ALL) {
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("partitions", t.partitions());
      spec.put("replicas", 3);
      Map<String, String> config = new TreeMap<>(t.configs());
      config.put("min.insync.replicas", "2");
      spec.put("config", config);
      expected.put(t.name(), spec);
    }
    Map<String, Map<String, Object>> shipped = new TreeMap<>();
    for (JsonNode d : docs(ROOT.resolve("deploy/strimzi/kafka-topics.yaml"))) {
      assertEquals("KafkaTopic", d.path("kind").asText());
      assertEquals(
          "vigil-kafka", d.at("/metadata/labels/strimzi.io~1cluster").asText(), d.toString());
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("partitions", d.at("/spec/partitions").asInt());
      spec.put("replicas", d.at("/spec/replicas").asInt());
      Map<String, String> config = new TreeMap<>();
      d.at("/spec/config")
          .fields()
          .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
      spec.put("config", config);
      shipped.put(d.at("/spec/topicName").asText(), spec);
    }
    assertEquals(expected, shipped);
  }

  @Test
  void kafkaIsThreeBrokersReplicatingThreeTimesAndWritingToTwo() throws Exception {
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    for (JsonNode d : docs(ROOT.resolve("deploy/strimzi/kafka.yaml"))) {
      byName.put(d.path("kind").asText() + "/" + d.at("/metadata/name").asText(), d);
    }
    JsonNode kafka = byName.get("Kafka/vigil-kafka");
    JsonNode brokers = byName.get("KafkaNodePool/brokers");
    assertEquals("broker", brokers.at("/spec/roles/0").asText());
    assertEquals(3, brokers.at("/spec/replicas").asInt());
    assertEquals(3, byName.get("KafkaNodePool/controllers").at("/spec/replicas").asInt());
    assertEquals("enabled", kafka.at("/metadata/annotations/strimzi.io~1kraft").asText());
    JsonNode config = kafka.at("/spec/kafka/config");
    assertEquals(3, config.path("default.replication.factor").asInt());
    assertEquals(2, config.path("min.insync.replicas").asInt());
    assertEquals(3, config.path("transaction.state.log.replication.factor").asInt());
    assertEquals(2, config.path("transaction.state.log.min.isr").asInt());
    assertEquals(false, config.path("auto.create.topics.enable").asBoolean(true));
    // The chart's default bootstrap address is this cluster's plain listener.
    JsonNode values = YAML.readTree(ROOT.resolve("deploy/helm/vigil/values.yaml").toFile());
    assertEquals(
        "vigil-kafka-kafka-bootstrap."
            + kafka.at("/metadata/namespace").asText()
            + ".svc:"
            + kafka.at("/spec/kafka/listeners/0/port").asInt(),
        values.at("/kafka/bootstrapServers").asText());
  }

  static List<JsonNode> docs(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    try (var parser = YAML.getFactory().createParser(file.toFile())) {
      for (Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode d = it.next();
        if (d != null && !d.isEmpty()) {
          out.add(d);
        }
      }
    }
    return out;
  }
}
