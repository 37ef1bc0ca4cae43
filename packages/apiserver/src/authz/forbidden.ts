// 403 answers worded as kube-apiserver's authorization filter words them.

import { ApiError } from "../errors.js";
import type { AuthzAttributes } from "./attributes.js";

/** `User "u" cannot get resource "pods" in API group "" in the namespace "ns"` (kube's forbiddenMessage). */
export function forbiddenMessage(a: AuthzAttributes): string {
  const user = JSON.stringify(a.user.name);
  if (!a.resourceRequest) return `User ${user} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource === "" ? a.resource : `${a.resource}/${a.subresource}`;
  const head = `User ${user} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.group)}`;
  return a.namespace !== ""
    ? `${head} in the namespace ${JSON.stringify(a.namespace)}`
    : `${head} at the cluster scope`;
}

/**
 * The 403 Status kube-apiserver sends when authorization denies a request:
 * `deployments.apps "x" is forbidden: User "u" cannot …[: reason]`, or `forbidden: User "u" cannot get path "/x"`.
 */
export function forbiddenError(a: AuthzAttributes, reason = ""): ApiError {
  const why = reason === "" ? forbiddenMessage(a) : `${forbiddenMessage(a)}: ${reason}`;
  return forbiddenFor(a.group, a.resource, a.name, why);
}

/** apierrors.NewForbidden(groupResource, name, err). */
export function forbiddenFor(group: string, resource: string, name: string, why: string): ApiError {
  if (resource === "") return new ApiError(403, "Forbidden", `forbidden: ${why}`, {});
  const qualified = group === "" ? resource : `${resource}.${group}`;
  const message =
    name === "" ? `${qualified} is forbidden: ${why}` : `${qualified} ${JSON.stringify(name)} is forbidden: ${why}`;
  return new ApiError(403, "Forbidden", message, {
    ...(name !== "" ? { name } : {}),
    ...(group !== "" ? { group } : {}),
    kind: resource,
  });
}
