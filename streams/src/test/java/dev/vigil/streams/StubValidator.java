package dev.vigil.streams;

import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PolicyDocument;
import dev.vigil.schemas.Verdict;
import dev.vigil.validator.Evaluation;
import dev.vigil.validator.InvalidPolicyException;
import dev.vigil.validator.PolicySet;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the validator while its implementation is not on main: reads only the default
 * rule and the allowlist of the fixtures' policies, and treats any attestation as valid. Used only
 * when {@link #engineForTests()} finds the real validator missing.
 */
final class StubValidator {

  private StubValidator() {}

  /** The real validator when it is implemented, else this stub. */
  static ValidationEngine engineForTests() {
    try {
      ValidationEngine real = ValidationEngine.standard();
      real.parser().parse(Fixtures.enforced(1, "ALWAYS_ALLOW"), null, List.of());
      return real;
    } catch (UnsupportedOperationException | InvalidPolicyException e) {
      return new ValidationEngine(StubValidator::parse, StubValidator::evaluate);
    }
  }

  static boolean real() {
    try {
      ValidationEngine.standard().parser().parse(Fixtures.enforced(1, "ALWAYS_ALLOW"), null, List.of());
      return true;
    } catch (UnsupportedOperationException | InvalidPolicyException e) {
      return false;
    }
  }

  private record Stub(String mode, boolean dryRun, List<String> allow, List<String> versions) implements PolicySet {}

  private static final Pattern MODE = Pattern.compile("evaluationMode: (\\S+)");

  static PolicySet parse(PolicyDocument policy, PolicyDocument platform, List<PolicyDocument> attestors)
      throws InvalidPolicyException {
    Matcher m = MODE.matcher(policy.content());
    if (!m.find() || !List.of("ALWAYS_ALLOW", "ALWAYS_DENY", "REQUIRE_ATTESTATION").contains(m.group(1))) {
      throw new InvalidPolicyException(policy.key(), List.of(new InvalidPolicyException.Problem(
          "defaultAdmissionRule.evaluationMode", "unknown evaluation mode")));
    }
    List<String> allow = new ArrayList<>();
    Matcher p = Pattern.compile("namePattern: (\\S+)").matcher(policy.content());
    while (p.find()) {
      allow.add(p.group(1));
    }
    List<String> versions = new ArrayList<>();
    versions.add(policy.key() + "@" + policy.version());
    attestors.forEach(a -> versions.add(a.key() + "@" + a.version()));
    return new Stub(m.group(1), policy.content().contains("DRYRUN_AUDIT_LOG_ONLY"), allow, versions);
  }

  static Evaluation evaluate(dev.vigil.validator.PodContext pod, PolicySet set,
      dev.vigil.validator.Facts facts, java.time.Instant now) {
    Stub s = (Stub) set;
    Decision overall = Decision.ALLOW;
    List<Verdict.ImageResult> results = new ArrayList<>();
    for (ContainerImage c : pod.images()) {
      String digest = StoreFacts.digest(c);
      boolean allowlisted = s.allow().stream().anyMatch(a -> a.endsWith("**")
          ? c.image().startsWith(a.substring(0, a.length() - 2)) : c.image().equals(a));
      Decision d;
      String reason;
      if (allowlisted) {
        d = Decision.ALLOW;
        reason = "allowlisted";
      } else if (s.mode().equals("ALWAYS_ALLOW")) {
        d = Decision.ALLOW;
        reason = "always allow";
      } else if (s.mode().equals("ALWAYS_DENY")) {
        d = s.dryRun() ? Decision.DRYRUN_DENY : Decision.DENY;
        reason = "always deny";
      } else if (digest != null && !facts.attestations(digest).isEmpty()) {
        d = Decision.ALLOW;
        reason = "attested";
      } else {
        d = s.dryRun() ? Decision.DRYRUN_DENY : Decision.DENY;
        reason = "no attestation by " + Fixtures.ATTESTOR;
      }
      if (d == Decision.DENY || (d == Decision.DRYRUN_DENY && overall == Decision.ALLOW)) {
        overall = d;
      }
      results.add(new Verdict.ImageResult(c.container(), c.image(), digest, d, "defaultAdmissionRule",
          List.of(reason), List.of()));
    }
    return new Evaluation(overall, results, s.versions());
  }
}
