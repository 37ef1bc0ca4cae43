// The rules a user holds in a namespace, as SelfSubjectRulesReview reports them (`kubectl auth can-i --list`).

import type { UserInfo } from "../api/request-context.js";
import type { JsonObject } from "../util/json.js";
import { SYSTEM_MASTERS } from "./authorizer.js";
import type { RbacIndex } from "./rbac-index.js";

/** status of a SelfSubjectRulesReview for `user` in `namespace`. */
export function subjectRulesStatus(index: RbacIndex, user: UserInfo, namespace: string): JsonObject {
  const resourceRules: JsonObject[] = [];
  const nonResourceRules: JsonObject[] = [];
  if (user.groups.includes(SYSTEM_MASTERS)) {
    // kube's privileged-group authorizer reports everything before RBAC's own rules.
    resourceRules.push({ verbs: ["*"], apiGroups: ["*"], resources: ["*"] });
    nonResourceRules.push({ verbs: ["*"], nonResourceURLs: ["*"] });
  }
  const { rules, errors } = index.rulesFor(user, namespace);
  for (const r of rules) {
    if (r.nonResourceURLs.length > 0) {
      nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
    } else {
      const rule: JsonObject = { verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources };
      if (r.resourceNames.length > 0) rule["resourceNames"] = r.resourceNames;
      resourceRules.push(rule);
    }
  }
  const status: JsonObject = { resourceRules, nonResourceRules, incomplete: errors.length > 0 };
  if (errors.length > 0) status["evaluationError"] = errors.join(", ");
  return status;
}
