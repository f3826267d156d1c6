package dev.vigil.validator;

import dev.vigil.schemas.PolicyDocument;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** Wiring of the validator's implementation behind {@link PolicySet} and {@link Evaluator}. */
final class PolicySets {

  private PolicySets() {}

  static PolicySet parse(
      PolicyDocument policy, PolicyDocument platformPolicy, List<PolicyDocument> attestors)
      throws InvalidPolicyException {
    return parse(policy, platformPolicy, attestors, PolicyOptions.DEFAULTS);
  }

  static PolicySet parse(
      PolicyDocument policy,
      PolicyDocument platformPolicy,
      List<PolicyDocument> attestors,
      PolicyOptions options)
      throws InvalidPolicyException {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(options, "options");
    List<PolicyDocument> attestorDocs = attestors == null ? List.of() : attestors;
    List<InvalidPolicyException.Problem> warnings = new ArrayList<>();
    List<String> failedDocs = new ArrayList<>();
    List<List<InvalidPolicyException.Problem>> failedProblems = new ArrayList<>();

    if (policy.kind() != PolicyDocument.Kind.BINAUTHZ_POLICY) {
      throw new InvalidPolicyException(
          policy.key(),
          List.of(
              new InvalidPolicyException.Problem(
                  "kind", "expected BINAUTHZ_POLICY, got " + policy.kind())));
    }
    ProblemCollector pc = new ProblemCollector();
    Optional<BinauthzPolicy> binauthz =
        BinauthzPolicyReader.read(policy.content(), policy.format(), pc);
    collect(policy, pc, warnings, failedDocs, failedProblems);

    PlatformPolicy platform = null;
    if (platformPolicy != null) {
      ProblemCollector c = new ProblemCollector();
      if (platformPolicy.kind() != PolicyDocument.Kind.PLATFORM_POLICY) {
        c.problem("kind", "expected PLATFORM_POLICY, got " + platformPolicy.kind());
      } else {
        platform =
            PlatformPolicyReader.read(platformPolicy.content(), platformPolicy.format(), c)
                .orElse(null);
      }
      collect(platformPolicy, c, warnings, failedDocs, failedProblems);
    }

    List<Attestor> all = new ArrayList<>();
    for (PolicyDocument doc : attestorDocs) {
      ProblemCollector c = new ProblemCollector();
      if (doc.kind() != PolicyDocument.Kind.ATTESTOR) {
        c.problem("kind", "expected ATTESTOR, got " + doc.kind());
      } else {
        all.addAll(AttestorReader.read(doc.content(), doc.format(), c));
      }
      collect(doc, c, warnings, failedDocs, failedProblems);
    }
    Map<String, Attestor> byName = Attestor.byName(all);
    if (byName.size() != all.size()) {
      failedDocs.add("attestors");
      failedProblems.add(
          List.of(
              new InvalidPolicyException.Problem(
                  "name", "an attestor is defined in two documents")));
    }

    if (!failedDocs.isEmpty()) {
      if (failedDocs.size() == 1) {
        throw new InvalidPolicyException(failedDocs.get(0), failedProblems.get(0));
      }
      List<InvalidPolicyException.Problem> merged = new ArrayList<>();
      for (int i = 0; i < failedDocs.size(); i++) {
        for (InvalidPolicyException.Problem p : failedProblems.get(i)) {
          merged.add(
              new InvalidPolicyException.Problem(failedDocs.get(i) + ": " + p.path(), p.message()));
        }
      }
      throw new InvalidPolicyException(String.join(", ", failedDocs), merged);
    }

    Set<String> named = new LinkedHashSet<>();
    for (AdmissionRule r : binauthz.orElseThrow().allRules()) {
      for (String a : r.requireAttestationsBy()) {
        if (!byName.containsKey(a) && named.add(a)) {
          warnings.add(
              new InvalidPolicyException.Problem(
                  r.id() + ".requireAttestationsBy",
                  "attestor " + a + " was not supplied: images under this rule will be UNKNOWN"));
        }
      }
    }
    if (binauthz.orElseThrow().globalPolicyEvaluation()
        && options.systemImagePatterns().isEmpty()) {
      warnings.add(
          new InvalidPolicyException.Problem(
              policy.key() + ": globalPolicyEvaluationMode",
              "ENABLE exempts Google-maintained system images, but no system image patterns were supplied"
                  + " (PolicyOptions.systemImagePatterns, vigil evaluate --system-image): system images are judged by the rules"));
    }
    List<NamePattern> system = new ArrayList<>();
    for (String s : options.systemImagePatterns()) {
      system.add(NamePattern.of(s));
    }
    List<String> versions = new ArrayList<>();
    versions.add(version(policy));
    if (platformPolicy != null) {
      versions.add(version(platformPolicy));
    }
    attestorDocs.stream().map(PolicySets::version).sorted().forEach(versions::add);
    return new ParsedPolicySet(
        binauthz.orElseThrow(),
        platform,
        byName,
        system,
        options.rulePrecedence(),
        versions,
        warnings);
  }

  private static void collect(
      PolicyDocument doc,
      ProblemCollector c,
      List<InvalidPolicyException.Problem> warnings,
      List<String> failedDocs,
      List<List<InvalidPolicyException.Problem>> failedProblems) {
    for (InvalidPolicyException.Problem w : c.warnings) {
      warnings.add(new InvalidPolicyException.Problem(doc.key() + ": " + w.path(), w.message()));
    }
    if (!c.problems.isEmpty()) {
      failedDocs.add(doc.key());
      failedProblems.add(List.copyOf(c.problems));
    }
  }

  private static String version(PolicyDocument doc) {
    return doc.key() + "@" + doc.version();
  }

  static Evaluator evaluator() {
    return new StandardEvaluator(AttestationVerifier.DEFAULT_CACHE_SIZE);
  }
}
