// Authorization decisions: `system:masters` is always allowed (kube's privileged-group authorizer), everyone
// else by the RBAC rules bound to them.

import type { AuthzAttributes } from "./attributes.js";
import { ruleAllows } from "./policy-rule.js";
import type { RbacIndex } from "./rbac-index.js";

/** The group whose members may do anything. */
export const SYSTEM_MASTERS = "system:masters";

/** Outcome of an authorization check, with kube's reason text (`RBAC: allowed by …`). */
export interface Decision {
  allowed: boolean;
  reason: string;
}

/** Go's utilerrors aggregate text: one error as is, several as `[a, b]`. */
function aggregate(errors: string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(", ")}]`;
}

/** Decides requests by `system:masters` membership and RBAC; `enabled: false` allows everything. */
export class Authorizer {
  constructor(
    private readonly index: RbacIndex,
    readonly enabled = true,
  ) {}

  /** The RBAC index this authorizer reads. */
  get rbac(): RbacIndex {
    return this.index;
  }

  authorize(a: AuthzAttributes): Decision {
    if (!this.enabled || a.user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: "" };
    return this.authorizeRbac(a);
  }

  /** The RBAC decision alone (no privileged-group shortcut). */
  authorizeRbac(a: AuthzAttributes): Decision {
    const g = this.index.grantsFor(a.user);
    for (const grant of g.cluster) {
      if (grant.rules.some((r) => ruleAllows(r, a)))
        return { allowed: true, reason: `RBAC: allowed by ${grant.source}` };
    }
    if (a.namespace !== "") {
      for (const grant of g.namespaced.get(a.namespace) ?? []) {
        if (grant.rules.some((r) => ruleAllows(r, a)))
          return { allowed: true, reason: `RBAC: allowed by ${grant.source}` };
      }
    }
    const errors = [...g.clusterErrors, ...(a.namespace !== "" ? (g.namespacedErrors.get(a.namespace) ?? []) : [])];
    return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregate(errors)}` : "" };
  }
}
