package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.ingest.feeds.PolicyFilePublisher;
import dev.vigil.ingest.translate.OwnerLookup;
import dev.vigil.ingest.translate.PodManifests;
import dev.vigil.ingest.translate.PodTranslator;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.ImageMetadata;
import dev.vigil.schemas.Json;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.validator.Documents;
import dev.vigil.validator.Evaluation;
import dev.vigil.validator.Evaluator;
import dev.vigil.validator.Facts;
import dev.vigil.validator.GrafeasOccurrences;
import dev.vigil.validator.InvalidPolicyException;
import dev.vigil.validator.NamePattern;
import dev.vigil.validator.PodContext;
import dev.vigil.validator.PolicyOptions;
import dev.vigil.validator.PolicySet;
import dev.vigil.validator.RuleScope;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vigil evaluate}: judges pod manifests against a Binary Authorization policy (and
 * optionally a platform policy), printing one JSON verdict per pod. Exit 0 when every decision is
 * ALLOW or DRYRUN_DENY, 1 when any is DENY or UNKNOWN, 2 for unusable input.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "Judge pods (or the pod templates of Deployments and other workloads) against a policy.",
      "Prints one JSON verdict per pod on stdout. Exit status: 0 every pod ALLOW or DRYRUN_DENY,"
          + " 1 any DENY or UNKNOWN, 2 unusable input (one line on stderr naming the file and field)."
    })
final class EvaluateCommand implements Callable<Integer> {

  @Mixin PolicyFileOptions files;

  @Option(
      names = "--cluster",
      paramLabel = "LOCATION.CLUSTER_ID",
      defaultValue = "",
      description = "The cluster the pods run in, matched against clusterAdmissionRules keys.")
  String cluster;

  @Option(
      names = "--now",
      paramLabel = "ISO-8601",
      description =
          "The time to judge at (image age, signature expiry); default: the current time.")
  Instant now;

  @Option(
      names = "--system-image",
      paramLabel = "PATTERN",
      description =
          "A system image pattern exempted when the policy says globalPolicyEvaluationMode: ENABLE"
              + " (Google's own list is not published; supply it). Repeatable.")
  List<String> systemImages = new ArrayList<>();

  @Option(
      names = "--rule-precedence",
      paramLabel = "SCOPE,...",
      split = ",",
      description =
          "Which specific rule wins when several match, first wins; default"
              + " SERVICE_ACCOUNT,ISTIO_SERVICE_IDENTITY,NAMESPACE,CLUSTER.")
  List<RuleScope> rulePrecedence;

  @Option(
      names = "--pod",
      required = true,
      paramLabel = "FILE",
      description =
          "Pod manifest(s), YAML or JSON; Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs,"
              + " CronJobs and Lists are accepted; --- separated documents give one verdict each.")
  Path pod;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Unusable input: the file, the field, what is wrong. */
  static final class InputException extends Exception {
    private static final long serialVersionUID = 1L;

    InputException(Path file, String field, String message) {
      super(file + ": " + (field == null || field.isEmpty() ? "" : field + ": ") + message);
    }
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Instant at = now == null ? Instant.now() : now;
      PolicySet set = policies(at);
      Facts facts = facts();
      List<Pod> pods = readPods(pod, at);
      Evaluator evaluator = Evaluator.create();
      boolean failed = false;
      for (Pod p : pods) {
        Evaluation e = evaluator.evaluate(p.context(), set, facts, at);
        failed |= e.decision() == Decision.DENY || e.decision() == Decision.UNKNOWN;
        out.println(new String(Json.write(verdict(p, e)), StandardCharsets.UTF_8));
      }
      out.flush();
      return failed ? 1 : 0;
    } catch (InputException e) {
      err.println("vigil evaluate: " + oneLine(e.getMessage()));
      err.flush();
      return 2;
    }
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ').replace('\r', ' ');
  }

  private Map<String, Object> verdict(Pod p, Evaluation e) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("decision", e.decision());
    v.put("cluster", p.context().clusterId());
    v.put("namespace", p.context().namespace());
    v.put("name", p.context().name());
    v.put("kind", p.kind());
    v.put("serviceAccount", p.context().serviceAccount());
    v.put("source", p.source());
    v.put("images", e.images());
    v.put("policyVersions", e.policyVersions());
    return v;
  }

  // ---- policies and facts -------------------------------------------------------------------

  private PolicySet policies(Instant at) throws InputException {
    PolicyDocument binauthz = document(files.policy, PolicyDocument.Kind.BINAUTHZ_POLICY, at);
    PolicyDocument platform =
        files.platformPolicy == null
            ? null
            : document(files.platformPolicy, PolicyDocument.Kind.PLATFORM_POLICY, at);
    List<PolicyDocument> attestorDocs = new ArrayList<>();
    Map<String, Path> fileOf = new HashMap<>();
    fileOf.put(binauthz.key(), files.policy);
    if (platform != null) {
      fileOf.put(platform.key(), files.platformPolicy);
    }
    for (Path a : files.attestors) {
      PolicyDocument d = document(a, PolicyDocument.Kind.ATTESTOR, at);
      attestorDocs.add(d);
      fileOf.put(d.key(), a);
    }
    PolicyOptions options = PolicyOptions.DEFAULTS;
    for (String pattern : systemImages) {
      String[] problem = new String[1];
      if (NamePattern.compile(pattern, problem).isEmpty()) {
        throw new InputException(Path.of("--system-image"), pattern, problem[0]);
      }
    }
    options = options.withSystemImagePatterns(systemImages);
    if (rulePrecedence != null) {
      try {
        options = options.withRulePrecedence(rulePrecedence);
      } catch (IllegalArgumentException e) {
        throw new InputException(Path.of("--rule-precedence"), null, e.getMessage());
      }
    }
    try {
      PolicySet set = PolicySet.parse(binauthz, platform, attestorDocs, options);
      for (InvalidPolicyException.Problem w : set.warnings()) {
        spec.commandLine().getErr().println("vigil evaluate: warning: " + oneLine(w.toString()));
      }
      return set;
    } catch (InvalidPolicyException e) {
      Path file = fileOf.get(e.document());
      String problems =
          e.problems().stream()
              .map(InvalidPolicyException.Problem::toString)
              .collect(Collectors.joining("; "));
      throw new InputException(file == null ? Path.of(e.document()) : file, null, problems);
    }
  }

  private static PolicyDocument document(Path file, PolicyDocument.Kind kind, Instant at)
      throws InputException {
    return PolicyFilePublisher.localDocument(file, read(file), kind, at);
  }

  private Facts facts() throws InputException {
    Map<String, List<Attestation>> byDigest = new HashMap<>();
    for (Path file : files.attestations) {
      String content = read(file);
      try {
        GrafeasOccurrences.Occurrences read =
            GrafeasOccurrences.read(
                file.toString(), content, PolicyFilePublisher.format(file, content));
        for (Attestation a : read.attestations()) {
          byDigest.computeIfAbsent(a.imageDigest(), k -> new ArrayList<>()).add(a);
        }
        // An unreadable occurrence is skipped, not the file: the others still count.
        for (InvalidPolicyException.Problem p : read.skipped()) {
          spec.commandLine()
              .getErr()
              .println(
                  "vigil evaluate: warning: "
                      + file
                      + ": occurrence skipped: "
                      + oneLine(p.toString()));
        }
      } catch (InvalidPolicyException e) {
        InvalidPolicyException.Problem first = e.problems().get(0);
        throw new InputException(
            file,
            first.path(),
            first.message()
                + (e.problems().size() > 1
                    ? " (and " + (e.problems().size() - 1) + " more problems)"
                    : ""));
      }
    }
    Map<String, ImageMetadata> metadata = new HashMap<>();
    for (Path file : files.imageMetadata) {
      int i = 0;
      for (JsonNode node : items(file, readAll(file))) {
        try {
          ImageMetadata m = Json.mapper().treeToValue(node, ImageMetadata.class);
          metadata.put(m.imageDigest(), m);
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
          throw new InputException(
              file, "[" + i + "]", "not an image-metadata record: " + rootMessage(e));
        }
        i++;
      }
    }
    return Facts.of(byDigest, metadata);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m =
        t instanceof com.fasterxml.jackson.core.JsonProcessingException j
            ? j.getOriginalMessage()
            : t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }

  // ---- pods ---------------------------------------------------------------------------------

  /** A pod to judge, with the workload it came from. */
  record Pod(PodContext context, String kind, String source) {}

  /**
   * The pods of a manifest file. Each manifest becomes the Pod object the cluster would hold
   * ({@link PodManifests}) and is read by the production translator ({@link PodTranslator}), so
   * that this command judges what the watchers and the audit receiver judge.
   */
  List<Pod> readPods(Path file, Instant at) throws InputException {
    List<Pod> pods = new ArrayList<>();
    List<JsonNode> docs = readAll(file);
    for (int d = 0; d < docs.size(); d++) {
      String prefix = docs.size() == 1 ? "" : "document " + (d + 1) + ": ";
      JsonNode doc = docs.get(d);
      String kind = doc.path("kind").asText("");
      if (kind.endsWith("List")) {
        JsonNode items = doc.get("items");
        if (items == null || !items.isArray()) {
          throw new InputException(file, prefix + "items", "a List needs an items array");
        }
        for (int i = 0; i < items.size(); i++) {
          pods.add(pod(file, prefix + "items[" + i + "].", items.get(i), at));
        }
      } else {
        pods.add(pod(file, prefix, doc, at));
      }
    }
    if (pods.isEmpty()) {
      throw new InputException(file, null, "no pod or workload manifest in the file");
    }
    return pods;
  }

  private Pod pod(Path file, String at, JsonNode manifest, Instant now) throws InputException {
    try {
      PodEvent event =
          PodTranslator.translate(
              cluster, PodEvent.Type.ADDED, PodManifests.pod(manifest), OwnerLookup.NONE, now);
      return new Pod(PodContext.of(event), manifest.path("kind").asText(), file.toString());
    } catch (PodManifests.ManifestException e) {
      throw new InputException(file, at + e.field(), e.problem());
    }
  }

  // ---- files --------------------------------------------------------------------------------

  private static List<JsonNode> items(Path file, List<JsonNode> docs) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode d : docs) {
      if (d.isArray()) {
        d.forEach(out::add);
      } else {
        out.add(d);
      }
    }
    return out;
  }

  private static List<JsonNode> readAll(Path file) throws InputException {
    String content = read(file);
    try {
      return Documents.readAll(content, PolicyFilePublisher.format(file, content));
    } catch (Documents.UnreadableDocumentException e) {
      throw new InputException(file, null, "unreadable: " + e.getMessage());
    }
  }

  private static String read(Path file) throws InputException {
    try {
      if (Files.size(file) > Documents.MAX_DOCUMENT_CHARS) {
        throw new InputException(
            file, null, "larger than " + Documents.MAX_DOCUMENT_CHARS + " bytes");
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new InputException(file, null, "no such file");
    } catch (java.nio.charset.MalformedInputException e) {
      throw new InputException(file, null, "not UTF-8 text");
    } catch (IOException e) {
      throw new InputException(file, null, "cannot read: " + e.getClass().getSimpleName());
    }
  }
}
