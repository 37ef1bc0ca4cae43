// Escalation prevention on Roles, ClusterRoles and their bindings: a user may only grant permissions they hold
// themselves, unless they have `escalate` on the role (or `bind` on a binding's role), as kube's RBAC storage
// enforces.

import type { AdmissionRequest } from "../api/object-admission.js";
import type { UserInfo } from "../api/request-context.js";
import type { FieldError } from "../errors.js";
import { isObject } from "../util/json.js";
import { resourceAttributes } from "./attributes.js";
import type { Authorizer } from "./authorizer.js";
import { compactRules, uncoveredRules } from "./covers.js";
import { forbiddenFor } from "./forbidden.js";
import { compactRuleString, type PolicyRule, rulesOf } from "./policy-rule.js";
import { roleRefOf } from "./rbac-index.js";

const GROUP = "rbac.authorization.k8s.io";

function goQuoted(list: string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(" ")}]`;
}

/** Fields that only the garbage collector touches: changes limited to them need no check (IsOnlyMutatingGCFields). */
function onlyGcFieldsChanged(req: AdmissionRequest): boolean {
  if (!req.old) return false;
  const strip = (o: Record<string, unknown>): string => {
    const meta = { ...(o["metadata"] as Record<string, unknown>) };
    for (const f of ["ownerReferences", "finalizers", "resourceVersion", "managedFields", "generation"]) delete meta[f];
    return JSON.stringify({ ...o, metadata: meta });
  };
  return strip(req.object) === strip(req.old);
}

/** Makes the admission step that refuses escalating RBAC writes. */
export function escalationCheck(authorizer: Authorizer): (req: AdmissionRequest) => FieldError[] {
  return (req) => {
    if (req.rt.group !== GROUP || req.user === undefined || req.subresource !== undefined) return [];
    if (!authorizer.enabled) return [];
    const user = req.user;
    const resource = req.rt.resource;
    const name = String(req.object.metadata["name"] ?? "");
    const namespace = String(req.object.metadata["namespace"] ?? "");
    const allowed = (verb: string, r: string, n: string): boolean =>
      authorizer.authorize(resourceAttributes(user, verb, { group: GROUP, resource: r, namespace, name: n })).allowed;
    if (onlyGcFieldsChanged(req)) return [];
    if (resource === "roles" || resource === "clusterroles") {
      if (allowed("escalate", resource, name)) return [];
      if (resource === "clusterroles" && isObject(req.object["aggregationRule"])) {
        throw forbiddenFor(GROUP, resource, name, "must have cluster-admin privileges to use the aggregationRule");
      }
      confirmNoEscalation(authorizer, user, namespace, rulesOf(req.object), resource, name);
      return [];
    }
    if (resource === "rolebindings" || resource === "clusterrolebindings") {
      const ref = roleRefOf(req.object);
      const refResource = ref.kind === "Role" ? "roles" : "clusterroles";
      if (allowed("bind", refResource, ref.name)) return [];
      const rules = authorizer.rbac.roleRules(ref.kind, namespace, ref.name);
      if (rules === undefined) {
        const qualified = `${ref.kind === "Role" ? "roles" : "clusterroles"}.${GROUP}`;
        throw forbiddenFor(GROUP, resource, name, `${qualified} ${JSON.stringify(ref.name)} not found`);
      }
      confirmNoEscalation(authorizer, user, namespace, rules, resource, name);
    }
    return [];
  };
}

function confirmNoEscalation(
  authorizer: Authorizer,
  user: UserInfo,
  namespace: string,
  rules: PolicyRule[],
  resource: string,
  name: string,
): void {
  if (user.groups.includes("system:masters")) return;
  const owner = authorizer.rbac.rulesFor(user, namespace);
  const missing = uncoveredRules(owner.rules, rules);
  if (missing.length === 0) return;
  const lines = [...new Set(compactRules(missing).map(compactRuleString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join("\n")}`;
  if (owner.errors.length > 0) msg += `; resolution errors: [${owner.errors.join(" ")}]`;
  throw forbiddenFor(GROUP, resource, name, msg);
}
