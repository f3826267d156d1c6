package dev.vigil.reliability.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.Verdict;
import dev.vigil.schemas.ViolationTransition;
import dev.vigil.schemas.ViolationTransition.Transition;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, fault "kill a streams instance abruptly": the streams application runs in its own JVM
 * ({@link StreamsProcessMain}); it is killed with SIGKILL while judging N pod events, restarted,
 * killed again while re-evaluating after a policy change, and restarted again. The violation
 * transitions must be exactly those of an undisturbed run, which for this input is known in
 * advance: every pod with the unlisted image opens one DENY violation under policy v1, and every
 * one of them is resolved once under v2; pods with the allowlisted image never open one. None
 * missing, none duplicated (read_committed, counted per pod).
 *
 * <p>N is 1,000 by default and 200,000 with {@code -Dvigil.reliability.long=true}. Every input
 * record must be acknowledged before the first instance starts: a test that silently lost input
 * would blame Vigil for it (the input topics are new; {@link TopicAdmin#create} waits until they
 * are served, see there why).
 */
class StreamsKillIT {

  static final int N = World.LONG ? 200_000 : 1_000;
  static final String GOOD = "us-docker.pkg.dev/acme/good/api@" + World.digest('a');
  static final String BAD = "us-docker.pkg.dev/acme/bad/api@" + World.digest('b');
  static final String APP = "vigil-kill";

  @TempDir static Path dir;
  static String bootstrap;

  @Test
  void transitionsAfterTwoSigkillsEqualThoseOfAnUndisturbedRun() throws Exception {
    long t0 = System.nanoTime();
    List<String> phases = new ArrayList<>();
    EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    bootstrap = kafka.bootstrapServers();
    Process p = null;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).create(Topics.ALL);
      Properties pp = new Properties();
      pp.put("bootstrap.servers", bootstrap);
      pp.put("acks", "all");
      pp.put("enable.idempotence", "true");
      pp.put("linger.ms", "20");
      // A batch that cannot be written fails its send within a minute instead of two.
      pp.put("delivery.timeout.ms", "60000");
      // Pods placed as ingest places them (ADR 0160): a restart checks the layout of the state.
      pp.putAll(dev.vigil.schemas.PodPartitioning.WORKLOAD.producerProperties());
      try (KafkaProducer<byte[], byte[]> producer =
              new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer());
          World.Outputs out =
              new World.Outputs(bootstrap, List.of(Topics.VERDICTS, Topics.VIOLATIONS))) {
        // Given policy v1 (deny all but the good repository) and N pod events, half of them bad,
        PolicyDocument v1 = World.policy(1, "ALWAYS_DENY", "us-docker.pkg.dev/acme/good/*");
        send(producer, Topics.POLICIES.name(), v1.key(), Json.write(v1));
        List<Future<RecordMetadata>> sent = new ArrayList<>(N);
        for (int i = 0; i < N; i++) {
          PodEvent e =
              World.pod(
                  PodEvent.Type.ADDED,
                  "ns-" + (i % 50),
                  "pod-" + i,
                  1000 + i,
                  i % 2 == 0 ? GOOD : BAD);
          sent.add(
              producer.send(
                  new ProducerRecord<>(
                      Topics.POD_EVENTS.name(),
                      e.key().getBytes(StandardCharsets.UTF_8),
                      Json.write(e))));
        }
        producer.flush();
        assertAllAcknowledged(sent);
        phases.add("input acknowledged " + seconds(t0));

        // when the instance is killed while judging them, and started again,
        p = start();
        int atFirstKill = killWhen(p, out, () -> judged(out) >= N / 4, () -> judged(out));
        phases.add("first kill " + seconds(t0));
        p = start();
        assertTrue(
            poll(out, () -> judged(out) == N, Duration.ofSeconds(World.LONG ? 1800 : 300)),
            "judged " + judged(out) + " of " + N);
        phases.add("all judged " + seconds(t0));

        // and killed again while re-evaluating after a policy change (v2 allows everything),
        PolicyDocument v2 = World.policy(2, "ALWAYS_ALLOW");
        send(producer, Topics.POLICIES.name(), v2.key(), Json.write(v2));
        int atSecondKill =
            killWhen(
                p,
                out,
                () -> count(out, Transition.RESOLVED) >= N / 20,
                () -> count(out, Transition.RESOLVED));
        phases.add("second kill " + seconds(t0));
        p = start();
        assertTrue(
            poll(
                out,
                () -> count(out, Transition.RESOLVED) >= N / 2,
                Duration.ofSeconds(World.LONG ? 1800 : 300)),
            "resolved " + count(out, Transition.RESOLVED) + " of " + N / 2);
        phases.add("all resolved " + seconds(t0));
        // (a bounded extra look, for duplicates arriving late)
        poll(out, () -> false, Duration.ofSeconds(5));

        // then the transitions are exactly those of an undisturbed run.
        List<ViolationTransition> all = out.values(Topics.VIOLATIONS, ViolationTransition.class);
        Map<String, List<String>> byPod = new TreeMap<>();
        for (ViolationTransition t : all) {
          byPod
              .computeIfAbsent(t.podName(), k -> new ArrayList<>())
              .add(t.transition() + ":" + t.current());
        }
        Map<String, List<String>> expected = new TreeMap<>();
        for (int i = 1; i < N; i += 2) {
          expected.put("pod-" + i, List.of("OPENED:DENY", "RESOLVED:ALLOW"));
        }
        System.out.printf(
            "kill: N=%d; first SIGKILL after %d pods judged, second after %d of %d violations resolved;"
                + " transitions expected %d, found %d (opened %d, resolved %d, changed %d)%n",
            N,
            atFirstKill,
            atSecondKill,
            N / 2,
            2 * (N / 2),
            all.size(),
            count(out, Transition.OPENED),
            count(out, Transition.RESOLVED),
            count(out, Transition.CHANGED));
        System.out.println("kill: times from the start: " + String.join(", ", phases));
        if (!expected.equals(byPod)) {
          Map<String, List<String>> diff = new TreeMap<>();
          Set<String> pods = new java.util.TreeSet<>(expected.keySet());
          pods.addAll(byPod.keySet());
          for (String pod : pods) {
            if (!java.util.Objects.equals(expected.get(pod), byPod.get(pod))) {
              diff.put(pod, byPod.get(pod));
              if (diff.size() > 20) {
                break;
              }
            }
          }
          throw new AssertionError(
              "transitions differ from an undisturbed run; first pods that differ (found): "
                  + diff);
        }
        assertEquals(N, all.size());
      }
    } finally {
      if (p != null) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      kafka.close();
    }
  }

  static String seconds(long since) {
    return (System.nanoTime() - since) / 1_000_000_000L + " s";
  }

  /** Fails, saying how many and why, if Kafka did not acknowledge every one of {@code sent}. */
  static void assertAllAcknowledged(List<Future<RecordMetadata>> sent) throws InterruptedException {
    int failed = 0;
    Throwable first = null;
    for (Future<RecordMetadata> f : sent) {
      try {
        f.get(120, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        failed++;
        first = first == null ? (e instanceof ExecutionException ? e.getCause() : e) : first;
      }
    }
    if (failed > 0) {
      throw new AssertionError(
          "the input is incomplete: Kafka did not acknowledge "
              + failed
              + " of "
              + sent.size()
              + " pod events; first error: "
              + first,
          first);
    }
  }

  static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
  }

  static int judged(World.Outputs out) {
    return (int)
        out.values(Topics.VERDICTS, Verdict.class).stream()
            .filter(v -> v.trigger() == Verdict.Trigger.POD_EVENT)
            .map(Verdict::podName)
            .distinct()
            .count();
  }

  static int count(World.Outputs out, Transition t) {
    return (int)
        out.values(Topics.VIOLATIONS, ViolationTransition.class).stream()
            .filter(v -> v.transition() == t)
            .count();
  }

  static boolean poll(World.Outputs out, java.util.function.BooleanSupplier done, Duration timeout)
      throws InterruptedException {
    return World.await(
        () -> {
          out.poll(Duration.ofMillis(200));
          return done.getAsBoolean();
        },
        timeout);
  }

  /** Waits for {@code when}, then SIGKILLs the process; returns {@code progress} at the kill. */
  static int killWhen(
      Process p,
      World.Outputs out,
      java.util.function.BooleanSupplier when,
      java.util.function.IntSupplier progress)
      throws Exception {
    assertTrue(
        poll(
            out,
            () -> when.getAsBoolean() || !p.isAlive(),
            Duration.ofSeconds(World.LONG ? 1800 : 300)),
        "never reached the kill point");
    assertTrue(p.isAlive(), "the instance died by itself");
    int at = progress.getAsInt();
    // Process.destroyForcibly is SIGKILL on Linux; no shutdown hook, no commit, no close.
    p.destroyForcibly();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(137, p.exitValue(), "killed by SIGKILL");
    return at;
  }

  /**
   * Starts {@link StreamsProcessMain} in a new JVM on the test class path and waits until RUNNING.
   */
  static Process start() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder b =
        new ProcessBuilder(
                java,
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-Dlog4j2.configurationFile=log4j2-test.xml",
                "-cp",
                System.getProperty("java.class.path"),
                StreamsProcessMain.class.getName(),
                bootstrap,
                dir.resolve("state").toString(),
                APP)
            .redirectErrorStream(true);
    Process p = b.start();
    CompletableFuture<Boolean> running = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  if (line.equals("RUNNING")) {
                    running.complete(true);
                  } else if (line.contains("ERROR") || line.contains("Exception")) {
                    System.out.println("[streams process] " + line);
                  }
                }
              } catch (java.io.IOException e) {
                // the process was killed
              }
              running.complete(false);
            },
            "streams-process-output");
    reader.setDaemon(true);
    reader.start();
    assertTrue(running.get(120, TimeUnit.SECONDS), "the streams process did not reach RUNNING");
    return p;
  }
}
