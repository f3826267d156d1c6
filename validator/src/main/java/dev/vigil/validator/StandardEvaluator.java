package dev.vigil.validator;

import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.ImageMetadata;
import dev.vigil.schemas.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The standard {@link Evaluator}. Per image: allowlist, then system images (global evaluation
 * mode), then the pod's rule; then the platform policy's check set. Image references are parsed
 * once and kept in a bounded map; signature verifications are cached by {@link
 * AttestationVerifier}. No I/O.
 */
final class StandardEvaluator implements Evaluator {

  /** Bound of the parsed-reference cache. */
  static final int MAX_REFERENCES = 50_000;

  static final String NOT_PINNED_NO_DIGEST =
      "not pinned by digest and the running digest is unknown: attestations are looked up by digest only";
  static final String NO_IMAGES = "pod has no images to judge";

  /** A parsed image string, or why it could not be parsed. */
  private record Parsed(ImageReference ref, String normalised, String name, String error) {}

  private final AttestationVerifier verifier;
  private final ConcurrentHashMap<String, Parsed> references = new ConcurrentHashMap<>();

  StandardEvaluator(int cacheSize) {
    this.verifier = new AttestationVerifier(cacheSize);
  }

  /** The verifier, for tests that count verifications. */
  AttestationVerifier verifier() {
    return verifier;
  }

  @Override
  public Evaluation evaluate(PodContext pod, PolicySet policies, Facts facts, Instant now) {
    if (!(policies instanceof ParsedPolicySet ps)) {
      throw new IllegalArgumentException("policies must come from PolicySet.parse");
    }
    List<ContainerImage> images = pod.images();
    if (images.isEmpty()) {
      return new Evaluation(Decision.UNKNOWN, List.of(), ps.versions());
    }
    AdmissionRule rule = ps.ruleFor(pod);
    PlatformPolicy.CheckSet checkSet = ps.platform == null ? null : ps.platform.checkSetFor(pod);
    Verdict.ImageResult[] results = new Verdict.ImageResult[images.size()];
    Decision decision = Decision.ALLOW;
    for (int i = 0; i < results.length; i++) {
      results[i] = judge(ps, rule, checkSet, images.get(i), facts, now);
      decision = Decision.worst(decision, results[i].result());
    }
    return new Evaluation(decision, List.of(results), ps.versions());
  }

  private Parsed parse(String image) {
    Parsed p = references.get(image);
    if (p != null) {
      return p;
    }
    try {
      ImageReference ref = ImageReference.parse(image);
      p = new Parsed(ref, ref.toString(), ref.name(), null);
    } catch (InvalidImageReferenceException e) {
      p = new Parsed(null, null, null, e.getMessage());
    }
    if (references.size() >= MAX_REFERENCES) {
      references.clear();
    }
    references.put(image, p);
    return p;
  }

  private Verdict.ImageResult judge(
      ParsedPolicySet ps,
      AdmissionRule rule,
      PlatformPolicy.CheckSet checkSet,
      ContainerImage ci,
      Facts facts,
      Instant now) {
    Parsed p = parse(ci.image());
    if (p.error != null) {
      return new Verdict.ImageResult(
          ci.container(), ci.image(), null, Decision.UNKNOWN, null, List.of(p.error), null, null);
    }
    String runningDigest = ImageReference.digestFromImageId(ci.imageId());
    String digest = p.ref.digest() != null ? p.ref.digest() : runningDigest;
    List<String> reasons = new ArrayList<>(4);
    List<String> missing = new ArrayList<>(1);
    if (!p.ref.isPinned()) {
      reasons.add(
          digest == null
              ? NOT_PINNED_NO_DIGEST
              : "not pinned by digest; judged by the running digest " + digest);
    } else if (runningDigest != null && !runningDigest.equals(digest)) {
      reasons.add(
          "the running digest "
              + runningDigest
              + " differs from the pinned digest; judged by the pinned one");
    }
    String ruleId;
    Decision admission;
    int allowed = indexOfMatch(ps.policy.allowlist(), p.normalised);
    if (allowed >= 0) {
      ruleId = "admissionWhitelistPatterns";
      admission = Decision.ALLOW;
      reasons.add(ps.allowlistReasons[allowed]);
    } else if (ps.policy.globalPolicyEvaluation()
        && (allowed = indexOfMatch(ps.systemImages, p.normalised)) >= 0) {
      ruleId = "globalPolicyEvaluationMode";
      admission = Decision.ALLOW;
      reasons.add(ps.systemReasons[allowed]);
    } else {
      ruleId = rule.id();
      admission = applyRule(ps, rule, digest, facts, now, reasons, missing);
    }
    List<Verdict.CheckResult> checks = null;
    if (checkSet != null || (ps.platform != null && !ps.platform.allowlist().isEmpty())) {
      checks = new ArrayList<>(4);
      Decision platform = applyPlatform(ps.platform, checkSet, p, digest, facts, now, checks);
      admission = Decision.worst(admission, platform);
    }
    return new Verdict.ImageResult(
        ci.container(), ci.image(), digest, admission, ruleId, reasons, checks, missing);
  }

  private static List<Attestation> nonNull(List<Attestation> list) {
    return list == null ? List.of() : list;
  }

  private static int indexOfMatch(List<NamePattern> patterns, String image) {
    for (int i = 0, n = patterns.size(); i < n; i++) {
      if (patterns.get(i).matches(image)) {
        return i;
      }
    }
    return -1;
  }

  private static NamePattern firstMatch(List<NamePattern> patterns, String image) {
    for (int i = 0, n = patterns.size(); i < n; i++) {
      NamePattern pattern = patterns.get(i);
      if (pattern.matches(image)) {
        return pattern;
      }
    }
    return null;
  }

  /**
   * The rule's decision for one image; why goes to {@code reasons}, and the required attestors
   * without a valid attestation of the digest to {@code missingAttestors}.
   */
  private Decision applyRule(
      ParsedPolicySet ps,
      AdmissionRule rule,
      String digest,
      Facts facts,
      Instant now,
      List<String> reasons,
      List<String> missingAttestors) {
    Decision fail = rule.dryRun() ? Decision.DRYRUN_DENY : Decision.DENY;
    switch (rule.evaluationMode()) {
      case ALWAYS_ALLOW:
        reasons.add(ps.ruleText(rule, ParsedPolicySet.ALWAYS_ALLOW_TEXT));
        return Decision.ALLOW;
      case ALWAYS_DENY:
        reasons.add(ps.ruleText(rule, ParsedPolicySet.ALWAYS_DENY_TEXT));
        return fail;
      case REQUIRE_ATTESTATION:
        break;
      default:
        throw new AssertionError(rule.evaluationMode());
    }
    if (digest == null) {
      reasons.add(ps.ruleText(rule, ParsedPolicySet.NO_DIGEST_TEXT));
      return fail;
    }
    List<Attestation> attestations = nonNull(facts.attestations(digest));
    boolean missing = false;
    boolean unknown = false;
    for (String name : rule.requireAttestationsBy()) {
      Attestor attestor = ps.attestors.get(name);
      if (attestor == null) {
        unknown = true;
        reasons.add(
            "attestor " + name + ": not known (its document was not supplied), cannot judge");
        continue;
      }
      String satisfiedBy = satisfiedBy(attestor, digest, attestations, now, reasons);
      if (satisfiedBy != null) {
        reasons.add(ps.satisfiedText(attestor, satisfiedBy));
      } else {
        missing = true;
        missingAttestors.add(name);
        reasons.add("attestor " + name + ": missing (no valid attestation for " + digest + ")");
      }
    }
    if (missing) {
      if (rule.dryRun()) {
        reasons.add(ps.ruleText(rule, ParsedPolicySet.DRY_RUN_TEXT));
      }
      return fail;
    }
    return unknown ? Decision.UNKNOWN : Decision.ALLOW;
  }

  /** The occurrence that satisfies {@code attestor}, or null; failures are added to reasons. */
  private String satisfiedBy(
      Attestor attestor,
      String digest,
      List<Attestation> attestations,
      Instant now,
      List<String> reasons) {
    List<String> failures = null;
    for (int a = 0, n = attestations.size(); a < n; a++) {
      Attestation att = attestations.get(a);
      if (attestor.noteReference() != null && !attestor.noteReference().equals(att.noteName())) {
        continue;
      }
      List<Attestation.Signature> sigs = att.signatures();
      for (int s = 0, m = sigs.size(); s < m; s++) {
        VerificationKey key = attestor.key(sigs.get(s).publicKeyId());
        if (key == null) {
          continue;
        }
        AttestationVerifier.Outcome o = verifier.verify(digest, att, s, key);
        if (o.validAt(now)) {
          return att.occurrence();
        }
        failures = addFailure(failures, att, o.reasonAt(now));
      }
      Attestation.PgpSignedAttestation pgp = att.pgpSignedAttestation();
      if (pgp != null) {
        for (VerificationKey key : attestor.keys()) {
          if (!(key instanceof VerificationKey.Pgp)) {
            continue;
          }
          if (pgp.pgpKeyId() != null && !pgpIdMatches(key.id(), pgp.pgpKeyId())) {
            continue;
          }
          AttestationVerifier.Outcome o = verifier.verify(digest, att, -1, key);
          if (o.validAt(now)) {
            return att.occurrence();
          }
          failures = addFailure(failures, att, o.reasonAt(now));
        }
      }
    }
    if (failures != null) {
      for (String f : failures) {
        reasons.add("attestor " + attestor.name() + ": " + f);
      }
    }
    return null;
  }

  private static boolean pgpIdMatches(String fingerprint, String pgpKeyId) {
    String id = Attestor.normalisePgpId(pgpKeyId);
    return fingerprint.equals(id) || (id.length() == 16 && fingerprint.endsWith(id));
  }

  private static List<String> addFailure(List<String> failures, Attestation att, String reason) {
    List<String> f = failures == null ? new ArrayList<>(2) : failures;
    if (f.size() < 5) {
      f.add("occurrence " + att.occurrence() + " rejected: " + reason);
    }
    return f;
  }

  private Decision applyPlatform(
      PlatformPolicy platform,
      PlatformPolicy.CheckSet set,
      Parsed p,
      String digest,
      Facts facts,
      Instant now,
      List<Verdict.CheckResult> out) {
    NamePattern allowed = firstMatch(platform.allowlist(), p.normalised);
    if (allowed != null) {
      out.add(
          new Verdict.CheckResult(
              null,
              "imageAllowlist",
              Decision.ALLOW,
              "matches gkePolicy.imageAllowlist '" + allowed.text() + "'"));
      return Decision.ALLOW;
    }
    if (set == null) {
      return Decision.ALLOW;
    }
    allowed = firstMatch(set.allowlist(), p.normalised);
    if (allowed != null) {
      out.add(
          new Verdict.CheckResult(
              set.displayName(),
              "imageAllowlist",
              Decision.ALLOW,
              "matches the check set's imageAllowlist '" + allowed.text() + "'"));
      return Decision.ALLOW;
    }
    Decision d = Decision.ALLOW;
    for (PlatformPolicy.Check check : set.checks()) {
      Verdict.CheckResult r;
      NamePattern exempt = firstMatch(check.allowlist(), p.normalised);
      if (exempt != null) {
        r =
            new Verdict.CheckResult(
                set.displayName(),
                check.name(),
                Decision.ALLOW,
                "exempt: matches the check's imageAllowlist '" + exempt.text() + "'");
      } else {
        r = runCheck(set.displayName(), check, p, digest, facts, now);
      }
      out.add(r);
      d = Decision.worst(d, r.result());
    }
    return d;
  }

  /**
   * An age to the second, without zero parts: "30 days 1 hour", "29 days 23 hours 59 minutes 59
   * seconds".
   */
  static String describeAge(Duration age) {
    long[] parts = {age.toDaysPart(), age.toHoursPart(), age.toMinutesPart(), age.toSecondsPart()};
    String[] units = {"day", "hour", "minute", "second"};
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (parts[i] != 0) {
        b.append(b.length() == 0 ? "" : " ")
            .append(parts[i])
            .append(' ')
            .append(units[i])
            .append(parts[i] == 1 ? "" : "s");
      }
    }
    return b.length() == 0 ? "0 seconds" : b.toString();
  }

  private Verdict.CheckResult runCheck(
      String set, PlatformPolicy.Check check, Parsed p, String digest, Facts facts, Instant now) {
    String name = check.name();
    if (check instanceof PlatformPolicy.AlwaysDeny) {
      return new Verdict.CheckResult(set, name, Decision.DENY, "alwaysDeny");
    }
    if (check instanceof PlatformPolicy.TrustedDirectoryCheck t) {
      String directory = TrustedDirectoryPattern.directoryOf(p.name);
      for (TrustedDirectoryPattern dir : t.trustedDirPatterns()) {
        if (dir.matches(directory)) {
          return new Verdict.CheckResult(
              set,
              name,
              Decision.ALLOW,
              "directory " + directory + " matches trusted directory pattern '" + dir.text() + "'");
        }
      }
      return new Verdict.CheckResult(
          set,
          name,
          Decision.DENY,
          "directory " + directory + " (of " + p.name + ") matches no trusted directory pattern");
    }
    if (digest == null) {
      boolean signatures =
          check instanceof PlatformPolicy.SimpleSigningAttestationCheck
              || check instanceof PlatformPolicy.SigstoreSignatureCheck;
      return new Verdict.CheckResult(
          set, name, signatures ? Decision.DENY : Decision.UNKNOWN, NOT_PINNED_NO_DIGEST);
    }
    if (check instanceof PlatformPolicy.ImageFreshnessCheck f) {
      Optional<ImageMetadata> m = Optional.ofNullable(facts.metadata(digest)).flatMap(x -> x);
      if (m.isEmpty() || m.get().uploadTime() == null) {
        return new Verdict.CheckResult(
            set, name, Decision.UNKNOWN, "upload time of " + digest + " is unknown");
      }
      Duration age = Duration.between(m.get().uploadTime(), now);
      String uploaded =
          "uploaded "
              + m.get().uploadTime()
              + ", "
              + (age.isNegative() ? "after the time of judgement" : describeAge(age) + " ago");
      if (age.compareTo(Duration.ofDays(f.maxUploadAgeDays())) > 0) {
        return new Verdict.CheckResult(
            set,
            name,
            Decision.DENY,
            uploaded + ": older than maxUploadAgeDays " + f.maxUploadAgeDays());
      }
      return new Verdict.CheckResult(
          set,
          name,
          Decision.ALLOW,
          uploaded + ": within maxUploadAgeDays " + f.maxUploadAgeDays());
    }
    if (check instanceof PlatformPolicy.VulnerabilityCheck v) {
      Optional<ImageMetadata> m = Optional.ofNullable(facts.metadata(digest)).flatMap(x -> x);
      if (m.isEmpty() || m.get().scannedAt() == null) {
        return new Verdict.CheckResult(
            set, name, Decision.UNKNOWN, digest + " has not been scanned");
      }
      StringBuilder failing = null;
      int count = 0;
      for (ImageMetadata.Vulnerability vuln : m.get().vulnerabilities()) {
        if (v.fails(vuln)) {
          if (failing == null) {
            failing = new StringBuilder("vulnerabilities over the threshold: ");
          }
          if (count++ < 10) {
            failing
                .append(count > 1 ? ", " : "")
                .append(vuln.cve())
                .append(" (")
                .append(vuln.severity())
                .append(vuln.fixable() ? ", fixable)" : ", unfixable)");
          }
        }
      }
      if (failing != null) {
        if (count > 10) {
          failing.append(" and ").append(count - 10).append(" more");
        }
        return new Verdict.CheckResult(set, name, Decision.DENY, failing.toString());
      }
      return new Verdict.CheckResult(
          set, name, Decision.ALLOW, "no vulnerability over the thresholds");
    }
    List<VerificationKey> keys;
    if (check instanceof PlatformPolicy.SimpleSigningAttestationCheck s) {
      keys = s.keys();
    } else if (check instanceof PlatformPolicy.SigstoreSignatureCheck s) {
      keys = s.keys();
    } else {
      throw new AssertionError(check);
    }
    boolean anyKeyName = check instanceof PlatformPolicy.SigstoreSignatureCheck;
    String lastFailure = null;
    String unreadable = null;
    List<Attestation> attestations = nonNull(facts.attestations(digest));
    for (Attestation att : attestations) {
      if (anyKeyName
          && PlatformPolicy.SigstoreSignatureCheck.UNREADABLE_NOTE.equals(att.noteName())) {
        unreadable = att.occurrence();
      }
      List<Attestation.Signature> sigs = att.signatures();
      for (int i = 0; i < sigs.size(); i++) {
        for (VerificationKey key : keys) {
          if (!anyKeyName && !key.id().isEmpty() && !key.id().equals(sigs.get(i).publicKeyId())) {
            continue;
          }
          AttestationVerifier.Outcome o = verifier.verify(digest, att, i, key);
          if (o.validAt(now)) {
            return new Verdict.CheckResult(
                set, name, Decision.ALLOW, "verified: " + att.occurrence());
          }
          lastFailure = att.occurrence() + ": " + o.reasonAt(now);
        }
      }
    }
    if (unreadable != null) {
      return new Verdict.CheckResult(
          set, name, Decision.UNKNOWN, "signatures could not be read: " + unreadable);
    }
    return new Verdict.CheckResult(
        set,
        name,
        Decision.DENY,
        "no signature verified by the check's keys"
            + (lastFailure == null ? "" : " (" + lastFailure + ")"));
  }
}
