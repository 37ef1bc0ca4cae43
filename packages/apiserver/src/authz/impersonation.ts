// Impersonation headers (`Impersonate-User`, `-Group`, `-Uid`, `-Extra-<key>`), each allowed only with the
// `impersonate` verb on what it names, as kube-apiserver's impersonation filter does.

import type { IncomingMessage } from "node:http";
import type { UserInfo } from "../api/request-context.js";
import { ApiError } from "../errors.js";
import { type AuthzAttributes, resourceAttributes } from "./attributes.js";
import type { Authorizer } from "./authorizer.js";
import { forbiddenError } from "./forbidden.js";
import { parseServiceAccountUsername, serviceAccountGroups } from "./subjects.js";

const EXTRA_PREFIX = "impersonate-extra-";

/**
 * Every value of a header, one per header line as Go's http.Header keeps them (kube-apiserver does not split
 * on commas: `Impersonate-Group: a,b` is one group named `a,b`; several groups are several lines).
 */
function headerValues(req: IncomingMessage, name: string): string[] {
  return (req.headersDistinct[name] ?? []).map((s) => s.trim());
}

/**
 * Applies impersonation headers: returns the impersonated user (with `impersonatedBy` set), or `user` when the
 * request has none. Each impersonated attribute needs `impersonate` on `users`/`serviceaccounts`, `groups`,
 * `userextras/<key>` or `uids`; the first one denied answers 403 in kube's words. A ServiceAccount user given
 * without groups gets its ServiceAccount groups.
 */
export function impersonate(req: IncomingMessage, user: UserInfo, authorizer: Authorizer): UserInfo {
  const rawUser = req.headers["impersonate-user"];
  const name = Array.isArray(rawUser) ? rawUser[0] : rawUser;
  const groups = headerValues(req, "impersonate-group").filter((g) => g !== "");
  const uidHeader = req.headers["impersonate-uid"];
  const uid = Array.isArray(uidHeader) ? uidHeader[0] : uidHeader;
  const extra: Record<string, string[]> = {};
  for (const h of Object.keys(req.headers)) {
    if (!h.startsWith(EXTRA_PREFIX)) continue;
    const key = decodeURIComponent(h.slice(EXTRA_PREFIX.length));
    extra[key] = headerValues(req, h);
  }
  const hasExtra = Object.keys(extra).length > 0;
  if (name === undefined && groups.length === 0 && uid === undefined && !hasExtra) return user;
  if (name === undefined || name === "") {
    const what = groups.length > 0 ? "groups" : hasExtra ? "user extras" : "uid";
    throw new ApiError(500, "InternalError", `Internal error occurred: requested ${what} without impersonating a user`);
  }
  const checks: AuthzAttributes[] = [];
  const sa = parseServiceAccountUsername(name);
  if (sa) {
    checks.push(resourceAttributes(user, "impersonate", { group: "", resource: "serviceaccounts", ...sa }));
  } else {
    checks.push(resourceAttributes(user, "impersonate", { group: "", resource: "users", name }));
  }
  for (const g of groups)
    checks.push(resourceAttributes(user, "impersonate", { group: "", resource: "groups", name: g }));
  for (const [key, values] of Object.entries(extra)) {
    for (const v of values) {
      checks.push(
        resourceAttributes(user, "impersonate", {
          group: "authentication.k8s.io",
          resource: "userextras",
          subresource: key,
          name: v,
        }),
      );
    }
  }
  if (uid !== undefined && uid !== "") {
    checks.push(
      resourceAttributes(user, "impersonate", { group: "authentication.k8s.io", resource: "uids", name: uid }),
    );
  }
  for (const a of checks) {
    const d = authorizer.authorize(a);
    if (!d.allowed) throw forbiddenError(a, d.reason);
  }
  const finalGroups = groups.length === 0 && sa ? serviceAccountGroups(sa.namespace) : [...groups];
  if (name !== "system:anonymous" && !finalGroups.includes("system:authenticated"))
    finalGroups.push("system:authenticated");
  const out: UserInfo = { name, groups: finalGroups, impersonatedBy: user.name };
  if (uid !== undefined && uid !== "") out.uid = uid;
  if (hasExtra) out.extra = extra;
  return out;
}
