package dev.vigil.streams;

import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/** The whole topology in a {@link TopologyTestDriver}, with typed inputs and outputs. */
final class TopologyHarness implements AutoCloseable {

  final StreamsSettings settings;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final VigilMetrics metrics = new VigilMetrics(registry, Clock.systemUTC());
  final Topology topology;
  final TopologyTestDriver driver;
  private Instant recordTime = Fixtures.T0;

  private final TestOutputTopic<String, Verdict> verdicts;
  private final TestOutputTopic<String, dev.vigil.schemas.TemplateVerdict> templateVerdicts;
  private final TestOutputTopic<String, ViolationTransition> violations;
  private final TestOutputTopic<String, FollowUp> followUps;
  private final TestOutputTopic<String, DeadLetter> deadLetters;

  final List<Verdict> allVerdicts = new ArrayList<>();
  final List<ViolationTransition> allViolations = new ArrayList<>();
  final List<FollowUp> allFollowUps = new ArrayList<>();
  final List<DeadLetter> allDeadLetters = new ArrayList<>();

  /** The production topology, with the real validator ({@code Evaluator.create()}). */
  TopologyHarness(Path stateDir) {
    this(stateDir, java.util.Map.of());
  }

  /** As {@link #TopologyHarness(Path)}, with some streams settings set (by key). */
  TopologyHarness(Path stateDir, java.util.Map<String, String> overrides) {
    java.util.Map<String, String> values = new java.util.HashMap<>(overrides);
    values.put(StreamsSettings.APPLICATION_ID.key(), "vigil-test");
    settings = StreamsSettings.fromMap(values, "127.0.0.1:9", stateDir);
    topology = VigilTopology.build(settings, ValidationEngine.standard(), metrics);
    Properties props = settings.streamsProperties();
    props.put(VigilMetrics.CONFIG_KEY, metrics);
    driver = new TopologyTestDriver(topology, props, Fixtures.T0);
    verdicts = output(Topics.VERDICTS);
    templateVerdicts = output(Topics.TEMPLATE_VERDICTS);
    violations = output(Topics.VIOLATIONS);
    followUps = output(Topics.FOLLOWUPS);
    deadLetters = output(Topics.DEAD_LETTER);
  }

  private <V> TestOutputTopic<String, V> output(Topic<V> t) {
    return driver.createOutputTopic(
        t.name(), new StringDeserializer(), t.valueSerde().deserializer());
  }

  /** Sends {@code value} to {@code topic} with key {@code key} (null value: tombstone). */
  <V> TopologyHarness send(Topic<V> topic, String key, V value) {
    Serde<V> serde = topic.valueSerde();
    TestInputTopic<String, V> in =
        driver.createInputTopic(topic.name(), new StringSerializer(), serde.serializer());
    recordTime = recordTime.plusMillis(1);
    in.pipeInput(key, value, recordTime);
    return this;
  }

  /** The timestamp of the last record sent. */
  Instant lastRecordTime() {
    return recordTime;
  }

  /** Lets stream time pass: the next record sent is stamped {@code d} later. */
  TopologyHarness later(Duration d) {
    recordTime = recordTime.plus(d);
    return this;
  }

  /** Sends raw bytes (for unreadable input). */
  TopologyHarness sendRaw(Topic<?> topic, String key, byte[] value) {
    TestInputTopic<String, byte[]> in =
        driver.createInputTopic(
            topic.name(),
            new StringSerializer(),
            new org.apache.kafka.common.serialization.ByteArraySerializer());
    in.pipeInput(key, value, recordTime);
    return this;
  }

  /** Lets wall-clock time pass (punctuators run). */
  TopologyHarness advance(Duration d) {
    driver.advanceWallClockTime(d);
    return this;
  }

  /** Drains the output topics; returns this for chaining. */
  TopologyHarness drain() {
    allVerdicts.addAll(verdicts.readValuesToList());
    allViolations.addAll(violations.readValuesToList());
    allFollowUps.addAll(followUps.readValuesToList());
    allDeadLetters.addAll(deadLetters.readValuesToList());
    return this;
  }

  /** The template verdicts published since the last call. */
  List<dev.vigil.schemas.TemplateVerdict> newTemplateVerdicts() {
    return templateVerdicts.readValuesToList();
  }

  List<Verdict> newVerdicts() {
    List<Verdict> v = verdicts.readValuesToList();
    allVerdicts.addAll(v);
    return v;
  }

  List<ViolationTransition> newViolations() {
    List<ViolationTransition> v = violations.readValuesToList();
    allViolations.addAll(v);
    return v;
  }

  List<FollowUp> newFollowUps() {
    List<FollowUp> v = followUps.readValuesToList();
    allFollowUps.addAll(v);
    return v;
  }

  List<DeadLetter> newDeadLetters() {
    List<DeadLetter> v = deadLetters.readValuesToList();
    allDeadLetters.addAll(v);
    return v;
  }

  double counter(String name, String... tags) {
    var c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  double gauge(String name, String... tags) {
    var g = registry.find(name).tags(tags).gauge();
    return g == null ? 0 : g.value();
  }

  @Override
  public void close() {
    driver.close();
  }
}
