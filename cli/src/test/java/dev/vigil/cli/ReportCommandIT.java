package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.cli.run.KafkaAccess;
import dev.vigil.kafka.KafkaCluster;
import dev.vigil.kafka.KafkaClusters;
import dev.vigil.schemas.AdmissionEvent;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.DeadLetter;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Topics;
import dev.vigil.schemas.WorkloadRef;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandIT {

  static final String FROM = "2026-11-01T00:00:00Z";
  static final String TO = "2026-11-08T00:00:00Z";

  @Test
  void helpListsReport() {
    VigilRun run = vigil("--help");

    assertEquals(0, run.code());
    assertTrue(run.out().contains("report"), run.out());
  }

  @Test
  void unusableArgumentsExitTwo(@TempDir Path dir) {
    String kafka = "127.0.0.1:9";
    List<String[]> cases =
        List.of(
            new String[] {"report", "--from", TO, "--to", FROM, "--bootstrap-servers", kafka},
            new String[] {
              "report", "--from", "last tuesday", "--to", TO, "--bootstrap-servers", kafka
            },
            new String[] {
              "report", "--from", "2026-11-01T00:00:00", "--to", TO, "--bootstrap-servers", kafka
            },
            new String[] {
              "report", "--from", FROM, "--to", TO, "--format", "pdf", "--bootstrap-servers", kafka
            },
            new String[] {
              "report",
              "--from",
              FROM,
              "--to",
              TO,
              "--deadline",
              "soon",
              "--bootstrap-servers",
              kafka
            },
            new String[] {
              "report", "--from", FROM, "--to", TO, "--deadline", "0h", "--bootstrap-servers", kafka
            },
            new String[] {"report", "--to", TO, "--bootstrap-servers", kafka},
            new String[] {
              "report",
              "--from",
              FROM,
              "--to",
              TO,
              "--severity",
              "urgent",
              "--bootstrap-servers",
              kafka
            },
            new String[] {
              "report",
              "--from",
              FROM,
              "--to",
              TO,
              "--output",
              dir.resolve("no/such/dir/r.md").toString(),
              "--bootstrap-servers",
              kafka
            },
            new String[] {
              "report", "--from", FROM, "--to", TO, "--data-dir", dir.resolve("missing").toString()
            },
            new String[] {
              "report", "--from", FROM, "--to", TO, "--frobnicate", "--bootstrap-servers", kafka
            });
    for (String[] args : cases) {
      VigilRun run = vigil(args);
      assertEquals(2, run.code(), String.join(" ", args) + " -> " + run.err());
      assertTrue(run.out().isEmpty(), "nothing on stdout for " + String.join(" ", args));
    }
  }

  @Test
  void unreachableKafkaExitsThreeWithinTheTimeout() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }

    VigilRun run =
        vigil(
            "report",
            "--from",
            FROM,
            "--to",
            TO,
            "--timeout",
            "3s",
            "--bootstrap-servers",
            "127.0.0.1:" + closedPort);

    assertEquals(3, run.code(), run.err());
    assertTrue(run.err().contains("did not answer within 3 s"), run.err());
    assertTrue(run.out().isEmpty());
  }

  @Test
  void missingTopicsExitThreeThenAFilledPeriodIsReported(@TempDir Path dir) throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();

      VigilRun missing =
          vigil("report", "--from", FROM, "--to", TO, "--bootstrap-servers", bootstrap);
      assertEquals(3, missing.code(), missing.err());
      assertTrue(missing.err().contains("vigil.admission-events"), missing.err());

      fill(bootstrap);
      Path json = dir.resolve("report.json");
      VigilRun written =
          vigil(
              "report",
              "--from",
              FROM,
              "--to",
              TO,
              "--format",
              "json",
              "--output",
              json.toString(),
              "--deadline",
              "2h",
              "--bootstrap-servers",
              bootstrap);
      VigilRun markdown =
          vigil(
              "report",
              "--from",
              "2026-11-01",
              "--to",
              "2026-11-08",
              "--namespace",
              "payments",
              "--bootstrap-servers",
              bootstrap);
      VigilRun csv =
          vigil(
              "report",
              "--from",
              FROM,
              "--to",
              TO,
              "--format",
              "csv",
              "--cluster",
              "prod",
              "--bootstrap-servers",
              bootstrap);

      assertEquals(0, written.code(), written.err());
      assertTrue(written.out().isEmpty(), "the report went to the file");
      JsonNode doc = Json.mapper().readTree(Files.readString(json));
      assertEquals(1, doc.path("version").asInt());
      assertEquals(3, doc.path("summary").path("admissions").asLong());
      assertEquals(2, doc.path("summary").path("failOpenAdmissions").asLong());
      assertEquals(1, doc.path("summary").path("failOpenOutages").asLong());
      assertEquals(1, doc.path("summary").path("breakglassUses").asLong());
      assertEquals(7200, doc.path("settings").path("deadlineSeconds").asLong());
      assertEquals(
          List.of("fu-1", "fu-2"),
          List.of(
              doc.path("followUps").get(0).path("followUpId").asText(),
              doc.path("followUps").get(1).path("followUpId").asText()));
      assertEquals(
          "ops@acme.example", doc.path("followUps").get(1).path("acknowledgedBy").asText());
      assertEquals("fu-1", doc.path("stillOpen").get(0).asText());
      try (var files = Files.list(dir)) {
        assertEquals(
            List.of(), files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList());
      }

      assertEquals(0, markdown.code(), markdown.err());
      assertTrue(markdown.out().contains("| Admissions seen | 2 |"), markdown.out());
      assertTrue(markdown.out().contains("Clusters: all; namespaces: payments"), markdown.out());

      assertEquals(0, csv.code(), csv.err());
      List<String> lines = csv.out().lines().toList();
      assertEquals(3, lines.size(), csv.out());
      assertTrue(lines.get(0).startsWith("follow_up_id,kind,cluster"), lines.get(0));
    }

    // The same data, read from the stopped broker's data directory.
    Assumptions.assumeTrue(
        Files.exists(dir.resolve("kafka").resolve("data").resolve("meta.properties")),
        "only the embedded broker leaves a data directory");
    VigilRun fromDataDir =
        vigil(
            "report",
            "--from",
            FROM,
            "--to",
            TO,
            "--format",
            "json",
            "--data-dir",
            dir.resolve("kafka").toString());
    assertEquals(0, fromDataDir.code(), fromDataDir.err());
    assertEquals(
        3, Json.mapper().readTree(fromDataDir.out()).path("summary").path("admissions").asLong());
  }

  @Test
  void aWrittenReportNamesItsToolCarriesDigestsAndFollowsTheUmask(@TempDir Path dir)
      throws Exception {
    try (KafkaCluster kafka = KafkaClusters.forTests(dir.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      fill(bootstrap);
      KafkaAccess.of(bootstrap).createTopicsNow();
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(
              Map.of("bootstrap.servers", bootstrap),
              new StringSerializer(),
              new ByteArraySerializer())) {
        DeadLetter bad =
            new DeadLetter(
                "streams",
                Topics.POD_EVENTS.name(),
                2,
                17L,
                "k",
                null,
                5,
                "UnreadableMessageException",
                "not JSON",
                Instant.parse("2026-11-02T10:00:00Z"));
        // Kafka time now: the topic's 30-day retention would delete a record stamped in the period.
        producer.send(new ProducerRecord<>(Topics.DEAD_LETTER.name(), "k", Json.write(bad))).get();
        for (PolicyDocument p :
            List.of(policy(1, "2026-10-20T00:00:00Z"), policy(2, "2026-11-03T00:00:00Z"))) {
          // What the streams policy gate accepted (the topic exists: createTopicsNow makes every
          // topic).
          producer
              .send(new ProducerRecord<>(Topics.POLICIES_ACCEPTED.name(), p.key(), Json.write(p)))
              .get();
        }
      }
      Path html = dir.resolve("report.html");
      Path json = dir.resolve("report.json");

      VigilRun first =
          vigil(
              "report",
              "--from",
              FROM,
              "--to",
              TO,
              "--format",
              "html",
              "--output",
              html.toString(),
              "--bootstrap-servers",
              bootstrap);
      VigilRun again =
          vigil(
              "report",
              "--from",
              FROM,
              "--to",
              TO,
              "--format",
              "json",
              "--output",
              json.toString(),
              "--bootstrap-servers",
              bootstrap);

      assertEquals(0, first.code(), first.err());
      assertEquals(0, again.code(), again.err());
      // The report's own digest, beside it in sha256sum's format, and on stderr.
      String htmlSha = sha256(Files.readAllBytes(html));
      assertEquals(
          htmlSha + "  report.html\n", Files.readString(dir.resolve("report.html.sha256")));
      assertTrue(first.err().contains("sha256 " + htmlSha), first.err());
      // The input offsets' digest: the same for a re-run over the same records, in every form.
      JsonNode doc = Json.mapper().readTree(Files.readString(json));
      String inputSha = doc.path("input").path("sha256").asText();
      assertTrue(inputSha.matches("[0-9a-f]{64}"), inputSha);
      assertTrue(
          first.err().contains("input offsets sha256 " + inputSha),
          first.err() + " vs " + inputSha);
      assertTrue(Files.readString(html).contains(inputSha), "the HTML shows the offsets digest");
      assertTrue(doc.path("input").path("ranges").size() >= 3, doc.path("input").toString());
      // The policy in force at the start and its change in the period.
      JsonNode policies = doc.path("policies");
      assertEquals(2, policies.size(), policies.toString());
      assertTrue(policies.get(0).path("inForceAtStart").asBoolean(), policies.toString());
      assertEquals(2, policies.get(1).path("version").asInt(), policies.toString());
      assertTrue(!policies.get(1).path("inForceAtStart").asBoolean(), policies.toString());
      // Dead letters of the period.
      JsonNode dead = doc.path("deadLetters").get(0);
      assertEquals(
          "UnreadableMessageException",
          dead.path("errorType").asText(),
          doc.path("deadLetters").toString());
      assertEquals(1, dead.path("count").asInt());
      assertTrue(Files.readString(html).contains("Dead letters in the period"));
      // The tool that made it.
      String version = vigil("--version").out().strip();
      assertEquals(version, doc.path("generator").asText());
      assertTrue(
          version.matches("vigil \\S+ \\((commit [0-9a-f]{12}.*|unknown commit)\\)"), version);
      assertTrue(Files.readString(html).contains("by " + version), "the HTML names " + version);
      // Files are made with the process umask, like any other file this process creates.
      Path reference = Files.createFile(dir.resolve("reference"));
      Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
      assertEquals(expected, Files.getPosixFilePermissions(html));
      assertEquals(expected, Files.getPosixFilePermissions(json));
      assertEquals(expected, Files.getPosixFilePermissions(dir.resolve("report.json.sha256")));
    }
  }

  private static PolicyDocument policy(long version, String at) {
    return PolicyDocument.of(
        "global",
        PolicyDocument.Kind.BINAUTHZ_POLICY,
        "policy.yaml",
        version,
        PolicyDocument.Format.YAML,
        "v" + version,
        "file:policy.yaml",
        Instant.parse(at));
  }

  private static String sha256(byte[] bytes) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** Two fail-open pods of payments/api and a breakglass in shop, acknowledged with a note. */
  private static void fill(String bootstrap) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(p)) {
      // Unlimited retention: the records carry fixed dates that the catalogue's 30 days would
      // delete.
      List<NewTopic> topics = new java.util.ArrayList<>();
      for (var t : List.of(Topics.ADMISSION_EVENTS, Topics.VIOLATIONS, Topics.FOLLOWUPS)) {
        Map<String, String> configs = new java.util.HashMap<>(t.configs());
        configs.put("retention.ms", "-1");
        topics.add(new NewTopic(t.name(), t.partitions(), (short) 1).configs(configs));
      }
      admin.createTopics(topics).all().get(60, java.util.concurrent.TimeUnit.SECONDS);
      // Produce only once every partition is served (TopicAdmin.awaitServed says why).
      new dev.vigil.schemas.TopicAdmin(admin, (short) 1)
          .awaitServed(
              topics.stream().map(NewTopic::name).toList(),
              dev.vigil.schemas.TopicAdmin.READY_TIMEOUT);
    }
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("enable.idempotence", "false");
    p.put("max.in.flight.requests.per.connection", "1");
    p.put("acks", "all");
    WorkloadRef api = new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "payments", "api");
    WorkloadRef shop = new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "shop", "web");
    List<Object> values =
        List.of(
            admission("a1", api, "api-1", "2026-11-02T10:00:00Z", false),
            admission("a2", api, "api-2", "2026-11-02T10:03:00Z", false),
            admission("a3", shop, "web-1", "2026-11-03T09:00:00Z", true),
            followUp(
                "fu-1",
                api,
                FollowUp.Kind.FAIL_OPEN,
                FollowUp.State.ESCALATED,
                "2026-11-02T10:00:00Z",
                "2026-11-02T11:00:00Z",
                null,
                null),
            followUp(
                "fu-2",
                shop,
                FollowUp.Kind.BREAKGLASS,
                FollowUp.State.OPEN,
                "2026-11-03T09:00:00Z",
                "2026-11-03T09:00:00Z",
                null,
                null),
            followUp(
                "fu-2",
                shop,
                FollowUp.Kind.BREAKGLASS,
                FollowUp.State.ACKNOWLEDGED,
                "2026-11-03T09:00:00Z",
                "2026-11-03T09:30:00Z",
                "ops@acme.example",
                "planned hotfix, CHG-12"));
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      for (Object v : values) {
        if (v instanceof AdmissionEvent e) {
          producer.send(
              new ProducerRecord<>(
                  Topics.ADMISSION_EVENTS.name(),
                  null,
                  e.requestReceivedAt().toEpochMilli(),
                  e.key(),
                  Json.write(e)));
        } else if (v instanceof FollowUp f) {
          producer.send(
              new ProducerRecord<>(
                  Topics.FOLLOWUPS.name(),
                  null,
                  f.changedAt().toEpochMilli(),
                  f.key(),
                  Json.write(f)));
        }
      }
      producer.flush();
    }
  }

  private static AdmissionEvent admission(
      String id, WorkloadRef owner, String pod, String at, boolean breakglass) {
    return new AdmissionEvent(
        id,
        "prod",
        AdmissionEvent.Source.KUBERNETES_AUDIT,
        "audit-" + id,
        "ResponseComplete",
        "create",
        owner.namespace(),
        pod,
        "uid-" + id,
        "alice@acme.example",
        "default",
        owner,
        List.of(
            new ContainerImage(
                "main", ContainerImage.Kind.CONTAINER, "registry.example/app:1", null)),
        false,
        false,
        breakglass,
        breakglass
            ? null
            : new AdmissionEvent.FailedOpen(
                AdmissionEvent.FailedOpen.Mechanism.VALIDATING_WEBHOOK, "round_0_index_0"),
        201,
        "Created",
        Map.of(),
        Instant.parse(at));
  }

  private static FollowUp followUp(
      String id,
      WorkloadRef owner,
      FollowUp.Kind kind,
      FollowUp.State state,
      String firstSeen,
      String changedAt,
      String by,
      String note) {
    return new FollowUp(
        id,
        "prod",
        owner,
        kind,
        state,
        state.name().toLowerCase(),
        state == FollowUp.State.ESCALATED ? Decision.DENY : null,
        1,
        List.of("pod"),
        List.of("registry.example/app:1"),
        List.of("alice@acme.example"),
        null,
        Instant.parse(firstSeen),
        Instant.parse(firstSeen),
        Instant.parse(changedAt),
        by,
        note,
        null);
  }
}
