// TokenRequest (`POST …/serviceaccounts/<name>/token`, `kubectl create token`): a bound, expiring token for
// a ServiceAccount.

import { ApiError, type FieldError, invalid, notFound } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { objectKey } from "../store/object-store.js";
import { isObject, type JsonObject } from "../util/json.js";
import { kubeTime } from "../util/meta.js";
import { type BoundObject, type ServiceAccountTokens, TOKEN_ISSUER } from "./service-account-tokens.js";

const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const BOUND_KINDS: Record<string, { collection: string; resource: string; namespaced: boolean }> = {
  Pod: { collection: "/pods", resource: "pods", namespaced: true },
  Secret: { collection: "/secrets", resource: "secrets", namespaced: true },
  Node: { collection: "/nodes", resource: "nodes", namespaced: false },
};

const TOKEN_REQUEST = { group: "authentication.k8s.io", kind: "TokenRequest" };

function validate(spec: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const exp = spec["expirationSeconds"];
  if (exp !== undefined && exp !== null) {
    if (typeof exp !== "number" || !Number.isInteger(exp)) {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.expirationSeconds",
        value: exp,
        detail: "must be an integer",
      });
    } else if (exp < MIN_EXPIRATION_SECONDS) {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.expirationSeconds",
        value: exp,
        detail: "may not specify a duration less than 10 minutes",
      });
    } else if (exp > MAX_EXPIRATION_SECONDS) {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.expirationSeconds",
        value: exp,
        detail: "may not specify a duration larger than 2^32 seconds",
      });
    }
  }
  return errors;
}

/** Serves a TokenRequest for ServiceAccount `name` in `namespace`; returns the TokenRequest to send back (201). */
export function createToken(
  store: ObjectStore,
  tokens: ServiceAccountTokens,
  namespace: string,
  name: string,
  body: JsonObject,
): JsonObject {
  const sa = store.get("/serviceaccounts", objectKey(namespace, name));
  if (!sa) throw notFound({ group: "", resource: "serviceaccounts" }, name);
  const spec: JsonObject = isObject(body["spec"]) ? body["spec"] : {};
  const errors = validate(spec);
  if (errors.length > 0) throw invalid(TOKEN_REQUEST, name, errors);
  const audiences =
    Array.isArray(spec["audiences"]) && spec["audiences"].length > 0
      ? spec["audiences"].filter((a): a is string => typeof a === "string")
      : [TOKEN_ISSUER];
  const expirationSeconds =
    typeof spec["expirationSeconds"] === "number" ? spec["expirationSeconds"] : DEFAULT_EXPIRATION_SECONDS;
  let bound: BoundObject | undefined;
  const ref = spec["boundObjectRef"];
  if (isObject(ref)) {
    const kind = typeof ref["kind"] === "string" ? ref["kind"] : "";
    const target = BOUND_KINDS[kind];
    if (!target) {
      throw invalid(TOKEN_REQUEST, name, [
        {
          type: "FieldValueNotSupported",
          field: "spec.boundObjectRef.kind",
          value: kind,
          detail: 'supported values: "Node", "Pod", "Secret"',
        },
      ]);
    }
    const refName = typeof ref["name"] === "string" ? ref["name"] : "";
    const obj = store.get(target.collection, objectKey(target.namespaced ? namespace : "", refName));
    if (!obj) throw notFound({ group: "", resource: target.resource }, refName);
    const uid = String(obj.metadata["uid"]);
    if (typeof ref["uid"] === "string" && ref["uid"] !== "" && ref["uid"] !== uid) {
      throw new ApiError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${target.resource} "${refName}": the UID in the bound object reference (${ref["uid"]}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    bound = { kind: kind as BoundObject["kind"], name: refName, uid };
  }
  const { token, expiration } = tokens.issue({
    namespace,
    name,
    uid: String(sa.metadata["uid"]),
    audiences,
    expirationSeconds,
    ...(bound ? { bound } : {}),
  });
  const outSpec: JsonObject = { audiences, expirationSeconds, boundObjectRef: null };
  if (bound) outSpec["boundObjectRef"] = { kind: bound.kind, apiVersion: "v1", name: bound.name, uid: bound.uid };
  return {
    kind: "TokenRequest",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { name, namespace, creationTimestamp: kubeTime() },
    spec: outSpec,
    status: { token, expirationTimestamp: kubeTime(expiration) },
  };
}
