// `spec.policySelector`: a metav1.LabelSelector (matchLabels and matchExpressions, ANDed) choosing which
// ImagePolicies of the automation's namespace are applied; empty or unset selects all.

import type { LabelSelector } from "@sluice/api";

/** A selector that can't be used (Flux: InvalidPolicySelector, stalls). */
export class PolicySelectorError extends Error {
  override readonly name = "PolicySelectorError";
}

/** A predicate over labels; throws {@link PolicySelectorError} for an unknown operator or missing values. */
export function labelSelectorMatcher(selector: LabelSelector | undefined): (labels: Record<string, string>) => boolean {
  const checks: ((labels: Record<string, string>) => boolean)[] = [];
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) checks.push((l) => l[k] === v);
  for (const req of selector?.matchExpressions ?? []) {
    const values = req.values ?? [];
    switch (req.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) {
          throw new PolicySelectorError(
            `failed parsing policy selector: values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`,
          );
        }
        checks.push((l) => (req.key in l && values.includes(l[req.key] as string)) === (req.operator === "In"));
        break;
      case "Exists":
        checks.push((l) => req.key in l);
        break;
      case "DoesNotExist":
        checks.push((l) => !(req.key in l));
        break;
      default:
        throw new PolicySelectorError(
          `failed parsing policy selector: "${req.operator}" is not a valid label selector operator`,
        );
    }
  }
  return (labels) => checks.every((c) => c(labels));
}
