// SelfSubjectAccessReview, SubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview and TokenReview:
// answered from the same authorizer, RBAC rules and token authentication that decide requests, stored nowhere.

import type { UserInfo } from "../api/request-context.js";
import { ApiError } from "../errors.js";
import type { ResourceType } from "../resources/resource-type.js";
import { isObject, type JsonObject, type JsonValue } from "../util/json.js";
import { type AuthzAttributes, nonResourceAttributes, resourceAttributes } from "./attributes.js";
import type { Authorizer } from "./authorizer.js";
import { subjectRulesStatus } from "./rules-review.js";
import { TOKEN_ISSUER } from "./service-account-tokens.js";

function str(v: JsonValue | undefined): string {
  return typeof v === "string" ? v : "";
}

function invalidReview(rt: ResourceType, field: string, detail: string): ApiError {
  return new ApiError(422, "Invalid", `${rt.kind}.${rt.group} "" is invalid: ${field}: ${detail}`, {
    group: rt.group,
    kind: rt.kind,
    causes: [{ reason: "FieldValueInvalid", message: detail, field }],
  });
}

/** The attributes a (Self)SubjectAccessReview spec asks about. */
function attributesOf(rt: ResourceType, spec: JsonObject, user: UserInfo): AuthzAttributes {
  const ra = spec["resourceAttributes"];
  const nra = spec["nonResourceAttributes"];
  if (isObject(ra) && isObject(nra)) {
    throw invalidReview(
      rt,
      "spec.resourceAttributes",
      'Invalid value: "": cannot be specified in combination with nonResourceAttributes',
    );
  }
  if (isObject(ra)) {
    return resourceAttributes(user, str(ra["verb"]), {
      group: str(ra["group"]),
      version: str(ra["version"]),
      resource: str(ra["resource"]),
      subresource: str(ra["subresource"]),
      namespace: str(ra["namespace"]),
      name: str(ra["name"]),
    });
  }
  if (isObject(nra)) return nonResourceAttributes(user, str(nra["verb"]), str(nra["path"]));
  throw invalidReview(
    rt,
    "spec.resourceAttributes",
    "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified",
  );
}

function userOfSpec(spec: JsonObject): UserInfo {
  const groups = Array.isArray(spec["groups"]) ? spec["groups"].filter((g): g is string => typeof g === "string") : [];
  const user: UserInfo = { name: str(spec["user"]), groups };
  if (str(spec["uid"]) !== "") user.uid = str(spec["uid"]);
  return user;
}

function userInfoJson(user: UserInfo): JsonObject {
  const out: JsonObject = { username: user.name };
  if (user.uid !== undefined) out["uid"] = user.uid;
  out["groups"] = user.groups;
  if (user.extra !== undefined) out["extra"] = user.extra;
  return out;
}

/** The audience every token this server issues or knows is for (the API server's own). */
const API_AUDIENCES = [TOKEN_ISSUER];

/**
 * TokenReview's status, as kube-apiserver answers it: the token's user when it authenticates for the asked
 * audiences (none asked: the API server's), else `user: {}` without `authenticated`.
 */
function tokenReviewStatus(spec: JsonObject, authenticateToken: (token: string) => UserInfo | undefined): JsonObject {
  const token = str(spec["token"]);
  if (token === "") throw new ApiError(400, "BadRequest", "token is required for TokenReview in authentication");
  const asked = Array.isArray(spec["audiences"])
    ? spec["audiences"].filter((a): a is string => typeof a === "string")
    : [];
  const audiences = asked.length === 0 ? API_AUDIENCES : asked.filter((a) => API_AUDIENCES.includes(a));
  const user = audiences.length > 0 ? authenticateToken(token) : undefined;
  if (!user) {
    return asked.length > 0 && audiences.length === 0
      ? {
          user: {},
          error: `token audiences ${JSON.stringify(API_AUDIENCES)} are invalid for the target audiences ${JSON.stringify(asked)}`,
        }
      : { user: {} };
  }
  return { authenticated: true, user: userInfoJson(user), audiences };
}

/**
 * Answers a review create (`body` is the posted review) for the requesting `user`; TokenReviews check their
 * token with `authenticateToken`.
 */
export function answerReview(
  rt: ResourceType,
  body: JsonObject,
  user: UserInfo,
  authorizer: Authorizer,
  authenticateToken: (token: string) => UserInfo | undefined = () => undefined,
): JsonObject {
  const out: JsonObject = { ...body, apiVersion: `${rt.group}/${rt.version}`, kind: rt.kind };
  out["metadata"] = { ...(isObject(body["metadata"]) ? body["metadata"] : {}), creationTimestamp: null };
  const spec: JsonObject = isObject(body["spec"]) ? body["spec"] : {};
  switch (rt.kind) {
    case "SelfSubjectReview":
      out["status"] = { userInfo: userInfoJson(user) };
      return out;
    case "TokenReview":
      out["status"] = tokenReviewStatus(spec, authenticateToken);
      return out;
    case "SelfSubjectRulesReview":
      out["status"] = subjectRulesStatus(authorizer.rbac, user, str(spec["namespace"]));
      return out;
    case "SelfSubjectAccessReview":
    case "SubjectAccessReview": {
      let subject = user;
      if (rt.kind === "SubjectAccessReview") {
        subject = userOfSpec(spec);
        if (subject.name === "" && subject.groups.length === 0)
          throw invalidReview(rt, "spec.user", 'Invalid value: "": at least one of user or group must be specified');
      } else {
        // The review is about the requester: echo who that is, as kube does for SelfSubjectAccessReview.
        out["spec"] = { ...spec };
      }
      const d = authorizer.authorize(attributesOf(rt, spec, subject));
      const status: JsonObject = { allowed: d.allowed };
      if (d.reason !== "") status["reason"] = d.reason;
      out["status"] = status;
      return out;
    }
    default:
      throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  }
}
