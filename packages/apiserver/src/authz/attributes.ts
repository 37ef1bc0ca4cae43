// What an authorization decision is about, as kube-apiserver's authorizer.Attributes.

import type { UserInfo } from "../api/request-context.js";

/** The attributes of one request (or access review) to authorize. */
export interface AuthzAttributes {
  user: UserInfo;
  verb: string;
  /** True for /api and /apis resource paths, false for non-resource URLs (`/healthz`, `/apis`, …). */
  resourceRequest: boolean;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** The URL path (non-resource requests). */
  path: string;
}

/** Attributes of a resource request. */
export function resourceAttributes(
  user: UserInfo,
  verb: string,
  r: { group: string; resource: string; namespace?: string; name?: string; subresource?: string; version?: string },
): AuthzAttributes {
  return {
    user,
    verb,
    resourceRequest: true,
    group: r.group,
    version: r.version ?? "",
    namespace: r.namespace ?? "",
    resource: r.resource,
    subresource: r.subresource ?? "",
    name: r.name ?? "",
    path: "",
  };
}

/** Attributes of a non-resource request. */
export function nonResourceAttributes(user: UserInfo, verb: string, path: string): AuthzAttributes {
  return {
    user,
    verb,
    resourceRequest: false,
    group: "",
    version: "",
    namespace: "",
    resource: "",
    subresource: "",
    name: "",
    path,
  };
}
