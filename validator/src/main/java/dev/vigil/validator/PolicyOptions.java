package dev.vigil.validator;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;

/**
 * Choices the documents themselves do not fix.
 *
 * @param rulePrecedence which kind of specific rule wins when several match a pod, first wins;
 *     Binary Authorization does not document this, Vigil's default is {@link
 *     RuleScope#DEFAULT_PRECEDENCE}
 * @param systemImagePatterns the images Google's system policy exempts when a policy says {@code
 *     globalPolicyEvaluationMode: ENABLE}. Google maintains that list ({@code locations/*\/policy})
 *     and changes it region by region, so Vigil cannot know it: supply it. Empty (the default)
 *     means no image is exempted as a system image, so Vigil may report system images that GKE
 *     admits.
 */
public record PolicyOptions(List<RuleScope> rulePrecedence, List<String> systemImagePatterns) {

  /** Default precedence, no system images. */
  public static final PolicyOptions DEFAULTS =
      new PolicyOptions(RuleScope.DEFAULT_PRECEDENCE, List.of());

  public PolicyOptions {
    rulePrecedence = List.copyOf(rulePrecedence);
    systemImagePatterns = List.copyOf(systemImagePatterns);
    if (EnumSet.copyOf(Objects.requireNonNull(rulePrecedence)).size() != RuleScope.values().length
        || rulePrecedence.size() != RuleScope.values().length) {
      throw new IllegalArgumentException(
          "rulePrecedence must name every RuleScope exactly once: " + rulePrecedence);
    }
  }

  /** These options with another precedence. */
  public PolicyOptions withRulePrecedence(List<RuleScope> precedence) {
    return new PolicyOptions(precedence, systemImagePatterns);
  }

  /** These options with system image patterns. */
  public PolicyOptions withSystemImagePatterns(List<String> patterns) {
    return new PolicyOptions(rulePrecedence, patterns);
  }
}
