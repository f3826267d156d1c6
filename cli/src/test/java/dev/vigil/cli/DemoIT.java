package dev.vigil.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.cli.demo.Demo;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil demo} end to end: the scripted day produces the follow-ups and violations it
 * promises, and a real Prometheus server (Debian's {@code prometheus} package, installed by {@code
 * .ci/run}) scraping the demo fires the fail-open alert from the rules we ship.
 */
class DemoIT {

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void scriptedDayShowsFollowUpsAndReevaluationAndPrometheusFiresTheFailOpenAlert(@TempDir Path dir)
      throws Exception {
    StringWriter text = new StringWriter();
    PrintWriter out = new PrintWriter(text, true);
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger metricsPort = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread demo =
        new Thread(
            () -> {
              try {
                Demo.run(
                    new Demo.Options(
                        Duration.ofMinutes(5),
                        new InetSocketAddress("127.0.0.1", 0),
                        dir.resolve("demo"),
                        Duration.ofSeconds(3)),
                    out,
                    stop,
                    metricsPort::set);
              } catch (Throwable t) {
                failure.set(t);
              }
            },
            "demo");
    demo.start();
    Process prometheus = null;
    try {
      waitFor(Duration.ofMinutes(3), () -> metricsPort.get() > 0 || failure.get() != null, text);
      if (failure.get() != null) {
        fail("the demo failed to start; output so far:\n" + text, failure.get());
      }
      prometheus = startPrometheus(dir.resolve("prometheus"), metricsPort.get());
      int promPort = prometheusPort;

      waitFor(
          Duration.ofMinutes(4),
          () ->
              text.toString().contains("The scripted day is over")
                      && text.toString().contains("VIOLATION RESOLVED")
                      && text.toString().contains("hygiene/image-by-tag")
                      && text.toString().contains("hygiene/pull-secret")
                  || failure.get() != null,
          text);
      String log = text.toString();
      Files.writeString(Path.of("target", "demo-it-output.txt"), log);
      if (failure.get() != null) {
        fail("the demo stopped with an error; output so far:\n" + log, failure.get());
      }
      // Act 1 is true: the attestations are published before the pods, so no violation opens for
      // the compliant workloads, in act 1 or later (payments/api stays signed all day).
      String acts1and2 = log.substring(log.indexOf("\u25b6 1/9"), log.indexOf("\u25b6 3/9"));
      assertTrue(
          !acts1and2.contains("VIOLATION"), "acts 1 and 2 produce no violation: " + acts1and2);
      assertTrue(
          !log.matches("(?s).*VIOLATION \\w+\\s+\\S+/payments/api-(?!unsigned).*"),
          "payments/api never violates: " + log);
      assertAttestedBeforeThePodsStarted(log);
      assertTrue(
          log.matches(
              "(?s).*FOLLOW-UP FAIL_OPEN\\s+VERIFIED\\s+\\S+/payments DEPLOYMENT/checkout.*"),
          log);
      assertTrue(
          log.matches(
              "(?s).*FOLLOW-UP FAIL_OPEN\\s+ESCALATED\\s+\\S+/legacy DEPLOYMENT/batch-worker.*"),
          log);
      assertTrue(
          log.matches("(?s).*FOLLOW-UP BREAKGLASS\\s+\\S+\\s+\\S+/debug DEPLOYMENT/toolbox.*"),
          log);
      assertTrue(
          log.matches("(?s).*VIOLATION OPENED\\s+\\S+/tools/dashboard.*policy\\.yaml@2.*")
              || log.matches("(?s).*VIOLATION OPENED\\s+\\S+/tools/dashboard.*"),
          "policy change re-judged tools: " + log);
      assertTrue(
          log.matches("(?s).*VIOLATION RESOLVED\\s+\\S+/debug/toolbox.*"),
          "late attestation: " + log);
      assertTrue(
          log.matches(
              "(?s).*FOLLOW-UP FAIL_OPEN\\s+\\S+\\s+\\S+/sandbox POD/probe \\(1 pod\\) SUSPECTED BYPASS "
                  + "\\(3 prior denials\\).*"),
          "mallory's bypass: " + log);
      assertTrue(
          log.matches(
                  "(?s).*FOLLOW-UP FAIL_OPEN\\s+\\S+\\s+\\S+/sandbox POD/scratch \\(1 pod\\) id=.*")
              && !log.matches("(?s).*POD/scratch [^\\n]*SUSPECTED.*"),
          "bob's fail-open is not one: " + log);
      // Violations show their severity and one-line summary (schema v2).
      assertTrue(
          log.matches(
              "(?s).*VIOLATION OPENED\\s+\\S+/legacy/batch-worker-\\S+ \\(DEPLOYMENT batch-worker\\) "
                  + "high DENY: \\S+ \\S+ fails .*"),
          "severity and summary: " + log);
      // Act 9: a signed image by tag with a pull secret: allowed, with both registry-hygiene
      // findings.
      assertTrue(
          log.matches(
              "(?s).*HYGIENE\\s+OPENED\\s+\\S+/payments/web-\\S+ \\(DEPLOYMENT web\\) hygiene/image-by-tag \\(low\\).*"),
          "image-by-tag: " + log);
      assertTrue(
          log.matches(
              "(?s).*HYGIENE\\s+OPENED\\s+\\S+/payments/web-\\S+ \\(DEPLOYMENT web\\) "
                  + "hygiene/pull-secret-for-artifact-registry \\(medium\\).*"),
          "pull secret: " + log);
      assertTrue(
          !log.matches("(?s).*VIOLATION \\w+\\s+\\S+/payments/web-.*"),
          "payments/web complies: " + log);

      waitFor(Duration.ofMinutes(2), () -> alertFiring(promPort, "VigilFailOpenAdmission"), text);
      assertTrue(alertFiring(promPort, "VigilBreakglassUsed"), "breakglass alert");
      waitFor(Duration.ofMinutes(1), () -> alertFiring(promPort, "VigilSuspectedBypass"), text);
    } finally {
      stop.countDown();
      if (prometheus != null) {
        prometheus.destroy();
        prometheus.waitFor();
      }
      demo.join(60_000);
    }
    if (failure.get() != null) {
      fail("the demo failed", failure.get());
    }
    assertTrue(text.toString().contains("vigil demo stopped."));
  }

  /**
   * The act-1 facts are on vigil.attestations before the first pod event of payments/api: read both
   * topics of the demo's broker and compare the records' times.
   */
  private static void assertAttestedBeforeThePodsStarted(String log) throws Exception {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("kafka: (\\S+) \\(embedded\\)").matcher(log);
    assertTrue(m.find(), "the demo names its broker: " + log);
    String digest =
        "sha256:"
            + java.util.HexFormat.of()
                .formatHex(
                    java.security.MessageDigest.getInstance("SHA-256")
                        .digest("shop/api".getBytes(StandardCharsets.UTF_8)));
    long attested = Long.MIN_VALUE;
    long firstPod = Long.MAX_VALUE;
    try (var consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(
            java.util.Map.<String, Object>of("bootstrap.servers", m.group(1)),
            new org.apache.kafka.common.serialization.StringDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      var parts = new java.util.ArrayList<org.apache.kafka.common.TopicPartition>();
      for (String topic : java.util.List.of(Topics.ATTESTATIONS.name(), Topics.POD_EVENTS.name())) {
        consumer
            .partitionsFor(topic)
            .forEach(
                p -> parts.add(new org.apache.kafka.common.TopicPartition(topic, p.partition())));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      var end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
          && System.nanoTime() < deadline) {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          if (r.key() == null) {
            continue;
          }
          if (r.topic().equals(Topics.ATTESTATIONS.name()) && r.key().startsWith(digest + "/")) {
            attested = Math.max(attested, r.timestamp());
          } else if (r.topic().equals(Topics.POD_EVENTS.name())
              && r.key().contains("/payments/api-")
              && !r.key().contains("unsigned")) {
            firstPod = Math.min(firstPod, r.timestamp());
          }
        }
      }
    }
    assertTrue(
        attested != Long.MIN_VALUE && firstPod != Long.MAX_VALUE,
        "attestation and pod events of payments/api");
    assertTrue(
        attested <= firstPod,
        "the attestation of shop/api reached Kafka "
            + (attested - firstPod)
            + " ms after the first pod event of payments/api");
  }

  private int prometheusPort;

  private Process startPrometheus(Path dir, int target) throws Exception {
    Files.createDirectories(dir);
    Files.copy(Path.of("../monitoring/prometheus/vigil-rules.yml"), dir.resolve("vigil-rules.yml"));
    Files.writeString(
        dir.resolve("prometheus.yml"),
        """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files: [vigil-rules.yml]
        scrape_configs:
          - job_name: vigil-demo
            static_configs:
              - targets: ["127.0.0.1:%d"]
        """
            .formatted(target));
    try (ServerSocket s = new ServerSocket(0)) {
      prometheusPort = s.getLocalPort();
    }
    ProcessBuilder pb =
        new ProcessBuilder(
                "prometheus",
                "--config.file=prometheus.yml",
                "--storage.tsdb.path=data",
                "--web.listen-address=127.0.0.1:" + prometheusPort)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile());
    try {
      return pb.start();
    } catch (java.io.IOException e) {
      fail(
          "the prometheus server is not installed: apt-get install -y prometheus (.ci/run does it)");
      throw e;
    }
  }

  private boolean alertFiring(int port, String alert) {
    try {
      String q =
          URLEncoder.encode(
              "ALERTS{alertname=\"" + alert + "\",alertstate=\"firing\"}", StandardCharsets.UTF_8);
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/api/v1/query?query=" + q))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return false;
      }
      JsonNode body = Json.mapper().readTree(r.body());
      assertEquals("success", body.path("status").asText());
      return body.path("data").path("result").size() > 0;
    } catch (java.io.IOException e) {
      return false; // not up yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void waitFor(Duration limit, BooleanSupplier condition, StringWriter log) {
    await()
        .atMost(limit)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> assertTrue(condition.getAsBoolean(), () -> "demo output so far:\n" + log));
  }
}
