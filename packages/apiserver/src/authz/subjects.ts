// Who a binding's subject is: kube's rbac appliesToUser and the ServiceAccount user/group names.

import type { UserInfo } from "../api/request-context.js";
import type { JsonValue } from "../util/json.js";

/** The user name prefix of ServiceAccount identities. */
export const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

/** `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** The groups every ServiceAccount of a namespace is in (without `system:authenticated`). */
export function serviceAccountGroups(namespace: string): string[] {
  return ["system:serviceaccounts", `system:serviceaccounts:${namespace}`];
}

/** Splits `system:serviceaccount:<ns>:<name>` into its parts, or undefined for other users. */
export function parseServiceAccountUsername(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = user.slice(SERVICE_ACCOUNT_PREFIX.length).split(":");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") return undefined;
  return { namespace: parts[0]!, name: parts[1]! };
}

/** One subject of a RoleBinding/ClusterRoleBinding. */
export interface Subject {
  kind: string;
  name: string;
  namespace: string;
}

/** Reads `subjects` of a stored binding. */
export function subjectsOf(obj: { [k: string]: JsonValue | undefined }): Subject[] {
  const raw = obj["subjects"];
  if (!Array.isArray(raw)) return [];
  const out: Subject[] = [];
  for (const s of raw) {
    if (s === null || typeof s !== "object" || Array.isArray(s)) continue;
    out.push({
      kind: typeof s["kind"] === "string" ? s["kind"] : "",
      name: typeof s["name"] === "string" ? s["name"] : "",
      namespace: typeof s["namespace"] === "string" ? s["namespace"] : "",
    });
  }
  return out;
}

/** Tells whether a subject names the user (a ServiceAccount without namespace means the binding's). */
export function subjectApplies(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case "User":
      return user.name === s.name;
    case "Group":
      return user.groups.includes(s.name);
    case "ServiceAccount": {
      const ns = s.namespace !== "" ? s.namespace : bindingNamespace;
      return ns !== "" && s.name !== "" && user.name === serviceAccountUsername(ns, s.name);
    }
    default:
      return false;
  }
}

/** How kube's RBAC authorizer names a subject in its reasons: `ServiceAccount "sa/ns"`, `Group "g"`. */
export function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === "ServiceAccount") {
    return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace !== "" ? s.namespace : bindingNamespace}`)}`;
  }
  return `${s.kind} ${JSON.stringify(s.name)}`;
}
