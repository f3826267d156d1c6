package dev.vigil.streams;

import static dev.vigil.streams.Fixtures.added;
import static dev.vigil.streams.Fixtures.deployment;
import static dev.vigil.streams.Fixtures.digest;
import static dev.vigil.streams.Fixtures.image;

import dev.vigil.schemas.FollowUp;
import dev.vigil.schemas.FollowUpAck;
import dev.vigil.schemas.FollowUpId;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.WorkloadRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Writes the input files of the scenario folders (signed attestations need a key, so they are made
 * by code once and committed). Runs only with {@code -Dvigil.generate-scenarios=true}; the expected
 * outputs are then recorded by {@link ScenarioTest} and reviewed by hand.
 */
class ScenarioInputsGenerator {

  static final String API = "us-docker.pkg.dev/acme/app/api";
  static final String WEB = "us-docker.pkg.dev/acme/app/web";
  static final String WORKER = "docker.io/acme/worker";

  @Test
  void generate() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("vigil.generate-scenarios"));
    Path root = ScenarioTest.ROOT;
    WorkloadRef api = deployment("payments", "api");
    WorkloadRef web = deployment("payments", "web");
    WorkloadRef worker = deployment("batch", "worker");

    Path s = root.resolve("policy-change-rejudges-running-pods");
    write(s, "policies", List.of(Fixtures.enforced(1, "ALWAYS_ALLOW")));
    write(
        s,
        "pod-events",
        List.of(
            added("payments", "api-1", 10, api, image(API, 'a')),
            added("payments", "api-2", 11, api, image(API, 'a')),
            added("payments", "web-1", 12, web, image(WEB, 'b'))));
    write(s.resolve("later"), "policies", List.of(Fixtures.enforced(2, "ALWAYS_DENY", WEB + "**")));

    s = root.resolve("attestation-clears-violation");
    Fixtures.Signer ci = new Fixtures.Signer();
    write(s, "policies", List.of(ci.attestor(1), Fixtures.enforced(1, "REQUIRE_ATTESTATION")));
    write(
        s,
        "pod-events",
        List.of(
            added("payments", "api-1", 10, api, image(API, 'a')),
            added("payments", "web-1", 11, web, image(WEB, 'b'))));
    write(s.resolve("later"), "attestations", List.of(ci.attest(API, digest('a'), "occ-1")));

    s = root.resolve("dry-run-is-not-a-denial");
    write(s, "policies", List.of(Fixtures.dryRun(1, "ALWAYS_DENY")));
    write(s, "pod-events", List.of(added("payments", "api-1", 10, api, image(API, 'a'))));

    s = root.resolve("fail-open-outage-one-follow-up-per-workload");
    write(
        s,
        "policies",
        List.of(Fixtures.enforced(1, "ALWAYS_DENY", "us-docker.pkg.dev/acme/app/**")));
    List<Object> pods = new ArrayList<>();
    List<Object> audits = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      audits.add(Fixtures.failedOpen("api-" + i, "payments", "api-" + i, api, image(API, 'a')));
      pods.add(added("payments", "api-" + i, 100 + i, api, image(API, 'a')));
    }
    for (int i = 0; i < 3; i++) {
      audits.add(
          Fixtures.failedOpen("worker-" + i, "batch", "worker-" + i, worker, image(WORKER, 'c')));
      pods.add(added("batch", "worker-" + i, 200 + i, worker, image(WORKER, 'c')));
    }
    write(s, "admission-events", audits);
    write(s, "pod-events", pods);

    s = root.resolve("breakglass-open-until-acknowledged");
    write(s, "policies", List.of(Fixtures.enforced(1, "ALWAYS_ALLOW")));
    write(
        s,
        "admission-events",
        List.of(Fixtures.breakglass("bg-1", "payments", "api-1", api, image(API, 'a'))));
    write(s, "pod-events", List.of(added("payments", "api-1", 10, api, image(API, 'a'))));
    write(
        s.resolve("later"),
        "followup-acks",
        List.of(
            new FollowUpAck(
                FollowUpId.of(Fixtures.CLUSTER, api, FollowUp.Kind.BREAKGLASS, 1).toString(),
                FollowUpAck.Action.ACKNOWLEDGE,
                "alice@acme.example",
                "planned hotfix, ticket SEC-7",
                Fixtures.T0.plusSeconds(3600))));

    s = root.resolve("duplicates-and-out-of-order");
    write(s, "policies", List.of(Fixtures.enforced(1, "ALWAYS_DENY")));
    PodEvent a10 = added("payments", "api-1", 10, api, image(API, 'a'));
    PodEvent del =
        Fixtures.pod(PodEvent.Type.DELETED, "payments", "api-1", 13, api, image(API, 'a'));
    write(
        s,
        "pod-events",
        List.of(
            a10,
            a10,
            Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "api-1", 12, api, image(API, 'a')),
            Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "api-1", 11, api, image(API, 'a')),
            del,
            del,
            Fixtures.pod(PodEvent.Type.MODIFIED, "payments", "api-1", 12, api, image(API, 'a'))));
    write(
        s,
        "admission-events",
        List.of(
            Fixtures.failedOpen("dup-1", "payments", "api-1", api, image(API, 'a')),
            Fixtures.failedOpen("dup-1", "payments", "api-1", api, image(API, 'a'))));
  }

  private static void write(Path folder, String topic, List<?> records) throws Exception {
    Files.createDirectories(folder);
    StringBuilder b = new StringBuilder();
    for (Object r : records) {
      b.append(new String(Json.write(r), StandardCharsets.UTF_8)).append('\n');
    }
    Files.writeString(folder.resolve(topic + ".jsonl"), b.toString(), StandardCharsets.UTF_8);
  }
}
